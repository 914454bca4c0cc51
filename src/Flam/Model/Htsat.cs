using Flam.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flam.Model;

/// <summary>
/// HTSAT (hierarchical token-semantic audio transformer): bn0 over the mel bins, bicubic stretch to the image
/// length, <c>reshape_wav2img</c>, a Swin transformer and the (freq, time) regrouping into frame features.
/// Submodule names equal the official state-dict keys under <c>audio_branch.</c>. The torchlibrosa front end
/// (STFT kernels, <c>melW</c>) is not part of this module: the log-mel spectrogram is its input.
/// </summary>
public sealed class HtsatAudioEncoder : Module<Tensor, (Tensor FineGrained, Tensor Embedding)>
{
    private readonly BatchNorm2d bn0;
    private readonly PatchEmbed patch_embed;
    private readonly ModuleList<SwinStage> layers;
    private readonly LayerNorm norm;

    /// <summary>The shape this encoder was built with.</summary>
    public HtsatConfig Config { get; }

    /// <summary>
    /// Optional augmentation of the normalised log-mel [B, 1, T, mel] applied only in training mode, after bn0
    /// and before the stretch (where the official code applies SpecAugment).
    /// </summary>
    public Func<Tensor, Tensor>? TrainingAugmentation { get; set; }

    /// <summary>
    /// Element type of the Swin part (patch embedding, stages, final norm). bn0, the stretch and the outputs stay
    /// float32; bfloat16 trades about 1e-2 of accuracy for several times the speed on CPUs with AMX/AVX-512 BF16.
    /// </summary>
    public ScalarType ComputeType { get; private set; } = ScalarType.Float32;

    /// <summary>Converts the Swin part to <paramref name="type"/> (float32 or bfloat16); see <see cref="ComputeType"/>.</summary>
    public void SetComputeType(ScalarType type)
    {
        if (type is not (ScalarType.Float32 or ScalarType.BFloat16))
        {
            throw new ArgumentException("The audio branch computes in float32 or bfloat16.", nameof(type));
        }
        patch_embed.to(type);
        layers.to(type);
        norm.to(type);
        ComputeType = type;
    }

    /// <summary>Builds the encoder with PyTorch default initialisation (see <see cref="ResetParameters"/>).</summary>
    public HtsatAudioEncoder(HtsatConfig config) : base("audio_branch")
    {
        config.Validate();
        Config = config;
        bn0 = BatchNorm2d(config.MelBins);
        patch_embed = new PatchEmbed(config.PatchSize, config.PatchStride, config.EmbedDim);
        var dropPath = Enumerable.Range(0, config.Depths.Sum())
            .Select(i => config.Depths.Sum() == 1 ? 0.0 : config.DropPathRate * i / (config.Depths.Sum() - 1)).ToArray();
        layers = new ModuleList<SwinStage>();
        int offset = 0;
        for (int i = 0; i < config.Depths.Count; i++)
        {
            int dim = config.EmbedDim << i;
            int grid = config.PatchGrid >> i;
            bool last = i == config.Depths.Count - 1;
            layers.Add(new SwinStage(dim, grid, config.Depths[i], config.NumHeads[i], config.WindowSize, config.MlpRatio, config.QkvBias,
                dropPath.Skip(offset).Take(config.Depths[i]).ToArray(), downsample: !last));
            offset += config.Depths[i];
        }
        norm = LayerNorm(config.NumFeatures);
        RegisterComponents();
    }

