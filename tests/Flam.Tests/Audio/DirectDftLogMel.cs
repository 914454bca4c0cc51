using Flam.Audio;
using Flam.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Audio;

/// <summary>
/// The slow, obviously-right twin of <see cref="LogMelSpectrogram"/>: the STFT as a direct DFT, i.e. a matrix product of
/// the reflect-padded frames with real and imaginary kernels <c>cos(2πkn/N)·w[n]</c> and <c>−sin(2πkn/N)·w[n]</c>
/// built in float64 and rounded once (what torchlibrosa's Conv1d layers hold). Shared with the benchmark, which
/// compiles this file too. Inputs must have at least <see cref="LogMelOptions.MinimumSamples"/> samples.
/// </summary>
internal sealed class DirectDftLogMel : IDisposable
{
    private readonly LogMelOptions _options;
    private readonly Tensor _realKernel; // [N, F]
    private readonly Tensor _imagKernel; // [N, F]
    private readonly Tensor _melFilters; // [F, M]

    public DirectDftLogMel(LogMelOptions options)
    {
        _options = options;
        int n = options.FftSize, nFreqs = n / 2 + 1, offset = (n - options.WindowLength) / 2;
        var real = new float[n * nFreqs];
        var imag = new float[n * nFreqs];
        for (int t = 0; t < n; t++)
        {
            int w = t - offset;
            // Periodic Hann straight from its definition, zero outside a window shorter than the FFT.
            double window = w >= 0 && w < options.WindowLength ? 0.5 - 0.5 * Math.Cos(2 * Math.PI * w / options.WindowLength) : 0.0;
            for (int k = 0; k < nFreqs; k++)
            {
                // k*t mod N keeps the angle exact in float64.
                double angle = 2 * Math.PI * ((long)k * t % n) / n;
                real[t * nFreqs + k] = (float)(Math.Cos(angle) * window);
                imag[t * nFreqs + k] = (float)(-Math.Sin(angle) * window);
            }
        }
        _realKernel = tensor(real, [n, nFreqs]);
        _imagKernel = tensor(imag, [n, nFreqs]);
        var bank = MelFilterBank.Slaney(options.SampleRate, n, options.MelBins, options.FMin, options.FMax);
        var melT = new float[nFreqs * options.MelBins];
        for (int m = 0; m < options.MelBins; m++)
        {
            for (int k = 0; k < nFreqs; k++) melT[k * options.MelBins + m] = bank[m, k];
        }
        _melFilters = tensor(melT, [nFreqs, options.MelBins]);
    }

    /// <summary>Power spectrogram <c>[B, frames, F]</c>.</summary>
    public Tensor PowerSpectrogram(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        var x = waveform;
        if (_options.Center)
        {
            int half = _options.FftSize / 2;
            x = nn.functional.pad(x.unsqueeze(1), [half, half], PaddingModes.Reflect).squeeze(1);
        }
        var frames = x.unfold(1, _options.FftSize, _options.HopLength); // [B, T, N]
        var re = matmul(frames, _realKernel);
        var im = matmul(frames, _imagKernel);
        return (re * re).add_(im * im, TorchScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>Log-mel <c>[B, frames, M]</c> in dB.</summary>
    public Tensor LogMel(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        var mel = matmul(PowerSpectrogram(waveform), _melFilters);
        using var aMin = _options.AMin.ToScalar();
        using var ten = 10.0.ToScalar();
        using var reference = (10.0 * Math.Log10(Math.Max(_options.AMin, _options.Ref))).ToScalar();
        var db = mel.clamp_min(aMin).log10().mul(ten) - reference;
        return db.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _realKernel.Dispose();
        _imagKernel.Dispose();
        _melFilters.Dispose();
    }
}
