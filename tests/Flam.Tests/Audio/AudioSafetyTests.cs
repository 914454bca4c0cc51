using System.Diagnostics;
using Flam.Audio;

namespace Flam.Tests.Audio;

public class AudioSafetyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(2_000_000)]
    public void AHeaderWithAnImplausibleSampleRateIsRefusedAtOnce(int rate)
    {
        // 480 KB of silence whose header claims `rate` Hz: at 1 Hz, resampling to 48 kHz would ask for 11.5 billion samples.
        using var temp = FixturePaths.NewTempDirectory();
        var path = TestWav.Save(temp, "odd-rate.wav", TestWav.Simple(1, 1, rate, 16, new byte[480_000]));
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<FlamException>(() => AudioFile.Load(path));
        Assert.Contains($"'{path}': its header declares a sample rate of {rate} Hz", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }
}
