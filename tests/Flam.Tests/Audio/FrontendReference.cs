using Flam.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Audio;

/// <summary>
/// The torchlibrosa reference data of Fixtures/model/frontend (see its README): four 10 s clips at 48 kHz and what the
/// official front end made of them. Loaded once per test class; the derived tensors are made once here and disposed with
/// the fixture, so that a test's read of a property creates no native temporary nobody disposes.
/// </summary>
public sealed class FrontendReference : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors = SafeTensors.Load(FixturePaths.Get("model", "frontend", "frontend.safetensors"));

    /// <summary>Clip names in row order.</summary>
    public static readonly string[] ClipNames = ["white_noise_-20dBFS", "sine_1kHz_plus_chirp", "silence_with_clicks", "random_clicks_and_tones"];

    /// <summary>The float32 waveforms <c>[4, 480000]</c> = pcm16 / 32768 (exact).</summary>
    public Tensor Waveform { get; }

    public FrontendReference()
    {
        // Built here, outside any test's dispose scope, so it lives as long as the fixture.
        using var fullScale = 32768f.ToScalar();
        using var pcm = _tensors["waveform_pcm16"].to(float32);
        Waveform = pcm / fullScale;
        LogMel = _tensors["logmel"].squeeze(1);
        PowerFirst16 = _tensors["power_spectrogram.first16"].squeeze(1);
    }

    /// <summary>Reference log-mel <c>[4, 1001, 64]</c>.</summary>
    public Tensor LogMel { get; }

    /// <summary>Reference mel matrix <c>[513, 64]</c>.</summary>
    public Tensor MelW => _tensors["melW"];

    /// <summary>Reference periodic Hann window <c>[1024]</c>.</summary>
    public Tensor HannWindow => _tensors["hann_window"];

    /// <summary>Reference power spectrogram of the first 16 frames <c>[4, 16, 513]</c>.</summary>
    public Tensor PowerFirst16 { get; }

    public void Dispose()
    {
        Waveform.Dispose();
        LogMel.Dispose();
        PowerFirst16.Dispose();
        foreach (var t in _tensors.Values) t.Dispose();
    }

    /// <summary>Acceptance tolerances of the issue, in dB.</summary>
    internal const double LoudToleranceDb = 0.01, QuietToleranceDb = 0.1, QuietBelowDb = -60;

    /// <summary>
    /// A quiet bin also passes when its mel power is within this fraction of its frame's peak mel power: float32
    /// sums round in absolute terms, so a bin 70 dB under its frame's peak carries errors of several percent on any
    /// CPU, and which way they fall depends on the kernels (AVX2 vs AVX-512) libtorch picks on the machine.
    /// </summary>
    internal const double QuietRelativeToFramePeak = 1e-6;

    /// <summary>Asserts the log-mel tolerances and returns the max deviations (loud, quiet) in dB.</summary>
    internal static (double Loud, double Quiet) AssertLogMelClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        using var decibelsToNaturalLog = (Math.Log(10) / 10).ToScalar();
        var e = expected.to(float64);
        var a = actual.to(float64);
        var diff = (a - e).abs();
        using var quietBelow = QuietBelowDb.ToScalar();
        var loudMask = e > quietBelow;
        double loud = diff.masked_select(loudMask).max().item<double>();
        var quietMask = loudMask.logical_not();
        double quiet = quietMask.any().item<bool>() ? diff.masked_select(quietMask).max().item<double>() : 0;
        Assert.True(loud <= LoudToleranceDb, $"{what}: max deviation {loud:G4} dB where the reference is above {QuietBelowDb} dB (allowed {LoudToleranceDb}).");

        var powerExpected = (e * decibelsToNaturalLog).exp();
        var powerActual = (a * decibelsToNaturalLog).exp();
        var framePeak = powerExpected.amax([-1], keepdim: true);
        var relative = (powerActual - powerExpected).abs() / framePeak;
        using var quietTolerance = QuietToleranceDb.ToScalar();
        using var relativeTolerance = QuietRelativeToFramePeak.ToScalar();
        var bad = quietMask.logical_and(diff > quietTolerance).logical_and(relative > relativeTolerance);
        Assert.False(bad.any().item<bool>(),
            $"{what}: {bad.sum().item<long>()} bins where the reference is at most {QuietBelowDb} dB deviate by more than {QuietToleranceDb} dB " +
            $"and by more than {QuietRelativeToFramePeak:G2} of their frame's peak mel power (max deviation {quiet:G4} dB).");
        return (loud, quiet);
    }
}