    /// <summary>
    /// Initialises like the official constructor: trunc-normal(0.02) Linear weights and bias tables, zero biases,
    /// unit LayerNorms. The official truncation is at ±2 absolute (= ±100σ), so a plain normal(0, 0.02) has the same
    /// distribution in practice (TorchSharp 0.107's trunc_normal_ mixes up its mean and std arguments).
    /// </summary>
    public void ResetParameters()
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            switch (module)
            {
                case Linear linear:
                    init.normal_(linear.weight!, 0, 0.02);
                    if (linear.bias is not null) init.zeros_(linear.bias);
                    break;
                case LayerNorm layerNorm:
                    init.ones_(layerNorm.weight!);
                    init.zeros_(layerNorm.bias!);
                    break;
                case WindowAttention attention:
                    attention.ResetBiasTable();
                    break;
            }
        }
    }

    /// <summary>
    /// Frame features from a log-mel spectrogram [B, frames, mel] (frames ≤ spec_size · freq_ratio, 1001 for 10 s):
    /// <c>FineGrained</c> [B, T, C] and <c>Embedding</c> [B, C].
    /// </summary>
    public override (Tensor FineGrained, Tensor Embedding) forward(Tensor logMel)
    {
        using var scope = NewDisposeScope();
        var image = ToImage(logMel).to(ComputeType);
        var tokens = ForwardTokens(image).to(ScalarType.Float32);
        var (fine, embedding) = Regroup(tokens);
        return (fine.MoveToOuterDisposeScope(), embedding.MoveToOuterDisposeScope());
    }

    /// <summary>bn0, the optional training augmentation and <c>reshape_wav2img</c>: [B, frames, mel] → [B, 1, spec, spec].</summary>
    internal Tensor ToImage(Tensor logMel)
    {
        using var scope = NewDisposeScope();
        if (logMel.dim() != 3 || logMel.shape[2] != Config.MelBins)
        {
            throw new ArgumentException($"Expected a log-mel spectrogram [B, frames, {Config.MelBins}], got [{string.Join(",", logMel.shape)}].");
        }
        var x = Normalize(logMel.unsqueeze(1));
        if (training && TrainingAugmentation is not null)
        {
            x = TrainingAugmentation(x);
        }
        return ReshapeWavToImage(x).MoveToOuterDisposeScope();
    }

    /// <summary>bn0 over the mel bins of [B, 1, T, mel] (the official code transposes mel into the channel axis).</summary>
    internal Tensor Normalize(Tensor x)
    {
        // BatchNorm2d.forward's own count update (num_batches_tracked.add_(1)) passes an implicit Scalar; this is the
        // same computation (momentum set, running statistics tracked) with the count added through a live Scalar.
        if (bn0.training && bn0.num_batches_tracked is { } count)
        {
            using var _ = no_grad();
            count.add_(TorchScalars.One, TorchScalars.One);
        }
        var normalized = nn.functional.batch_norm(x.transpose(1, 3), bn0.running_mean, bn0.running_var, bn0.weight, bn0.bias,
            bn0.training, bn0.momentum ?? 0.1, bn0.eps);
        return normalized.transpose(1, 3);
    }

    /// <summary>Bicubic stretch (align_corners) to spec_size · freq_ratio frames, then the time chunks stacked along the frequency axis.</summary>
    internal Tensor ReshapeWavToImage(Tensor x)
    {
        long targetT = Config.SpecSize * Config.FreqRatio;
        long frames = x.shape[2];
        if (frames > targetT)
        {
            throw new ArgumentException($"{frames} spectrogram frames exceed the {targetT} the HTSAT image holds.");
        }
        if (frames < targetT)
        {
            x = functional.interpolate(x, [targetT, x.shape[3]], mode: InterpolationMode.Bicubic, align_corners: true);
        }
        long b = x.shape[0], c = x.shape[1], f = x.shape[3];
        return x.permute(0, 1, 3, 2)
            .reshape(b, c, f, Config.FreqRatio, targetT / Config.FreqRatio)
            .permute(0, 1, 3, 2, 4)
            .reshape(b, c, f * Config.FreqRatio, targetT / Config.FreqRatio);
    }

    /// <summary>Patch embedding, the Swin stages and the final norm: [B, 1, spec, spec] → [B, tokens, C].</summary>
    internal Tensor ForwardTokens(Tensor image, Action<int, Tensor>? onStage = null)
    {
        var x = patch_embed.forward(image);
        onStage?.Invoke(-1, x);
        for (int i = 0; i < layers.Count; i++)
        {
            x = layers[i].forward(x);
            onStage?.Invoke(i, x);
        }
        return norm.forward(x);
    }

    /// <summary>
    /// The (freq, time) regrouping: final grid [SF, ST] → freq_ratio chunks of SF/freq_ratio rows placed side by side
    /// in time, averaged over the remaining frequency rows. Returns ([B, T, C], [B, C]).
    /// </summary>
    internal (Tensor FineGrained, Tensor Embedding) Regroup(Tensor tokens)
    {
        long b = tokens.shape[0], c = tokens.shape[2];
        long sf = Config.FinalGrid, st = Config.FinalGrid;
        long cFreqBin = sf / Config.FreqRatio;
        var x = tokens.permute(0, 2, 1).reshape(b, c, Config.FreqRatio, cFreqBin, st)
            .permute(0, 1, 3, 2, 4).reshape(b, c, cFreqBin, Config.FreqRatio * st);
        var fine = x.mean([2]).permute(0, 2, 1).contiguous();
        var embedding = x.flatten(2).mean([2]);
        return (fine, embedding);
    }
}

