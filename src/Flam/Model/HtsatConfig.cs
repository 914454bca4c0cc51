namespace Flam.Model;

/// <summary>
/// Shape of the HTSAT audio encoder (a Swin transformer over a log-mel "image") and of its front end.
/// The named presets are exactly what the official <c>create_htsat_model</c> builds; any other shape can come
/// from a JSON config (the <c>htsat_*</c> fields of <c>audio_cfg</c>).
/// </summary>
/// <param name="EmbedDim">Channels after the patch embedding; doubles at every patch merging.</param>
/// <param name="Depths">Swin blocks per stage.</param>
/// <param name="NumHeads">Attention heads per stage.</param>
/// <param name="SpecSize">Side of the square input image (256).</param>
/// <param name="PatchSize">Patch-embedding kernel size.</param>
/// <param name="PatchStride">Patch-embedding stride (the same on both axes).</param>
/// <param name="WindowSize">Attention window side (8 tokens).</param>
/// <param name="MlpRatio">Hidden width of each block's MLP relative to its width.</param>
/// <param name="QkvBias">Whether the qkv projection has a bias.</param>
/// <param name="DropPathRate">Largest stochastic-depth rate (linearly increasing over blocks); training only.</param>
/// <param name="MelBins">Mel bins of the front end (64).</param>
/// <param name="SampleRate">Input sample rate in Hz.</param>
/// <param name="WindowSamples">STFT window and FFT size.</param>
/// <param name="HopSamples">STFT hop.</param>
/// <param name="Fmin">Lowest mel frequency in Hz.</param>
/// <param name="Fmax">Highest mel frequency in Hz.</param>
/// <param name="ClipSamples">Samples in one model input (10 s at 48 kHz).</param>
public sealed record HtsatConfig(
    int EmbedDim,
    IReadOnlyList<int> Depths,
    IReadOnlyList<int> NumHeads,
    int SpecSize = 256,
    int PatchSize = 4,
    int PatchStride = 4,
    int WindowSize = 8,
    double MlpRatio = 4.0,
    bool QkvBias = true,
    double DropPathRate = 0.1,
    int MelBins = 64,
    int SampleRate = 48000,
    int WindowSamples = 1024,
    int HopSamples = 480,
    int Fmin = 50,
    int Fmax = 14000,
    int ClipSamples = 480000)
{
    /// <summary>HTSAT-tiny: embed 96, depths 2-2-6-2, heads 4-8-16-32.</summary>
    public static HtsatConfig Tiny { get; } = new(96, [2, 2, 6, 2], [4, 8, 16, 32]);

    /// <summary>HTSAT-base (the released FLAM audio encoder): embed 128, depths 2-2-12-2, heads 4-8-16-32, output 1024.</summary>
    public static HtsatConfig Base { get; } = new(128, [2, 2, 12, 2], [4, 8, 16, 32]);

    /// <summary>HTSAT-large: embed 256, depths 2-2-12-2, heads 4-8-16-32.</summary>
    public static HtsatConfig Large { get; } = new(256, [2, 2, 12, 2], [4, 8, 16, 32]);

    /// <summary>HTSAT-base at about 12.8 frames per second: patch 2, stride 2, embed 192, depths 2-12-2, heads 8-16-32 (128 frames per clip).</summary>
    public static HtsatConfig Base12Hz { get; } = new(192, [2, 12, 2], [8, 16, 32], PatchSize: 2, PatchStride: 2);

    /// <summary>
    /// A small encoder for training on a CPU (Flam's own preset, not an official one): embed 48, depths 1-1-2-1,
    /// heads 2-4-8-16, output 384, about 1/20 of the base compute. Frames per clip stay 32.
    /// </summary>
    public static HtsatConfig CpuSmall { get; } = new(48, [1, 1, 2, 1], [2, 4, 8, 16]);

    /// <summary>Width of the encoder output C (embed · 2^(stages-1)).</summary>
    public int NumFeatures => EmbedDim << (Depths.Count - 1);

    /// <summary>spec_size / mel_bins: how many time chunks are stacked along the frequency axis of the image.</summary>
    public int FreqRatio => SpecSize / MelBins;

    /// <summary>Token-grid side after the patch embedding.</summary>
    public int PatchGrid => (SpecSize - PatchSize) / PatchStride + 1;

    /// <summary>Token-grid side after the last stage.</summary>
    public int FinalGrid => PatchGrid >> (Depths.Count - 1);

    /// <summary>Output frames per clip (32 for the 4-stage presets: 8 time tokens × 4 stacked chunks).</summary>
    public int Frames => FinalGrid * FreqRatio;

    /// <summary>Log-mel frames the front end yields for one clip (1001 for 10 s).</summary>
    public int SpectrogramFrames => ClipSamples / HopSamples + 1;

    /// <summary>
    /// A rough upper estimate of the memory (bytes) one clip needs during inference, for refusing a batch that
    /// cannot fit before it is allocated: the clip's samples (copied once into a tensor), the STFT power and log-mel
    /// image, and the first stage's token activations (the largest) about eight times over — a block holds its input,
    /// the residual, the attention matrices and the MLP's hidden layer (MLP ratio × width) at once. For the released
    /// model about 23 MB.
    /// </summary>
    public long InferenceBytesPerClip
    {
        get
        {
            const long Float = sizeof(float);
            var samples = 2L * ClipSamples * Float;
            var spectrum = (long)SpectrogramFrames * (WindowSamples / 2 + 1 + MelBins) * Float;
            var image = (long)SpecSize * SpecSize * Float;
            var tokens = (long)PatchGrid * PatchGrid * EmbedDim * Float;
            return samples + spectrum + image + (4 + (long)Math.Ceiling(MlpRatio)) * tokens;
        }
    }

    /// <summary>Looks up a preset by name: tiny, base, large, base-12hz, cpu-small.</summary>
    public static HtsatConfig? FromName(string name) => name.ToLowerInvariant() switch
    {
        "tiny" => Tiny,
        "base" => Base,
        "large" => Large,
        "base-12hz" or "base12hz" => Base12Hz,
        "cpu-small" => CpuSmall,
        _ => null,
    };

    /// <summary>Checks that the shapes fit together; throws <see cref="FlamException"/> naming the first problem.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new FlamException("Invalid HTSAT config: " + message);
        }
        Require(EmbedDim > 0, $"embed_dim must be positive (got {EmbedDim}).");
        Require(Depths.Count >= 1 && Depths.Count == NumHeads.Count, "depths and num_heads must be non-empty and of equal length.");
        Require(Depths.All(d => d > 0), "every depth must be positive.");
        for (int i = 0; i < NumHeads.Count; i++)
        {
            Require(NumHeads[i] > 0 && (EmbedDim << i) % NumHeads[i] == 0, $"stage {i} width {EmbedDim << i} is not divisible by its {NumHeads[i]} heads.");
        }
        Require(MelBins > 0 && SpecSize % MelBins == 0, $"spec_size {SpecSize} must be a multiple of mel_bins {MelBins}.");
        Require(PatchSize > 0 && PatchStride > 0 && PatchSize == PatchStride, "patch_size must equal patch_stride (overlapping patches are not supported).");
        Require(SpecSize % PatchStride == 0, "spec_size must be a multiple of the patch stride.");
        Require(PatchGrid % (1 << (Depths.Count - 1)) == 0, $"token grid {PatchGrid} cannot be halved {Depths.Count - 1} times.");
        Require(FinalGrid % FreqRatio == 0, $"final grid {FinalGrid} must be a multiple of freq_ratio {FreqRatio}.");
        Require(WindowSize > 0, "window_size must be positive.");
        for (int i = 0; i < Depths.Count; i++)
        {
            int grid = PatchGrid >> i;
            int window = Math.Min(WindowSize, grid);
            Require(grid % window == 0, $"stage {i} grid {grid} is not a multiple of the window {window}.");
        }
        Require(SpectrogramFrames <= SpecSize * FreqRatio, $"{SpectrogramFrames} spectrogram frames exceed the {SpecSize * FreqRatio} the image holds.");
        Require(MlpRatio > 0 && DropPathRate >= 0 && DropPathRate < 1, "mlp_ratio must be positive and drop_path_rate in [0, 1).");
        Require(SampleRate > 0 && WindowSamples > 0 && HopSamples > 0 && ClipSamples > 0 && Fmin >= 0 && Fmax > Fmin, "invalid front-end settings.");
    }

    /// <inheritdoc/>
    public bool Equals(HtsatConfig? other) =>
        other is not null && EmbedDim == other.EmbedDim && Depths.SequenceEqual(other.Depths) && NumHeads.SequenceEqual(other.NumHeads) &&
        SpecSize == other.SpecSize && PatchSize == other.PatchSize && PatchStride == other.PatchStride && WindowSize == other.WindowSize &&
        MlpRatio == other.MlpRatio && QkvBias == other.QkvBias && DropPathRate == other.DropPathRate && MelBins == other.MelBins &&
        SampleRate == other.SampleRate && WindowSamples == other.WindowSamples && HopSamples == other.HopSamples &&
        Fmin == other.Fmin && Fmax == other.Fmax && ClipSamples == other.ClipSamples;

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(EmbedDim, Depths.Count, NumHeads.Count, SpecSize, PatchSize, WindowSize, MelBins);
}
