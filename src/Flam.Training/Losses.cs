using Flam.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Flam.Training;

// The three FLAM losses side by side, as in open_clip's loss.py. Equations: docs/training.md and
// ../shared/docs/method.md ("Losses"). All inputs are the already L2-normalised embeddings.

/// <summary>
/// Global CLIP InfoNCE loss (paper Eq. 1, official <c>CLIPLoss</c>): ½·[CE(s·A·Eᵀ, diag) + CE(s·E·Aᵀ, diag)]
/// with s = exp(logit_scale_a).
/// </summary>
public static class GlobalContrastiveLoss
{
    /// <summary>Initial value of the learnable log-temperature <c>logit_scale_a</c>: log(1/0.07).</summary>
    public static readonly double InitialLogitScale = Math.Log(1 / 0.07);

    /// <summary>Upper clamp of <c>logit_scale_a</c> (CLAP clamps it to [0, log 100] after every optimiser step).</summary>
    public static readonly double MaxLogitScale = Math.Log(100);

    /// <summary>The loss for matched rows: audio [N, d] and text [N, d]; <paramref name="logitScaleExp"/> = exp(logit_scale_a), a scalar.</summary>
    public static Tensor Compute(Tensor audio, Tensor text, Tensor logitScaleExp)
    {
        if (audio.ndim != 2 || text.ndim != 2 || audio.shape[0] != text.shape[0] || audio.shape[1] != text.shape[1])
        {
            throw new ArgumentException($"Global loss needs matched [N, d] audio and text features, got [{string.Join(",", audio.shape)}] and [{string.Join(",", text.shape)}].");
        }
        using var scope = NewDisposeScope();
        var logitsPerAudio = logitScaleExp * audio.matmul(text.t());
        var logitsPerText = logitsPerAudio.t();
        using var start = 0L.ToScalar();
        using var count = audio.shape[0].ToScalar();
        using var step = 1L.ToScalar();
        using var two = 2.ToScalar();
        var labels = arange(start, count, step, dtype: ScalarType.Int64, device: audio.device);
        var loss = F.cross_entropy(logitsPerAudio, labels).add(F.cross_entropy(logitsPerText, labels), TorchScalars.One) / two;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Clamps the raw log-temperature parameter in place to [0, log 100], as CLAP does after each step.</summary>
    public static void ClampLogitScale(Tensor logitScale)
    {
        using var _ = no_grad();
        using var min = 0.ToScalar();
        using var max = MaxLogitScale.ToScalar();
        logitScale.clamp_(min, max);
    }
}

/// <summary>
/// Frame-wise sigmoid SED loss (paper Eqs. 4–5, official <c>FramewiseContrastiveLoss</c>): with
/// ℓ[i,j,t] = α_j·⟨a[i,t], e_j⟩ + sg(β_j) and z ∈ {0,1},
/// L = Σ mask[i,j]·−log σ((2z−1)·ℓ) / Σ mask / T, mask = audio_mask[:,None]·text_mask[None].
/// The bias β is detached: this loss never trains MLP_β (that is the prior loss's job).
/// </summary>
public static class FramewiseSigmoidLoss
{
    /// <summary>
    /// Straightforward computation that materialises the whole [B, K, T] logit tensor with its graph.
    /// localAudio [B, T, d], text [K, d], logitScale α [K] (already exp(·)·exp(aed_logit_scale)),
    /// logitBias β [K] (detached here), labels [B, K, T] in {0,1}, audioMask [B], textMask [K] (0/1, any dtype).
    /// </summary>
    public static Tensor Compute(Tensor localAudio, Tensor text, Tensor logitScale, Tensor logitBias, Tensor labels, Tensor audioMask, Tensor textMask)
    {
        CheckShapes(localAudio, text, logitScale, logitBias, labels, audioMask, textMask);
        using var scope = NewDisposeScope();
        var pairMask = PairMask(audioMask, textMask, localAudio.dtype);
        var sum = BlockSum(Similarity(localAudio, text), logitScale, logitBias.detach(), labels, pairMask);
        using var frames = localAudio.shape[1].ToScalar();
        var loss = sum / pairMask.sum() / frames;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Same value and gradient as <see cref="Compute"/>, but the logits are formed one block of text slots (and of
    /// clips) at a time, in the forward pass without a graph and again, block by block, in the backward pass, so peak
    /// memory grows with the block size instead of with K (see <see cref="FramewiseLossAccumulator"/>).
    /// </summary>
    public static Tensor ComputeBlocked(Tensor localAudio, Tensor text, Tensor logitScale, Tensor logitBias, Tensor labels, Tensor audioMask, Tensor textMask, FramewiseBlocking blocking)
    {
        CheckShapes(localAudio, text, logitScale, logitBias, labels, audioMask, textMask);
        blocking.Validate();
        return BlockedFramewiseLossFunction.apply(localAudio, text, logitScale, logitBias.detach(), labels, audioMask, textMask, blocking.TextBlockSize, blocking.ClipBlockSize);
    }

    /// <summary>mask[i,j] = audio_mask[i]·text_mask[j] as a float tensor [B, K].</summary>
    internal static Tensor PairMask(Tensor audioMask, Tensor textMask, ScalarType dtype) =>
        audioMask.to_type(dtype).unsqueeze(1) * textMask.to_type(dtype).unsqueeze(0);

    /// <summary>Cosine similarity of every frame with every text, [B, T, d] x [K, d] -> [B, K, T] (a transposed view).</summary>
    internal static Tensor Similarity(Tensor localAudio, Tensor text) => localAudio.matmul(text.t()).transpose(1, 2);

    /// <summary>
    /// Σ mask[i,j]·−log σ((2z−1)·ℓ[i,j,t]) over one block, from its <paramref name="similarity"/> [B, K, T];
    /// <paramref name="logitBias"/> must already be detached.
    /// </summary>
    internal static Tensor BlockSum(Tensor similarity, Tensor logitScale, Tensor logitBias, Tensor labels, Tensor pairMask)
    {
        using var scope = NewDisposeScope();
        var logits = (logitScale.view(1, -1, 1) * similarity).add(logitBias.view(1, -1, 1), TorchScalars.One);
        using var two = 2.ToScalar();
        var sign = labels * two - TorchScalars.One;
        var perFrame = -F.logsigmoid(sign * logits);
        var sum = (pairMask.unsqueeze(2) * perFrame).sum();
        return sum.MoveToOuterDisposeScope();
    }

    private static void CheckShapes(Tensor localAudio, Tensor text, Tensor logitScale, Tensor logitBias, Tensor labels, Tensor audioMask, Tensor textMask)
    {
        if (localAudio.ndim != 3 || text.ndim != 2 || localAudio.shape[2] != text.shape[1])
        {
            throw new ArgumentException($"Frame-wise loss needs local audio [B, T, d] and text [K, d], got [{string.Join(",", localAudio.shape)}] and [{string.Join(",", text.shape)}].");
        }
        long b = localAudio.shape[0], t = localAudio.shape[1], k = text.shape[0];
        if (logitScale.shape.SequenceEqual([k]) is false || logitBias.shape.SequenceEqual([k]) is false || textMask.shape.SequenceEqual([k]) is false)
        {
            throw new ArgumentException($"Per-text logit scale, bias and text mask must have shape [{k}].");
        }
        if (audioMask.shape.SequenceEqual([b]) is false || labels.shape.SequenceEqual([b, k, t]) is false)
        {
            throw new ArgumentException($"Audio mask must be [{b}] and labels [{b}, {k}, {t}], got [{string.Join(",", audioMask.shape)}] and [{string.Join(",", labels.shape)}].");
        }
    }
}

/// <summary>
/// Decision loss (Flam's addition, off in the official recipe): a class-weighted logistic loss on the unbiased logit
/// z[i,j,t] = α_j·⟨a[i,t], e_j⟩, L = [mean over positive frames of softplus(−z) + r·mean over negative frames of softplus(z)] / (1 + r),
/// over the masked pairs; r = 1 is class-balanced. The calibrated output s = p/(p + σ(β)) exceeds ½ exactly where z &gt; 0, so
/// this loss trains the decision itself; the frame-wise loss alone barely pushes z below 0 on frames of absent texts, because
/// with a very negative β those terms cost almost nothing (a loud frame of one sound ends up above ½ for any text).
/// With r &gt; 1 the loss's optimum puts z = 0 where a frame's class-balanced odds of being positive are r : 1, not 1 : 1.
/// </summary>
public static class DecisionLoss
{
    /// <summary>Same inputs as <see cref="FramewiseSigmoidLoss.Compute"/> without the bias, and r (<paramref name="negativeWeight"/>);
    /// a class with no frame adds nothing.</summary>
    public static Tensor Compute(Tensor localAudio, Tensor text, Tensor logitScale, Tensor labels, Tensor audioMask, Tensor textMask, double negativeWeight = 1.0)
    {
        using var scope = NewDisposeScope();
        var z = logitScale.view(1, -1, 1) * FramewiseSigmoidLoss.Similarity(localAudio, text);
        var mask = FramewiseSigmoidLoss.PairMask(audioMask, textMask, localAudio.dtype).unsqueeze(2).expand_as(z);
        var positive = labels.to_type(z.dtype) * mask;
        var negative = mask - positive;
        using var r = negativeWeight.ToScalar();
        using var norm = (1.0 / (1.0 + negativeWeight)).ToScalar();
        // softplus(∓z) = −log σ(±z)
        var loss = ClassMean(F.logsigmoid(z).neg(), positive).add(ClassMean(F.logsigmoid(z.neg()).neg(), negative), r) * norm;
        return loss.MoveToOuterDisposeScope();
    }

    // Σ weight·value / Σ weight, or 0 when the class is empty (clamping the count keeps the gradient finite).
    private static Tensor ClassMean(Tensor value, Tensor weight) => (value * weight).sum() / weight.sum().clamp_min(TorchScalars.One);
}

/// <summary>
/// Prior loss (paper Eq. 10, official <c>PriorLoss</c>): trains MLP_β alone to predict the batch's per-text
/// positive-frame rate p̄_j = Σ_{i,t} z[i,j,t] / (Σ_i audio_mask_i · T), as Σ_j text_mask_j·BCEWithLogits(β_j, p̄_j) / Σ_j text_mask_j.
/// As in the official code, positives of masked-out clips still count in the numerator.
/// </summary>
public static class PriorLoss
{
    /// <summary>logitBias β [K] (not detached: this is what trains it), labels [B, K, T], audioMask [B], textMask [K].</summary>
    public static Tensor Compute(Tensor logitBias, Tensor labels, Tensor audioMask, Tensor textMask)
    {
        using var scope = NewDisposeScope();
        long t = labels.shape[2];
        using var frames = t.ToScalar();
        var target = labels.sum(dim: 2).sum(dim: 0) / (audioMask.to_type(labels.dtype).sum() * frames);
        var weight = textMask.to_type(logitBias.dtype);
        weight = weight / weight.sum();
        var perText = F.binary_cross_entropy_with_logits(logitBias, target, reduction: nn.Reduction.None);
        var loss = (weight * perText).sum();
        return loss.MoveToOuterDisposeScope();
    }
}
