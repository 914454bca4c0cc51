using Flam.Audio;
using Flam.Synthesis;
using static Flam.Tests.Synthesis.SynthesisTestData;

namespace Flam.Tests.Synthesis;

public class SourceIndexTests
{
    [Fact]
    public void IndexIsCachedAndOnlyChangedFilesAreDecodedAgain()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, _) = WriteSourceFolders(root);
        var cache = SourceIndex.CachePath(Path.Combine(root, "cache"), events);
        var decoded = 0;
        float[] Load(string path)
        {
            Interlocked.Increment(ref decoded);
            return AudioFile.Load(path);
        }

        var first = SourceIndex.Build(events, cache, 2, load: Load);
        Assert.Equal(6, decoded);
        Assert.True(File.Exists(cache));
        var beep = first.Single(f => f.RelativePath == "beep_01.wav");
        Assert.Equal(0.6, beep.Duration, 6);
        Assert.Equal(48000, beep.SampleRate);
        // A 1 kHz sine of amplitude 0.3 (2 ms ramps) has an A-weighted RMS of 20·log10(0.3/√2) ≈ −13.47 dBFS.
        Assert.InRange(beep.Loudness, -13.6, -13.3);
        Assert.Equal(["beep_01.wav", "birds/chirp_03.wav", "knock.wav", "low_hum.wav", "noise_burst.wav", "whistle-high.wav"], first.Select(f => f.RelativePath));

        decoded = 0;
        var second = SourceIndex.Build(events, cache, 2, load: Load);
        Assert.Equal(0, decoded);
        Assert.Equal(first, second);

        WriteWavs(events, new Dictionary<string, float[]> { ["beep_01.wav"] = Tone(0.9, 1000) });
        File.SetLastWriteTimeUtc(Path.Combine(events, "beep_01.wav"), DateTime.UtcNow.AddMinutes(1));
        var third = SourceIndex.Build(events, cache, 2, load: Load);
        Assert.Equal(1, decoded);
        Assert.Equal(0.9, third.Single(f => f.RelativePath == "beep_01.wav").Duration, 6);
    }
}