/// <summary>Conv2d patch embedding + LayerNorm; tokens in row-major (freq, time) order.</summary>
internal sealed class PatchEmbed : Module<Tensor, Tensor>
{
    private readonly Conv2d proj;
    private readonly LayerNorm norm;

    public PatchEmbed(int patchSize, int patchStride, int embedDim) : base("patch_embed")
    {
        proj = Conv2d(1, embedDim, kernel_size: patchSize, stride: patchStride);
        norm = LayerNorm(embedDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor image)
    {
        using var x = proj.forward(image);
        using var tokens = x.flatten(2).transpose(1, 2);
        return norm.forward(tokens);
    }
}

/// <summary>One Swin stage (official <c>BasicLayer</c>): blocks alternating plain and shifted windows, then optional patch merging.</summary>
internal sealed class SwinStage : Module<Tensor, Tensor>
{
    private readonly ModuleList<SwinBlock> blocks;
    private readonly PatchMerging? downsample;

    public SwinStage(int dim, int grid, int depth, int heads, int windowSize, double mlpRatio, bool qkvBias, double[] dropPath, bool downsample) : base("layer")
    {
        blocks = new ModuleList<SwinBlock>();
        for (int i = 0; i < depth; i++)
        {
            blocks.Add(new SwinBlock(dim, grid, heads, windowSize, i % 2 == 0 ? 0 : windowSize / 2, mlpRatio, qkvBias, dropPath[i]));
        }
        this.downsample = downsample ? new PatchMerging(dim, grid) : null;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var current = x;
        foreach (var block in blocks)
        {
            var next = block.forward(current);
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = next;
        }
        if (downsample is not null)
        {
            var merged = downsample.forward(current);
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = merged;
        }
        return current;
    }
}

/// <summary>
/// Swin block: LN → (shifted) window attention → residual, LN → MLP → residual. The shifted-window mask is
/// computed here (the checkpoint's <c>attn_mask</c> buffer holds the same values and is not needed).
/// </summary>
internal sealed class SwinBlock : Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly WindowAttention attn;
    private readonly LayerNorm norm2;
    private readonly SwinMlp mlp;
    private readonly int grid;
    private readonly int windowSize;
    private readonly int shiftSize;
    private readonly double dropPath;

    public SwinBlock(int dim, int grid, int heads, int windowSize, int shiftSize, double mlpRatio, bool qkvBias, double dropPath) : base("block")
    {
        this.grid = grid;
        // As the official block: a stage whose grid fits in one window uses that window and no shift.
        if (grid <= windowSize)
        {
            shiftSize = 0;
            windowSize = grid;
        }
        this.windowSize = windowSize;
        this.shiftSize = shiftSize;
        this.dropPath = dropPath;
        norm1 = LayerNorm(dim);
        attn = new WindowAttention(dim, windowSize, heads, qkvBias);
        norm2 = LayerNorm(dim);
        mlp = new SwinMlp(dim, (int)(dim * mlpRatio));
        if (shiftSize > 0)
        {
            // Non-persistent: derived from the shape, so it neither appears in nor is read from a state dict.
            register_buffer("shift_mask", ShiftedWindowMask(grid, windowSize, shiftSize), persistent: false);
        }
        RegisterComponents();
    }

