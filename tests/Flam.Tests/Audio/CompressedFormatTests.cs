using Flam.Audio;

namespace Flam.Tests.Audio;

/// <summary>FLAC, MP3 and Ogg Vorbis fixtures (tests/Flam.Tests/Fixtures/audio, see PROVENANCE.md there).</summary>
public class CompressedFormatTests
{
    private static string Fixture(string name) => FixturePaths.Get("audio", name);

    private static float[] LoadNative(string path) => AudioFile.Load(path, AudioFile.Probe(path).SampleRate);

    [Theory]
    [InlineData("stereo16-b4096.flac", "stereo16.wav")]          // LPC, right/side
    [InlineData("stereo16-b1152-fixed.flac", "stereo16.wav")]    // CONSTANT, FIXED, mid/side
    [InlineData("stereo16-b576-lpc32.flac", "stereo16.wav")]     // LPC order up to 32, partition order 8
    [InlineData("stereo16-as-24bit.flac", "stereo16.wav")]       // 24-bit with 8 wasted bits
    [InlineData("stereo24-b4608.flac", "stereo24.wav")]          // 24-bit noise
    [InlineData("mono8.flac", "mono8.wav")]                      // 8-bit
    [InlineData("mono32.flac", "mono32.wav")]                    // 32-bit
    [InlineData("three16.flac", "three16.wav")]                  // three independent channels
    public void FlacDecodesLosslesslyToTheSourceWav(string flac, string wav)
    {
        var expected = LoadNative(Fixture(wav));
        var actual = LoadNative(Fixture(flac));
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-7, $"sample {i}: {actual[i]} vs {expected[i]}");
        }
        var info = AudioFile.Probe(Fixture(flac));
        var source = AudioFile.Probe(Fixture(wav));
        Assert.Equal((source.SampleRate, source.Channels, source.Frames, "flac"), (info.SampleRate, info.Channels, info.Frames, info.Format));
    }

    [Fact]
    public void FlacResampledEqualsTheResampledWav()
    {
        var fromFlac = AudioFile.Load(Fixture("stereo16-b4096.flac"), 48000);
        var fromWav = AudioFile.Load(Fixture("stereo16.wav"), 48000);
        Assert.Equal(28800, fromFlac.Length); // 0.6 s
        Assert.Equal(fromWav, fromFlac);
    }

    [Fact]
    public void Mp3ToneKeepsFrequencyLevelAndDuration()
    {
        // 1 s of a 1 kHz sine, amplitude 0.5, 44.1 kHz mono, 64 kbit/s (lame).
        var path = Fixture("tone1k-44k-mono.mp3");
        var info = AudioFile.Probe(path);
        Assert.Equal((44100, 1, "mp3"), (info.SampleRate, info.Channels, info.Format));
        var samples = AudioFile.Load(path, 48000);
        // The encoder adds up to ~0.06 s of delay and padding.
        Assert.InRange(samples.Length, 48000, 48000 + 4000);
        AssertTone(samples.AsSpan(9600, 19200), 48000, 1000, 0.5);
    }

    [Fact]
    public void OggVorbisToneKeepsFrequencyLevelAndDuration()
    {
        // 1 s of an 880 Hz sine, amplitude 0.5, in both channels of a 48 kHz stereo file (oggenc -q 2).
        var path = Fixture("tone880-48k-stereo.ogg");
        var info = AudioFile.Probe(path);
        Assert.Equal((48000, 2, 48000L, "ogg/vorbis"), (info.SampleRate, info.Channels, info.Frames, info.Format));
        var samples = AudioFile.Load(path, 16000);
        Assert.Equal(16000, samples.Length);
        AssertTone(samples.AsSpan(4000, 8000), 16000, 880, 0.5);
    }

    [Fact]
    public async Task OggVorbisWhoseLastPacketHungTheDecoderEndsAtItsLength()
    {
        // A real file (PROVENANCE.md) on which NVorbis 0.10.5 loops forever when asked past the end (NVorbis issue #40);
        // a hang fails here (TimeoutException) instead of stopping the suite.
        var path = Fixture("vorbis-eos-dead-loop.ogg");
        var samples = await Task.Run(() => AudioFile.Load(path, 44100)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(194548, samples.Length); // its last granule position: 4.41 s at 44.1 kHz
        Assert.Contains(samples, s => Math.Abs(s) > 0.01f);
    }

    /// <summary>The strongest bin is <paramref name="frequency"/> (2 Hz bins) and the RMS matches a sine of <paramref name="amplitude"/> within 5 %.</summary>
    private static void AssertTone(ReadOnlySpan<float> samples, int sampleRate, double frequency, double amplitude)
    {
        var magnitudes = Spectrum.Magnitudes(samples);
        var binHz = (double)sampleRate / samples.Length;
        var peak = Array.IndexOf(magnitudes, magnitudes.Max());
        Assert.InRange(peak * binHz, frequency - binHz, frequency + binHz);
        double sum = 0;
        foreach (var s in samples)
        {
            sum += s * s;
        }
        Assert.InRange(Math.Sqrt(sum / samples.Length), amplitude / Math.Sqrt(2) * 0.95, amplitude / Math.Sqrt(2) * 1.05);
    }
}
