using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Audio;

/// <summary>
/// The FLAM log-mel front end: waveform <c>[B, N]</c> (float32, <see cref="LogMelOptions.SampleRate"/>) to log-mel
/// <c>[B, frames, MelBins]</c> in dB. Numerically the torchlibrosa <c>Spectrogram</c> + <c>LogmelFilterBank</c> of
/// HTSAT (power STFT with a periodic Hann window, reflect padding, Slaney mel bank, <c>10 log10(max(AMin, ·))</c>),
/// computed with an FFT instead of torchlibrosa's DFT convolution.
/// </summary>
/// <remarks>
/// Waveforms shorter than <see cref="LogMelOptions.MinimumSamples"/> (513 for FLAM: reflect padding of 512 samples
/// needs at least 513) are zero-padded at the end to that length, so any non-empty clip yields at least
/// <c>1 + 513 / 480 = 2</c> frames. The window and the mel matrix are non-persistent buffers: they follow
/// <c>.to(device)</c> but never appear in a state dict (checkpoints carry their own, which loaders ignore).
/// </remarks>
public sealed class LogMelSpectrogram : nn.Module<Tensor, Tensor>
{
    private const string WindowName = "window";
    private const string MelName = "mel_filters";
    private static readonly string[] BufferNames = [WindowName, MelName];

    /// <summary>The settings this module was built with.</summary>
    public LogMelOptions Options { get; }

    /// <summary>Creates the front end; the options are validated.</summary>
    public LogMelSpectrogram(LogMelOptions options) : base(nameof(LogMelSpectrogram))
    {
        Options = options.Validate();
        var hann = MelFilterBank.PeriodicHann(options.WindowLength);
        var bank = MelFilterBank.Slaney(options.SampleRate, options.FftSize, options.MelBins, options.FMin, options.FMax);
        int nFreqs = bank.GetLength(1);
        // Stored [frequency bins, mel bins] so that power [.., T, F] @ filters gives [.., T, mels] (torchlibrosa's melW).
        var transposed = new float[nFreqs * options.MelBins];
        for (int m = 0; m < options.MelBins; m++)
        {
            for (int k = 0; k < nFreqs; k++) transposed[k * options.MelBins + m] = bank[m, k];
        }
        register_buffer(WindowName, tensor(hann), persistent: false);
        register_buffer(MelName, tensor(transposed, [nFreqs, options.MelBins]), persistent: false);
    }

    /// <summary>The periodic Hann analysis window <c>[WindowLength]</c>.</summary>
    public Tensor Window => get_buffer(WindowName)!;

    /// <summary>The mel filter matrix <c>[FftSize / 2 + 1, MelBins]</c> (librosa's filter bank, transposed).</summary>
    public Tensor MelFilters => get_buffer(MelName)!;

    /// <summary>Log-mel of a batch of waveforms: <c>[B, N]</c> → <c>[B, frames, MelBins]</c>, frames = <see cref="LogMelOptions.FrameCount"/>.</summary>
    public override Tensor forward(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        return PowerToDecibels(PowerSpectrogram(waveform)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The power spectrogram <c>[B, frames, FftSize / 2 + 1]</c> (torchlibrosa's <c>Spectrogram</c>, transposed to
    /// time-major), after the same short-input padding as <see cref="forward"/>.
    /// </summary>
    public Tensor PowerSpectrogram(Tensor waveform)
    {
        if (waveform.dim() != 2)
        {
            throw new ArgumentException($"Expected a waveform batch [B, N], got shape [{string.Join(", ", waveform.shape)}].", nameof(waveform));
        }
        if (waveform.shape[1] == 0)
        {
            throw new ArgumentException("The waveform has no samples.", nameof(waveform));
        }
        using var scope = NewDisposeScope();
        var window = Window;
        var x = waveform.to(window.dtype, window.device);
        long shortBy = Options.MinimumSamples - x.shape[1];
        if (shortBy > 0)
        {
            x = nn.functional.pad(x, [0, shortBy]);
        }
        return FramePower(x, Options.Center).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-mel <c>[frames, MelBins]</c> (on the CPU) of one waveform of any length, computed <paramref name="framesPerChunk"/>
    /// frames at a time so that memory stays bounded for long recordings. Equals <c>forward(waveform[None])[0]</c>:
    /// every chunk is cut from the (reflect-padded) signal with the frames' full support.
    /// </summary>
    public Tensor Transform(ReadOnlySpan<float> waveform, int framesPerChunk = 4096)
    {
        if (waveform.IsEmpty)
        {
            throw new ArgumentException("The waveform has no samples.", nameof(waveform));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(framesPerChunk);
        if (waveform.Length < Options.MinimumSamples)
        {
            var padded = new float[Options.MinimumSamples];
            waveform.CopyTo(padded);
            waveform = padded;
        }
        int n = waveform.Length, hop = Options.HopLength, nFft = Options.FftSize;
        int half = Options.Center ? nFft / 2 : 0;
        long frames = Options.FrameCount(n);
        var window = Window;
        var chunks = new List<Tensor>();
        using var scope = NewDisposeScope();
        for (long first = 0; first < frames; first += framesPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            long count = Math.Min(framesPerChunk, frames - first);
            long start = first * hop - half;
            var samples = new float[(count - 1) * hop + nFft];
            for (int i = 0; i < samples.Length; i++)
            {
                // Reflect padding (numpy/torch 'reflect': the edge sample is not repeated).
                long j = start + i;
                samples[i] = waveform[(int)(j < 0 ? -j : j >= n ? 2L * (n - 1) - j : j)];
            }
            var x = tensor(samples).unsqueeze(0).to(window.dtype, window.device);
            chunks.Add(PowerToDecibels(FramePower(x, center: false))[0].cpu().MoveToOuterDisposeScope());
        }
        return cat(chunks, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Power STFT <c>[B, frames, F]</c> of <paramref name="x"/> (already on the buffers' device and dtype).</summary>
    private Tensor FramePower(Tensor x, bool center)
    {
        using var scope = NewDisposeScope();
        var spectrum = stft(x, Options.FftSize, Options.HopLength, Options.WindowLength, Window, center,
            PaddingModes.Reflect, normalized: false, onesided: true, return_complex: true);
        // |X|^2 as re^2 + im^2 (not abs().pow(2), which goes through hypot): the same arithmetic as torchlibrosa.
        return view_as_real(spectrum).square().sum(-1).transpose(1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>Mel projection and decibels: <c>10 log10(max(AMin, power @ mel)) − 10 log10(max(AMin, Ref))</c>.</summary>
    private Tensor PowerToDecibels(Tensor power)
    {
        using var scope = NewDisposeScope();
        var logMel = matmul(power, MelFilters).clamp_min_(Options.AMin).log10_().mul_(10.0);
        double refDb = 10.0 * Math.Log10(Math.Max(Options.AMin, Options.Ref));
        if (refDb != 0.0)
        {
            logMel.sub_(refDb);
        }
        return logMel.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        base._toEpilog(dtype, device, non_blocking);
        // TorchSharp 0.107 enumerates only persistent buffers when moving a module, so the non-persistent ones
        // are moved here (and kept non-persistent).
        foreach (var name in BufferNames)
        {
            if (ReplaceBuffer(dtype, device, get_buffer(name)!, out var moved))
            {
                ConditionallyRegisterBuffer(name, moved, persistent: false);
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Module.Dispose releases only persistent buffers (see _toEpilog).
            foreach (var name in BufferNames)
            {
                get_buffer(name)?.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
