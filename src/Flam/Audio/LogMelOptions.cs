namespace Flam.Audio;

/// <summary>
/// Settings of the log-mel front end. The window is always the periodic Hann window and the spectrogram is always
/// the power (squared magnitude) spectrogram, as in torchlibrosa's <c>Spectrogram</c> + <c>LogmelFilterBank</c>.
/// </summary>
public sealed record LogMelOptions
{
    /// <summary>Sample rate of the input waveform in Hz.</summary>
    public int SampleRate { get; init; } = 48000;

    /// <summary>FFT size (frame length) in samples.</summary>
    public int FftSize { get; init; } = 1024;

    /// <summary>Hop between frames in samples.</summary>
    public int HopLength { get; init; } = 480;

    /// <summary>Window length in samples (at most <see cref="FftSize"/>; a shorter window is zero-padded on both sides).</summary>
    public int WindowLength { get; init; } = 1024;

    /// <summary>
    /// When true, frame t is centred on sample <c>t * HopLength</c>: the waveform is reflect-padded by
    /// <c>FftSize / 2</c> on both sides, giving <c>1 + N / HopLength</c> frames.
    /// </summary>
    public bool Center { get; init; } = true;

    /// <summary>Number of mel bins.</summary>
    public int MelBins { get; init; } = 64;

    /// <summary>Lowest filter edge in Hz.</summary>
    public double FMin { get; init; } = 50;

    /// <summary>Highest filter edge in Hz.</summary>
    public double FMax { get; init; } = 14000;

    /// <summary>Floor applied to the mel power before the logarithm (−100 dB).</summary>
    public double AMin { get; init; } = 1e-10;

    /// <summary>Reference power: the output is <c>10 log10(max(AMin, mel)) − 10 log10(max(AMin, Ref))</c>.</summary>
    public double Ref { get; init; } = 1.0;

    /// <summary>The front end of the FLAM / HTSAT audio encoder: 48 kHz, 1024-point FFT, hop 480 (10 ms), 64 mels 50–14 000 Hz.</summary>
    public static LogMelOptions Flam { get; } = new();

    /// <summary>
    /// The shortest waveform the transform accepts as is. With <see cref="Center"/> reflect padding needs more than
    /// <c>FftSize / 2</c> samples; without it one full frame. Shorter input is zero-padded at the end to this length.
    /// </summary>
    public int MinimumSamples => Center ? FftSize / 2 + 1 : FftSize;

    /// <summary>Number of frames produced for <paramref name="samples"/> input samples (after the minimum-length padding).</summary>
    public long FrameCount(long samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        long n = Math.Max(samples, MinimumSamples);
        return Center ? 1 + n / HopLength : 1 + (n - FftSize) / HopLength;
    }

    /// <summary>Checks every setting; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public LogMelOptions Validate()
    {
        if (SampleRate <= 0) throw new ArgumentException($"SampleRate must be positive, got {SampleRate}.");
        if (FftSize < 2) throw new ArgumentException($"FftSize must be at least 2, got {FftSize}.");
        if (HopLength <= 0) throw new ArgumentException($"HopLength must be positive, got {HopLength}.");
        if (WindowLength <= 0 || WindowLength > FftSize) throw new ArgumentException($"WindowLength must be in 1..FftSize ({FftSize}), got {WindowLength}.");
        if (MelBins <= 0) throw new ArgumentException($"MelBins must be positive, got {MelBins}.");
        if (!(FMin >= 0 && FMin < FMax && FMax <= SampleRate / 2.0)) throw new ArgumentException($"Need 0 <= FMin < FMax <= SampleRate / 2, got FMin {FMin}, FMax {FMax}, SampleRate {SampleRate}.");
        if (!(AMin > 0)) throw new ArgumentException($"AMin must be positive, got {AMin}.");
        if (!(Ref > 0)) throw new ArgumentException($"Ref must be positive, got {Ref}.");
        return this;
    }
}
