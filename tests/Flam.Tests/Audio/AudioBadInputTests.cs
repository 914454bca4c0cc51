using Flam.Audio;
using static Flam.Tests.Audio.TestWav;

namespace Flam.Tests.Audio;

/// <summary>Each bad input of the audio loader gives a <see cref="FlamException"/> naming the file and the problem.</summary>
public sealed class AudioBadInputTests : IDisposable
{
    private static readonly AudioDecodeOptions NoFfmpeg = new(FfmpegLocator: () => null);
    private readonly TempDirectory _dir = FixturePaths.NewTempDirectory();

    public void Dispose() => _dir.Dispose();

    private static FlamException LoadFails(string path, AudioDecodeOptions? options = null)
    {
        var e = Assert.Throws<FlamException>(() => AudioFile.Load(path, 48000, options ?? NoFfmpeg));
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void MissingFile()
    {
        var e = LoadFails(Path.Combine(_dir, "nope.wav"));
        Assert.Contains("does not exist", e.Message);
        Assert.Throws<FlamException>(() => AudioFile.Probe(Path.Combine(_dir, "nope.wav")));
        Assert.Throws<FlamException>(() => AudioFile.Windows(Path.Combine(_dir, "nope.wav"), 10, 5));
    }

    [Fact]
    public void EmptyFile()
    {
        Assert.Contains("empty", LoadFails(Save(_dir, "empty.wav", [])).Message);
    }

    [Fact]
    public void TextFileNamedWav()
    {
        Assert.Contains("text file, not audio", LoadFails(Save(_dir, "notes.wav", "hello, this is not a recording\n"u8.ToArray())).Message);
    }

    [Fact]
    public void WavTruncatedInsideTheHeader()
    {
        var full = Simple(1, 1, 8000, 16, Int16(1, 2, 3));
        foreach (var cut in new[] { 6, 20, 40 })
        {
            var e = LoadFails(Save(_dir, $"cut{cut}.wav", full[..cut]));
            Assert.Contains("truncated", e.Message);
        }
    }

    [Fact]
    public void DataChunkLongerThanTheFileDecodesWhatIsThereAndWarns()
    {
        var bytes = Riff(new Chunk("fmt ", Fmt(1, 1, 8000, 16)), new Chunk("data", Int16(100, 200, 300), DeclaredSize: 1000));
        var path = Save(_dir, "short.wav", bytes);
        var warnings = new List<string>();
        var samples = AudioFile.Load(path, 8000, new AudioDecodeOptions(Warning: warnings.Add));
        Assert.Equal([100f / 32768, 200f / 32768, 300f / 32768], samples);
        var warning = Assert.Single(warnings);
        Assert.Contains(path, warning);
        Assert.Contains("claims 1000 bytes", warning);
        Assert.Equal(3, AudioFile.Probe(path).Frames);
    }

    [Fact]
    public void ZeroChannelsOrZeroSampleRate()
    {
        var noChannels = Save(_dir, "c0.wav", Riff(new Chunk("fmt ", Fmt(1, 0, 8000, 16, blockAlign: 2)), new Chunk("data", Int16(1))));
        Assert.Contains("0 channels", LoadFails(noChannels).Message);
        var noRate = Save(_dir, "r0.wav", Simple(1, 1, 0, 16, Int16(1)));
        Assert.Contains("sample rate of 0 Hz", LoadFails(noRate).Message);
    }

    [Fact]
    public void UnsupportedWavCodecWithoutFfmpegNamesCodecAndTool()
    {
        // MS ADPCM (format tag 2): Flam leaves it to ffmpeg, which the locator reports missing.
        var path = Save(_dir, "adpcm.wav", Riff(new Chunk("fmt ", Fmt(2, 1, 8000, 4, blockAlign: 256)), new Chunk("data", new byte[256])));
        var e = LoadFails(path);
        Assert.Contains("MS ADPCM", e.Message);
        Assert.Contains("ffmpeg", e.Message);
        Assert.Contains("not found on PATH", e.Message);
        Assert.Throws<FlamException>(() => AudioFile.Probe(path, NoFfmpeg));
    }

    [Fact]
    public void DataChunkBeforeFmtChunk()
    {
        var path = Save(_dir, "order.wav", Riff(new Chunk("data", Int16(1, 2)), new Chunk("fmt ", Fmt(1, 1, 8000, 16))));
        Assert.Contains("data chunk comes before the fmt chunk", LoadFails(path).Message);
    }

    [Fact]
    public void RecordingTooLongToLoadAtOnceSuggestsWindows()
    {
        // A FLAC header announcing 2^34 samples (about 99 hours at 48 kHz) in a tiny file: refused before decoding.
        var builder = new FlacStreamBuilder(48000, 1, 16);
        var bytes = builder.Build();
        bytes[21] |= 0x04; // total samples: the low nibble of this byte holds bits 35..32
        var e = LoadFails(Save(_dir, "huge.flac", bytes));
        Assert.Contains("too long to load at once", e.Message);
        Assert.Contains("AudioFile.Windows", e.Message);
    }

    [Fact]
    public void UnrecognisedBinaryWithoutFfmpeg()
    {
        var e = LoadFails(Save(_dir, "blob.wav", [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]));
        Assert.Contains("unrecognised format", e.Message);
        Assert.Contains("ffmpeg", e.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Inf")]
    [InlineData(float.NegativeInfinity, "-Inf")]
    public void NonFiniteSamplesAreRejectedWithTheirTime(float bad, string kind)
    {
        var samples = new float[40000];
        samples[30000] = bad; // 30000 / 16000 Hz = 1.875 s
        var path = Save(_dir, "bad.wav", Simple(3, 1, 16000, 32, Float32(samples)));
        var e = LoadFails(path);
        Assert.Contains(kind, e.Message);
        Assert.Contains("1.875 s", e.Message);
        Assert.Throws<FlamException>(() => AudioFile.Windows(path, 1000, 1000, 16000).ToList());
    }
}
