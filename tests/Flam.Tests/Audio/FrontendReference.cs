using Flam.Model.Checkpoints;
using static TorchSharp.torch;

namespace Flam.Tests.Audio;

/// <summary>
/// The torchlibrosa reference data of Fixtures/model/frontend (see its README): four 10 s clips at 48 kHz and what the
/// official front end made of them. Loaded once per test class.
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
        Waveform = _tensors["waveform_pcm16"].to(float32) / 32768f;
    }

    /// <summary>Reference log-mel <c>[4, 1001, 64]</c>.</summary>
    public Tensor LogMel => _tensors["logmel"].squeeze(1);

    /// <summary>Reference mel matrix <c>[513, 64]</c>.</summary>
    public Tensor MelW => _tensors["melW"];

    /// <summary>Reference periodic Hann window <c>[1024]</c>.</summary>
    public Tensor HannWindow => _tensors["hann_window"];

    /// <summary>Reference power spectrogram of the first 16 frames <c>[4, 16, 513]</c>.</summary>
    public Tensor PowerFirst16 => _tensors["power_spectrogram.first16"].squeeze(1);

    public void Dispose()
    {
        Waveform.Dispose();
        foreach (var t in _tensors.Values) t.Dispose();
    }

    /// <summary>Acceptance tolerances of the issue, in dB.</summary>
    internal const double LoudToleranceDb = 0.01, QuietToleranceDb = 0.1, QuietBelowDb = -60;

    /// <summary>Asserts the log-mel tolerances and returns the max deviations (loud, quiet).</summary>
    internal static (double Loud, double Quiet) AssertLogMelClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var diff = (actual.to(float64) - expected.to(float64)).abs();
        var loudMask = expected > QuietBelowDb;
        double loud = diff.masked_select(loudMask).max().item<double>();
        var quietValues = diff.masked_select(loudMask.logical_not());
        double quiet = quietValues.numel() == 0 ? 0 : quietValues.max().item<double>();
        Assert.True(loud <= LoudToleranceDb, $"{what}: max deviation {loud:G4} dB where the reference is above {QuietBelowDb} dB (allowed {LoudToleranceDb}).");
        Assert.True(quiet <= QuietToleranceDb, $"{what}: max deviation {quiet:G4} dB where the reference is at most {QuietBelowDb} dB (allowed {QuietToleranceDb}).");
        return (loud, quiet);
    }
}
