using Flam.Audio;
using Xunit.Abstractions;

namespace Flam.Tests.Audio;

public class ResamplerTests(ITestOutputHelper output)
{
    [Fact]
    public void OneKilohertzAt44100To48000KeepsItsFrequencyAndEverythingElseIs80DbDown()
    {
        var input = Spectrum.Sine(1000, 44100, 44100 * 2, amplitude: 0.5);
        var resampled = Resampler.Resample(input, 44100, 48000);
        Assert.Equal(96000, resampled.Length);
        // 0.8 s from the middle: 1.25 Hz bins, so 1 kHz sits exactly on bin 800 and the Blackman–Harris main lobe
        // (±4 bins) spans exactly ±5 Hz.
        var magnitudes = Spectrum.Magnitudes(resampled.AsSpan(24000, 38400));
        var peak = Array.IndexOf(magnitudes, magnitudes.Max());
        Assert.Equal(800, peak);
        Assert.InRange(magnitudes[peak], 0.5 * 0.999, 0.5 * 1.001);
        var worst = double.NegativeInfinity;
        for (var k = 0; k < magnitudes.Length; k++)
        {
            if (Math.Abs(k - 800) > 4)
            {
                worst = Math.Max(worst, Spectrum.Db(magnitudes[k] / magnitudes[peak]));
            }
        }
        output.WriteLine($"strongest component outside 1000 ± 5 Hz: {worst:F1} dB");
        Assert.True(worst <= -80, $"strongest component outside 1000 ± 5 Hz is {worst:F1} dB");
    }

    [Fact]
    public void TwentyKilohertzAt48000To16000DoesNotAliasIntoThePassBand()
    {
        var input = Spectrum.Sine(20000, 48000, 48000 * 2);
        var resampled = Resampler.Resample(input, 48000, 16000);
        Assert.Equal(32000, resampled.Length);
        var magnitudes = Spectrum.Magnitudes(resampled.AsSpan(8000, 16000));
        var worst = magnitudes.Max();
        output.WriteLine($"strongest output component: {Spectrum.Db(worst):F1} dB");
        // The alias would sit at 4 kHz; nothing may come within 60 dB of the unit input tone.
        Assert.True(Spectrum.Db(worst) <= -60, $"strongest output component is {Spectrum.Db(worst):F1} dB re the input tone");
    }

    [Fact]
    public void PassBandToneSurvivesDecimationWithItsLevel()
    {
        var resampled = Resampler.Resample(Spectrum.Sine(6000, 48000, 96000, 0.25), 48000, 16000);
        var magnitudes = Spectrum.Magnitudes(resampled.AsSpan(8000, 16000));
        Assert.Equal(6000, Array.IndexOf(magnitudes, magnitudes.Max()));
        Assert.InRange(magnitudes[6000], 0.25 * 0.999, 0.25 * 1.001);
    }

    [Fact]
    public void OutputSampleNIsAtTimeNOverTargetRate()
    {
        // A 440 Hz sine at 16 kHz upsampled 3× equals the same sine sampled at 48 kHz (no delay, no drift).
        var resampled = Resampler.Resample(Spectrum.Sine(440, 16000, 16000, phase: 0.3), 16000, 48000);
        var expected = Spectrum.Sine(440, 48000, 48000, phase: 0.3);
        for (var i = 1000; i < 47000; i++)
        {
            Assert.True(Math.Abs(resampled[i] - expected[i]) < 1e-4, $"sample {i}: {resampled[i]} vs {expected[i]}");
        }
    }

    [Fact]
    public void EqualRatesAreTheIdentity()
    {
        var input = Spectrum.Sine(12345, 48000, 1000);
        Assert.Equal(input, Resampler.Resample(input, 48000, 48000));
    }

    [Theory]
    [InlineData(44100, 48000)]
    [InlineData(48000, 16000)]
    [InlineData(16000, 48000)]
    [InlineData(48000, 44100)]
    [InlineData(11025, 8000)]
    public void PolyphaseTableEqualsTheDirectSincSum(int from, int to)
    {
        var random = new Random(from + to);
        var input = new float[3000];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)(random.NextDouble() * 2 - 1);
        }
        var fast = Resampler.Resample(input, from, to);
        var slow = NaiveResample(input, from, to);
        Assert.Equal(slow.Length, fast.Length);
        for (var i = 0; i < slow.Length; i++)
        {
            Assert.True(Math.Abs(fast[i] - slow[i]) < 2e-5, $"sample {i}: {fast[i]} vs {slow[i]}");
        }
    }

    [Theory]
    [InlineData(44100, 48000)]
    [InlineData(48000, 16000)]
    [InlineData(32000, 48000)]
    public void StreamingInRandomChunksEqualsOffline(int from, int to)
    {
        var random = new Random(7);
        var input = new float[50000];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)Math.Sin(i * 0.01) * (float)random.NextDouble();
        }
        var offline = Resampler.Resample(input, from, to);
        var streaming = new StreamingResampler(from, to);
        var chunks = new List<float>();
        for (var position = 0; position < input.Length;)
        {
            var take = Math.Min(random.Next(1, 5000), input.Length - position);
            var buffer = new float[streaming.MaxOutput(take)];
            var n = streaming.Process(input.AsSpan(position, take), buffer);
            chunks.AddRange(buffer.AsSpan(0, n));
            position += take;
        }
        var tail = new float[streaming.MaxOutput(0)];
        chunks.AddRange(tail.AsSpan(0, streaming.Flush(tail)));
        Assert.Equal(offline.Length, chunks.Count);
        for (var i = 0; i < offline.Length; i++)
        {
            Assert.True(Math.Abs(offline[i] - chunks[i]) <= 1e-6, $"sample {i}");
        }
    }

    /// <summary>
    /// The slow twin: y[n] = Σ_j x[j]·h(n·from/to − j) with the Kaiser-windowed sinc evaluated directly in double.
    /// </summary>
    private static float[] NaiveResample(float[] x, int from, int to)
    {
        var design = PolyphaseFilter.For(from, to);
        var scale = Math.Min(1.0, (double)to / from);
        var cutoff = 0.95 * scale;
        var half = design.HalfTaps;
        var beta = 0.1102 * (100 - 8.7);
        var length = (int)Math.Ceiling((double)x.Length * to / from);
        var y = new float[length];
        for (var n = 0; n < length; n++)
        {
            var t = (double)n * from / to;
            double sum = 0;
            for (var j = (int)Math.Floor(t) - half; j <= (int)Math.Floor(t) + half + 1; j++)
            {
                var d = t - j;
                if (j < 0 || j >= x.Length || Math.Abs(d) >= half)
                {
                    continue;
                }
                var sinc = d == 0 ? 1 : Math.Sin(Math.PI * cutoff * d) / (Math.PI * cutoff * d);
                var r = d / half;
                sum += x[j] * cutoff * sinc * I0(beta * Math.Sqrt(1 - r * r)) / I0(beta);
            }
            y[n] = (float)sum;
        }
        return y;
    }

    private static double I0(double x)
    {
        // Σ ((x/2)^k / k!)², summed until the terms vanish.
        double sum = 0, term = 1;
        for (var k = 1; term > 1e-18; k++)
        {
            sum += term;
            term *= x / 2 / k * (x / 2 / k);
        }
        return sum;
    }
}
