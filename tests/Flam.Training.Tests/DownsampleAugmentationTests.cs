using Flam.Audio;
using Flam.IO;
using Flam.Training;

namespace Flam.Tests.Training;

/// <summary>The down-and-up augmentation picks its rate from <see cref="TrainingOptions.DownsampleRates"/>.</summary>
public sealed class DownsampleAugmentationTests
{
    private const int Rate = AudioFile.FlamSampleRate;

    // One clip of a 6 kHz tone: above the 4 kHz band an 8 kHz rate keeps, inside the band 16 and 32 kHz keep.
    private static TrainingOptions ToneSet(string dir)
    {
        var samples = new float[Rate];
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)(0.5 * Math.Sin(2 * Math.PI * 6000 * i / Rate));
        WavWriter.Write(Path.Combine(dir, "tone.wav"), samples, Rate);
        var manifest = Path.Combine(dir, "manifest.jsonl");
        Manifest.Write(manifest, [new ManifestEntry("tone.wav", 1.0, ["a high tone"], ["tone"], null, "tones")]);
        return TrainerTests.Options(manifest, Path.Combine(dir, "out"), 1) with { DownsampleProbability = 1, Workers = 1 };
    }

    private static double MeanSquare(float[] x) => x.Average(v => (double)v * v);

    [Theory]
    [InlineData(8000, true)]
    [InlineData(16000, false)]
    [InlineData(32000, false)]
    public void TheChosenRateSetsWhichBandSurvives(int rate, bool toneRemoved)
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = ToneSet(temp) with { DownsampleRates = [rate] };
        var clip = new TrainingData(options, Rate).Prepare(step: 0, micro: 0)[0];

        // The tone alone has mean square 0.125; the telephone band removes it, the wider bands keep it.
        var power = MeanSquare(clip.Waveform);
        if (toneRemoved)
        {
            Assert.True(power < 0.125 * 0.01, $"power {power} after {rate} Hz");
        }
        else
        {
            Assert.True(power > 0.125 * 0.8, $"power {power} after {rate} Hz");
        }
    }

    [Fact]
    public void RatesOutsideTheAudibleResamplingRangeAreRefusedByName()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var e = Assert.Throws<FlamException>(() => (ToneSet(temp) with { DownsampleRates = [48000] }).Validate());
        Assert.Contains("Down-sample rates", e.Message);
        Assert.Throws<FlamException>(() => (ToneSet(temp) with { DownsampleRates = [] }).Validate());
    }
}
