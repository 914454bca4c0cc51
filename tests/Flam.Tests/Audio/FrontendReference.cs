using TorchSharp;
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
        using var fullScale = 32768f.ToScalar();
        Waveform = _tensors["waveform_pcm16"].to(float32) / fullScale;
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
}
