using Flam.Runtime;
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
    private const string PairedMelName = "mel_filters_paired";
    private static readonly string[] BufferNames = [WindowName, MelName, PairedMelName];

    /// <summary>Frequency bins (from 0) that some mel filter weights: 299 of 513 for FLAM (14 kHz top edge).</summary>
    private readonly int _melSupport;

    /// <summary>The settings this module was built with.</summary>
    public LogMelOptions Options { get; }

    /// <summary>Creates the front end; the options are validated.</summary>
    public LogMelSpectrogram(LogMelOptions options) : base(nameof(LogMelSpectrogram))
    {
        Options = options.Validate();
        // A window shorter than the FFT is zero-padded on both sides (librosa's pad_center), as torch.stft does.
        var hann = new float[options.FftSize];
        MelFilterBank.PeriodicHann(options.WindowLength).CopyTo(hann, (options.FftSize - options.WindowLength) / 2);
        var bank = MelFilterBank.Slaney(options.SampleRate, options.FftSize, options.MelBins, options.FMin, options.FMax);
        int nFreqs = bank.GetLength(1);
        // Stored [frequency bins, mel bins] so that power [.., T, F] @ filters gives [.., T, mels] (torchlibrosa's melW).
        var transposed = new float[nFreqs * options.MelBins];
        for (int m = 0; m < options.MelBins; m++)
        {
            for (int k = 0; k < nFreqs; k++) transposed[k * options.MelBins + m] = bank[m, k];
        }
        // Bins above the last filter's upper edge carry zero weight; the mel projection skips them (the same sums minus zero terms).
        _melSupport = nFreqs;
        while (_melSupport > 1 && Enumerable.Range(0, options.MelBins).All(m => bank[m, _melSupport - 1] == 0))
        {
            _melSupport--;
        }
        register_buffer(WindowName, tensor(hann), persistent: false);
        var melFilters = tensor(transposed, [nFreqs, options.MelBins]);
        register_buffer(MelName, melFilters, persistent: false);
        // Rows 2k and 2k+1 are filter row k, for the interleaved (re, im) squares of the weighted bins (see MelPower).
        using var weighted = melFilters[.._melSupport];
        register_buffer(PairedMelName, weighted.repeat_interleave(2, 0), persistent: false);
    }

    /// <summary>The periodic Hann analysis window of <see cref="LogMelOptions.WindowLength"/>, centred in <c>[FftSize]</c> zeros.</summary>
    public Tensor Window => get_buffer(WindowName)!;

    /// <summary>The mel filter matrix <c>[FftSize / 2 + 1, MelBins]</c> (librosa's filter bank, transposed).</summary>
    public Tensor MelFilters => get_buffer(MelName)!;

    /// <summary>Log-mel of a batch of waveforms: <c>[B, N]</c> → <c>[B, frames, MelBins]</c>, frames = <see cref="LogMelOptions.FrameCount"/>.</summary>
    public override Tensor forward(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        return Decibels(MelPower(Prepare(waveform), Options.Center)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The power spectrogram <c>[B, frames, FftSize / 2 + 1]</c> (torchlibrosa's <c>Spectrogram</c>, transposed to
    /// time-major), after the same short-input padding as <see cref="forward"/>.
    /// </summary>
    public Tensor PowerSpectrogram(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        return FramePower(Prepare(waveform), Options.Center, Options.FftSize / 2 + 1).MoveToOuterDisposeScope();
    }

    /// <summary>Checks the shape, moves to the buffers' device and dtype, and zero-pads clips shorter than the minimum.</summary>
    private Tensor Prepare(Tensor waveform)
    {
        if (waveform.dim() != 2)
        {
            throw new ArgumentException($"Expected a waveform batch [B, N], got shape [{string.Join(", ", waveform.shape)}].", nameof(waveform));
        }
        if (waveform.shape[1] == 0)
        {
            throw new ArgumentException("The waveform has no samples.", nameof(waveform));
        }
        var window = Window;
        var x = waveform.to(window.dtype, window.device);
        long shortBy = Options.MinimumSamples - x.shape[1];
        return shortBy > 0 ? nn.functional.pad(x, [0, shortBy]) : x;
    }

    /// <summary>
    /// Log-mel <c>[frames, MelBins]</c> (on the CPU) of one waveform of any length, computed <paramref name="framesPerChunk"/>
    /// frames at a time so that memory stays bounded for long recordings. Equals <c>forward(waveform[None])[0]</c>:
    /// every chunk is cut from the (reflect-padded) signal with the frames' full support.
    /// </summary>
    public Tensor Transform(ReadOnlySpan<float> waveform, int framesPerChunk = 4096)
    {
        var frames = new FrameStream(this, framesPerChunk);
        frames.Append(waveform);
        return frames.Finish();
    }

    /// <summary>
    /// Log-mel <c>[frames, MelBins]</c> (on the CPU) of one recording delivered as consecutive blocks of samples (e.g. the
    /// windows of <see cref="AudioFile.Windows(string, int, int, int)"/>), holding only about one chunk of audio at a time.
    /// Equals <see cref="Transform(ReadOnlySpan{float}, int)"/> on the concatenated blocks.
    /// </summary>
    public Tensor Transform(IEnumerable<ReadOnlyMemory<float>> blocks, int framesPerChunk = 4096)
    {
        var frames = new FrameStream(this, framesPerChunk);
        foreach (var block in blocks)
        {
            frames.Append(block.Span);
        }
        return frames.Finish();
    }

    /// <summary>
    /// Turns a stream of samples into log-mel chunks: a chunk is computed as soon as all samples under its frames have
    /// arrived; the frames that touch the end wait for <see cref="Finish"/>, which knows where to reflect.
    /// </summary>
    private sealed class FrameStream
    {
        private readonly LogMelSpectrogram _owner;
        private readonly int _chunk, _hop, _fft, _half;
        private readonly List<Tensor> _chunks = [];
        private float[] _buffer;
        private long _bufferStart; // index (in the signal) of _buffer[0]
        private int _bufferLength;
        private long _nextFrame;

        public FrameStream(LogMelSpectrogram owner, int framesPerChunk)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(framesPerChunk);
            var o = owner.Options;
            (_owner, _chunk, _hop, _fft, _half) = (owner, framesPerChunk, o.HopLength, o.FftSize, o.Center ? o.FftSize / 2 : 0);
            // Room for one chunk's support plus one hop, so that every Append makes progress.
            _buffer = new float[Math.Max(o.MinimumSamples, (framesPerChunk + 1) * _hop + _fft)];
        }

        private long Received => _bufferStart + _bufferLength;

        public void Append(ReadOnlySpan<float> samples)
        {
            while (!samples.IsEmpty)
            {
                int take = Math.Min(samples.Length, _buffer.Length - _bufferLength);
                samples[..take].CopyTo(_buffer.AsSpan(_bufferLength));
                _bufferLength += take;
                samples = samples[take..];
                // A chunk is ready when its last sample has arrived (and the start's reflection, for the first one).
                while (Received >= _owner.Options.MinimumSamples && (_nextFrame + _chunk - 1) * _hop - _half + _fft - 1 < Received)
                {
                    Emit(_chunk, signalLength: long.MaxValue);
                }
            }
        }

        public Tensor Finish()
        {
            if (Received == 0)
            {
                throw new ArgumentException("The waveform has no samples.");
            }
            int minimum = _owner.Options.MinimumSamples;
            if (Received < minimum)
            {
                // Nothing was emitted yet (see Append), so the buffer still starts at sample 0: pad it with zeros.
                _buffer.AsSpan(_bufferLength, minimum - _bufferLength).Clear();
                _bufferLength = minimum;
            }
            long frames = _owner.Options.FrameCount(Received);
            while (_nextFrame < frames)
            {
                Emit((int)Math.Min(_chunk, frames - _nextFrame), Received);
            }
            using var scope = NewDisposeScope();
            var result = cat(_chunks, 0).MoveToOuterDisposeScope();
            foreach (var chunk in _chunks) chunk.Dispose();
            return result;
        }

        /// <summary>Computes the next <paramref name="count"/> frames; <paramref name="signalLength"/> is where the signal ends (reflection point).</summary>
        private void Emit(int count, long signalLength)
        {
            long start = _nextFrame * _hop - _half;
            var samples = new float[(count - 1) * _hop + _fft];
            for (int i = 0; i < samples.Length; i++)
            {
                // Reflect padding (numpy/torch 'reflect': the edge sample is not repeated).
                long j = start + i;
                j = j < 0 ? -j : j >= signalLength ? 2 * (signalLength - 1) - j : j;
                samples[i] = _buffer[j - _bufferStart];
            }
            using (var scope = NewDisposeScope())
            {
                var window = _owner.Window;
                var x = tensor(samples).unsqueeze(0).to(window.dtype, window.device);
                _chunks.Add(_owner.Decibels(_owner.MelPower(x, center: false))[0].cpu().DetachFromDisposeScope());
            }
            _nextFrame += count;
            // Keep what later frames need, and always the last half + 1 samples: the end's reflection needs them.
            long keepFrom = Math.Max(_bufferStart, Math.Min(_nextFrame * _hop - _half, Received - (_half + 1)));
            int drop = (int)(keepFrom - _bufferStart);
            if (drop > 0)
            {
                _buffer.AsSpan(drop, _bufferLength - drop).CopyTo(_buffer);
                _bufferLength -= drop;
                _bufferStart = keepFrom;
            }
        }
    }

    /// <summary>
    /// One-sided spectrum of <paramref name="x"/> (already on the buffers' device and dtype) as real/imaginary pairs
    /// <c>[B, frames, bins, 2]</c>, keeping the lowest <paramref name="bins"/> frequency bins.
    /// </summary>
    private Tensor Spectrum(Tensor x, bool center, int bins)
    {
        using var scope = NewDisposeScope();
        if (center)
        {
            int half = Options.FftSize / 2;
            x = nn.functional.pad(x.unsqueeze(1), [half, half], PaddingModes.Reflect).squeeze(1);
        }
        // Frames as a strided view, windowed, then one batched real FFT: the same transform as torch.stft but
        // time-major from the start and without stft's extra copies (about 3x faster on CPU).
        var frames = x.unfold(1, Options.FftSize, Options.HopLength).mul(Window);
        return view_as_real(fft.rfft(frames)[.., .., ..bins]).MoveToOuterDisposeScope();
    }

    /// <summary>Power <c>re² + im²</c> <c>[B, frames, bins]</c> (like torchlibrosa; abs() would go through hypot).</summary>
    private Tensor FramePower(Tensor x, bool center, int bins)
    {
        using var scope = NewDisposeScope();
        var parts = Spectrum(x, center, bins);
        var re = parts[.., .., .., 0];
        var im = parts[.., .., .., 1];
        // addcmul avoids a slow reduction over the size-2 axis.
        return (re * re).addcmul_(im, im, TorchScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mel power <c>[B, frames, MelBins]</c>: the squared real and imaginary parts go through one matrix product with
    /// every filter row doubled, i.e. Σ_k w_k·re_k² + w_k·im_k² = Σ_k w_k·(re_k² + im_k²) without a separate power pass.
    /// </summary>
    private Tensor MelPower(Tensor x, bool center)
    {
        using var scope = NewDisposeScope();
        var spectrum = Spectrum(x, center, _melSupport);
        var squares = spectrum.mul(spectrum).flatten(2);
        return matmul(squares, get_buffer(PairedMelName)!).MoveToOuterDisposeScope();
    }

    /// <summary>Decibels: <c>10 log10(max(AMin, mel)) − 10 log10(max(AMin, Ref))</c>, in place.</summary>
    private Tensor Decibels(Tensor mel)
    {
        using var aMin = Options.AMin.ToScalar();
        using var ten = 10.0.ToScalar();
        var logMel = mel.clamp_min_(aMin).log10_().mul_(ten);
        double refDb = 10.0 * Math.Log10(Math.Max(Options.AMin, Options.Ref));
        if (refDb == 0.0) return logMel;
        using var reference = refDb.ToScalar();
        return logMel.sub_(reference);
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