    /// <summary>The additive mask (0 / −100) that keeps shifted windows from attending across the wrap-around: [nW, N, N].</summary>
    internal static Tensor ShiftedWindowMask(int grid, int windowSize, int shiftSize)
    {
        var labels = new float[grid * grid];
        int Region(int i) => i < grid - windowSize ? 0 : i < grid - shiftSize ? 1 : 2;
        for (int h = 0; h < grid; h++)
        {
            for (int w = 0; w < grid; w++)
            {
                labels[h * grid + w] = Region(h) * 3 + Region(w);
            }
        }
        using var scope = NewDisposeScope();
        var image = tensor(labels).reshape(1, grid, grid, 1);
        var windows = PartitionWindows(image, windowSize).reshape(-1, windowSize * windowSize);
        var diff = windows.unsqueeze(1) - windows.unsqueeze(2);
        using var zero = 0.ToScalar();
        using var masked = (-100f).ToScalar();
        return where(diff.ne(zero), full_like(diff, masked), zeros_like(diff)).MoveToOuterDisposeScope();
    }

    /// <summary>[B, H, W, C] → [B·nW, ws·ws, C].</summary>
    internal static Tensor PartitionWindows(Tensor x, int ws)
    {
        long b = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
        return x.view(b, h / ws, ws, w / ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, c);
    }

    /// <summary>[B·nW, ws·ws, C] → [B, H, W, C].</summary>
    internal static Tensor ReverseWindows(Tensor windows, int ws, int h, int w)
    {
        long b = windows.shape[0] / (h / ws * (w / ws));
        return windows.view(b, h / ws, w / ws, ws, ws, -1).permute(0, 1, 3, 2, 4, 5).reshape(b, h, w, -1);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[2];
        var h = norm1.forward(x).view(b, grid, grid, c);
        if (shiftSize > 0)
        {
            h = roll(h, [-shiftSize, -shiftSize], [1, 2]);
        }
        var windows = PartitionWindows(h, windowSize);
        var mask = shiftSize > 0 ? get_buffer("shift_mask") : null;
        var attended = ReverseWindows(attn.forward(windows, mask), windowSize, grid, grid);
        if (shiftSize > 0)
        {
            attended = roll(attended, [shiftSize, shiftSize], [1, 2]);
        }
        var y = x.add(DropPath(attended.reshape(b, grid * grid, c)), TorchScalars.One);
        y = y.add(DropPath(mlp.forward(norm2.forward(y))), TorchScalars.One);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Stochastic depth per sample, training only.</summary>
    private Tensor DropPath(Tensor x)
    {
        if (!training || dropPath <= 0)
        {
            return x;
        }
        double keep = 1 - dropPath;
        var shape = new long[x.dim()];
        Array.Fill(shape, 1L);
        shape[0] = x.shape[0];
        var keepMask = empty(shape, x.dtype, x.device).bernoulli_(keep);
        using var keepScalar = keep.ToScalar();
        return x * keepMask / keepScalar;
    }
}

/// <summary>Multi-head self-attention inside windows with a learned relative position bias.</summary>
internal sealed class WindowAttention : Module<Tensor, Tensor?, Tensor>
{
    private readonly Parameter relative_position_bias_table;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly int heads;
    private readonly int windowSize;

    public WindowAttention(int dim, int windowSize, int heads, bool qkvBias) : base("attn")
    {
        this.heads = heads;
        this.windowSize = windowSize;
        relative_position_bias_table = Parameter(zeros((2 * windowSize - 1) * (2 * windowSize - 1), heads));
        qkv = Linear(dim, dim * 3, hasBias: qkvBias);
        proj = Linear(dim, dim);
        register_buffer("position_index", RelativePositionIndex(windowSize), persistent: false);
        RegisterComponents();
    }

    public void ResetBiasTable()
    {
        using var noGrad = no_grad();
        init.normal_(relative_position_bias_table, 0, 0.02);
    }

    /// <summary>Index into the bias table for every (query, key) pair of a window: [N, N].</summary>
    internal static Tensor RelativePositionIndex(int ws)
    {
        int n = ws * ws;
        var index = new long[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int dh = i / ws - j / ws + ws - 1;
                int dw = i % ws - j % ws + ws - 1;
                index[i * n + j] = dh * (2 * ws - 1) + dw;
            }
        }
        using var flat = tensor(index);
        return flat.reshape(n, n);
    }

