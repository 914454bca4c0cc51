using Flam.Runtime;
using static TorchSharp.torch;

namespace Flam.Inference;

/// <summary>
/// Frame-wise activation maps of FLAM (OpenFLAM <c>hook.py</c>). Both functions L2-normalise their feature inputs.
/// With <c>crossProduct</c> every clip is paired with every text ([B, N, T]); without it clip i is paired with
/// text i ([B, T], needs N ≥ B and uses the first B texts).
/// </summary>
public static class FrameMaps
{
    /// <summary>
    /// Calibrated (unbiased) output, paper Eq. 7: p = σ(α⟨a,e⟩ + β), s = p / (p + σ(β)). An event is present where s &gt; 0.5.
    /// </summary>
    /// <param name="local">Frame features [B, T, d].</param>
    /// <param name="text">Text features [N, d].</param>
    /// <param name="logitScale">α per text [N] (per-text scale × exp(aed_logit_scale)).</param>
    /// <param name="logitBias">β per text [N].</param>
    /// <param name="crossProduct">All pairs ([B, N, T]) or matched pairs ([B, T]).</param>
    public static Tensor Unbiased(Tensor local, Tensor text, Tensor logitScale, Tensor logitBias, bool crossProduct)
    {
        using var scope = NewDisposeScope();
        var (similarity, scale, bias) = Align(local, text, logitScale, logitBias, crossProduct);
        var p = (similarity * scale).add_(bias, TorchScalars.One).sigmoid();
        return (p / p.add(bias.sigmoid(), TorchScalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <see cref="Unbiased(Tensor, Tensor, Tensor, Tensor, bool)"/> of one frame from its cosine similarity with the text:
    /// σ(α·cos + β) / (σ(α·cos + β) + σ(β)), in float32 as the tensor version computes it.
    /// </summary>
    /// <param name="cosine">⟨â, ê⟩ of the unit-length frame and text features.</param>
    /// <param name="logitScale">α of the text.</param>
    /// <param name="logitBias">β of the text.</param>
    public static float UnbiasedFromCosine(float cosine, float logitScale, float logitBias)
    {
        var p = Sigmoid(cosine * logitScale + logitBias);
        return p / (p + Sigmoid(logitBias));
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Approximation for very negative β, paper Eq. 8: s ≈ σ(α⟨a,e⟩).</summary>
    /// <param name="local">Frame features [B, T, d].</param>
    /// <param name="text">Text features [N, d].</param>
    /// <param name="logitScale">α per text [N].</param>
    /// <param name="crossProduct">All pairs ([B, N, T]) or matched pairs ([B, T]).</param>
    public static Tensor Approximate(Tensor local, Tensor text, Tensor logitScale, bool crossProduct)
    {
        using var scope = NewDisposeScope();
        var (similarity, scale, _) = Align(local, text, logitScale, null, crossProduct);
        return (similarity * scale).sigmoid().MoveToOuterDisposeScope();
    }

    private static (Tensor Similarity, Tensor Scale, Tensor Bias) Align(Tensor local, Tensor text, Tensor logitScale, Tensor? logitBias, bool crossProduct)
    {
        if (local.dim() != 3 || text.dim() != 2 || local.shape[2] != text.shape[1])
        {
            throw new ArgumentException($"Expected local [B,T,d] and text [N,d] with the same d; got [{string.Join(",", local.shape)}] and [{string.Join(",", text.shape)}].");
        }
        var a = nn.functional.normalize(local, dim: -1);
        var e = nn.functional.normalize(text, dim: -1);
        var bias = logitBias ?? zeros_like(logitScale);
        if (crossProduct)
        {
            // [B,T,d] x [N,d] -> [B,N,T]
            var sim = einsum("btd,nd->bnt", a, e);
            return (sim, logitScale.reshape(1, -1, 1), bias.reshape(1, -1, 1));
        }
        long b = local.shape[0];
        if (text.shape[0] < b)
        {
            throw new ArgumentException($"Matched pairs need at least as many texts ({text.shape[0]}) as clips ({b}).");
        }
        var matched = einsum("btd,bd->bt", a, e[..(int)b]);
        return (matched, logitScale[..(int)b].reshape(-1, 1), bias[..(int)b].reshape(-1, 1));
    }
}
