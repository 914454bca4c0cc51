using static TorchSharp.torch;

namespace Flam.Model;

/// <summary>Everything the audio side of FLAM computes for a batch of clips.</summary>
/// <param name="FineGrained">HTSAT frame features f_a(x)_t, [B, T, C] (T = 32 for 10 s).</param>
/// <param name="Embedding">HTSAT clip embedding (mean over all final tokens), [B, C].</param>
/// <param name="Local">Frame embeddings a_{i,t} = norm(MLP_a(f_a(x)_t)), [B, T, d].</param>
/// <param name="GlobalMeanOfLocal">FLAM's global embedding norm(MLP_a(mean_t f_a(x)_t)), [B, d] (used by the global loss).</param>
/// <param name="GlobalEmbeddingPath">CLAP-style global embedding norm(MLP_a(embedding)), [B, d] (what OpenFLAM's get_global_audio_features returns).</param>
public sealed record AudioFeatures(Tensor FineGrained, Tensor Embedding, Tensor Local, Tensor GlobalMeanOfLocal, Tensor GlobalEmbeddingPath) : IDisposable
{
    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        FineGrained.Dispose();
        Embedding.Dispose();
        Local.Dispose();
        GlobalMeanOfLocal.Dispose();
        GlobalEmbeddingPath.Dispose();
    }
}

/// <summary>Everything the text side of FLAM computes for a batch of queries.</summary>
/// <param name="BranchOutput">Text branch output u(y) (RoBERTa pooler output), [N, h].</param>
/// <param name="Features">Text embeddings e_j = norm(MLP_t(u(y_j))), [N, d].</param>
/// <param name="LogitBias">Per-text logit bias β(y) = MLP_β(u), [N].</param>
/// <param name="LogitScale">Per-text logit scale exp(MLP_α(u)), [N] (exp applied; not yet multiplied by exp(aed_logit_scale)).</param>
public sealed record TextFeatures(Tensor BranchOutput, Tensor Features, Tensor LogitBias, Tensor LogitScale) : IDisposable
{
    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        BranchOutput.Dispose();
        Features.Dispose();
        LogitBias.Dispose();
        LogitScale.Dispose();
    }
}