    /// <summary>Attention bias per head [heads, N, N], plus the shifted-window mask per window when given: [nW, heads, N, N].</summary>
    private Tensor AttentionBias(Tensor? mask)
    {
        int n = windowSize * windowSize;
        var index = get_buffer("position_index")!.to(relative_position_bias_table.device);
        var bias = relative_position_bias_table.index_select(0, index.view(-1)).view(n, n, heads).permute(2, 0, 1);
        // The derived mask is a non-persistent buffer, which Module.to(dtype) leaves alone: follow the table's type.
        return mask is null ? bias.unsqueeze(0) : bias.unsqueeze(0).add(mask.to(bias.dtype, bias.device).unsqueeze(1), TorchScalars.One);
    }

    /// <summary>windows [B·nW, N, C], mask [nW, N, N] or null → [B·nW, N, C].</summary>
    public override Tensor forward(Tensor windows, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        long bw = windows.shape[0], n = windows.shape[1], c = windows.shape[2];
        var qkvOut = qkv.forward(windows).reshape(bw, n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
        var bias = AttentionBias(mask);
        var output = Attend(qkvOut[0], qkvOut[1], qkvOut[2], bias);
        return proj.forward(output.transpose(1, 2).reshape(bw, n, c)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// softmax(q kᵀ / √d + bias) v with the fused kernel; q, k, v [B·nW, heads, N, d], bias [1 or nW, heads, N, N]
    /// (windows of one clip are consecutive, so the per-window bias repeats every nW rows).
    /// </summary>
    internal static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor bias)
    {
        long bw = q.shape[0], nW = bias.shape[0];
        var mask = nW == 1 ? bias : bias.unsqueeze(0).expand(bw / nW, -1, -1, -1, -1).reshape(bw, bias.shape[1], bias.shape[2], bias.shape[3]);
        return functional.scaled_dot_product_attention(q, k, v, mask);
    }

    /// <summary>The official formulation step by step (scale q, matmul, add bias, softmax, matmul): the slow twin of <see cref="Attend"/>.</summary>
    internal static Tensor AttendNaive(Tensor q, Tensor k, Tensor v, Tensor bias)
    {
        using var scope = NewDisposeScope();
        long bw = q.shape[0], heads = q.shape[1], n = q.shape[2], nW = bias.shape[0];
        using var scale = Math.Pow(q.shape[3], -0.5).ToScalar();
        var scores = (q * scale).matmul(k.transpose(-2, -1)).view(bw / nW, nW, heads, n, n).add(bias.unsqueeze(0), TorchScalars.One);
        return scores.view(bw, heads, n, n).softmax(-1).matmul(v).MoveToOuterDisposeScope();
    }
}

/// <summary>fc1 → exact GELU → fc2.</summary>
internal sealed class SwinMlp : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public SwinMlp(int dim, int hidden) : base("mlp")
    {
        fc1 = Linear(dim, hidden);
        fc2 = Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var hidden = fc1.forward(x);
        using var activated = functional.gelu(hidden);
        return fc2.forward(activated);
    }
}

/// <summary>2×2 patch merging: concatenate (x0, x1, x2, x3) = ((0,0), (1,0), (0,1), (1,1)), LayerNorm(4C), Linear(4C → 2C, no bias).</summary>
internal sealed class PatchMerging : Module<Tensor, Tensor>
{
    private readonly Linear reduction;
    private readonly LayerNorm norm;
    private readonly int grid;

    public PatchMerging(int dim, int grid) : base("downsample")
    {
        this.grid = grid;
        reduction = Linear(4 * dim, 2 * dim, hasBias: false);
        norm = LayerNorm(4 * dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[2];
        var image = x.view(b, grid, grid, c);
        var x0 = image[.., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(0, null, 2)];
        var x1 = image[.., TensorIndex.Slice(1, null, 2), TensorIndex.Slice(0, null, 2)];
        var x2 = image[.., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(1, null, 2)];
        var x3 = image[.., TensorIndex.Slice(1, null, 2), TensorIndex.Slice(1, null, 2)];
        var merged = cat([x0, x1, x2, x3], -1).view(b, -1, 4 * c);
        return reduction.forward(norm.forward(merged)).MoveToOuterDisposeScope();
    }
}
