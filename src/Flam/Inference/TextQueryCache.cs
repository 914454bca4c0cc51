using Flam.Model;
using Flam.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Inference;

/// <summary>
/// The text side of frame scoring: each distinct query is encoded once (all new queries in one dynamically padded
/// batch) and its features, α and β are kept for the cache's lifetime. <see cref="Score(Tensor, IReadOnlyList{string})"/>
/// turns frame embeddings into calibrated probabilities with <see cref="FrameMaps.Unbiased"/> — whether the embeddings
/// were just computed from audio (<see cref="FlamFrameScorer"/>) or read back from storage (an audio index).
/// </summary>
public sealed class TextQueryCache : IDisposable
{
    private readonly FlamModel _model;
    private readonly ITextTokenizer _tokenizer;
    private readonly Device _device;
    private readonly Action<string>? _warn;
    private readonly Dictionary<string, CachedText> _cache = new(StringComparer.Ordinal);

    /// <summary>Text features of one query, kept outside any dispose scope until <see cref="Dispose"/>.</summary>
    private sealed record CachedText(Tensor Features, Tensor Scale, Tensor Bias);

    /// <summary>Creates a cache; <paramref name="warn"/> receives tokenizer warnings (over-long queries).</summary>
    public TextQueryCache(FlamModel model, ITextTokenizer tokenizer, Action<string>? warn = null)
    {
        _model = model;
        _tokenizer = tokenizer;
        _warn = warn;
        _device = model.parameters().First().device;
    }

    /// <summary>Distinct queries whose text features are cached.</summary>
    public int Count => _cache.Count;

    /// <summary>Encodes (once) the queries not seen before; tokenizer errors surface here, before any audio is read.</summary>
    public void Prepare(IReadOnlyList<string> queries)
    {
        var missing = queries.Distinct(StringComparer.Ordinal).Where(q => !_cache.ContainsKey(q)).ToArray();
        if (missing.Length == 0)
        {
            return;
        }
        var tokens = _tokenizer.EncodeBatch(missing, TokenPadding.Longest, _warn);
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(tokens.InputIds, [tokens.Count, tokens.Length], ScalarType.Int64).to(_device);
        var mask = tensor(tokens.AttentionMask, [tokens.Count, tokens.Length], ScalarType.Int64).to(_device);
        using var text = _model.EncodeText(ids, mask);
        // α as the maps use it: the per-text scale times exp(aed_logit_scale) (1 for the released model).
        var scale = text.LogitScale * _model.AedLogitScaleExp;
        for (var i = 0; i < missing.Length; i++)
        {
            _cache[missing[i]] = new CachedText(
                text.Features[i].clone().DetachFromDisposeScope(), scale[i].clone().DetachFromDisposeScope(), text.LogitBias[i].clone().DetachFromDisposeScope());
        }
    }

    /// <summary>
    /// Calibrated frame probabilities <c>[windows, queries, frames]</c> (paper Eq. 7, <see cref="FrameMaps.Unbiased"/>) of frame
    /// embeddings <paramref name="local"/> <c>[windows, frames, d]</c>.
    /// </summary>
    public float[,,] Score(Tensor local, IReadOnlyList<string> queries)
    {
        Prepare(queries);
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var text = stack(queries.Select(q => _cache[q].Features));
        var scale = stack(queries.Select(q => _cache[q].Scale));
        var bias = stack(queries.Select(q => _cache[q].Bias));
        var map = FrameMaps.Unbiased(local.to(_device), text, scale, bias, crossProduct: true).to(ScalarType.Float32).cpu(); // [B, N, T]
        var result = new float[map.shape[0], map.shape[1], map.shape[2]];
        var values = map.contiguous().data<float>().ToArray();
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(float));
        return result;
    }

    /// <summary>As <see cref="Score(Tensor, IReadOnlyList{string})"/> for stored embeddings: <paramref name="local"/> holds <c>windows × frames × d</c> values, frame-major.</summary>
    public float[,,] Score(float[] local, int windows, int frames, IReadOnlyList<string> queries)
    {
        if (local.Length != (long)windows * frames * _model.Config.JointEmbedDim)
        {
            throw new ArgumentException($"Expected {windows} × {frames} × {_model.Config.JointEmbedDim} values, got {local.Length}.", nameof(local));
        }
        using var scope = NewDisposeScope();
        return Score(tensor(local, [windows, frames, _model.Config.JointEmbedDim]), queries);
    }

    /// <summary>The query's unit-length text embedding e (<c>d</c> values): frames are ranked by ⟨a, e⟩, on which the calibrated probability increases.</summary>
    public float[] Embedding(string query)
    {
        Prepare([query]);
        using var scope = NewDisposeScope();
        return _cache[query].Features.to(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    /// <summary>
    /// The query's α (per-text scale times exp(aed_logit_scale)) and β as <see cref="FrameMaps.UnbiasedFromCosine"/>
    /// takes them: with <see cref="Embedding"/> they score stored frames without the network.
    /// </summary>
    public (float Scale, float Bias) Calibration(string query)
    {
        Prepare([query]);
        using var scope = NewDisposeScope();
        var cached = _cache[query];
        return (cached.Scale.to(ScalarType.Float32).cpu().item<float>(), cached.Bias.to(ScalarType.Float32).cpu().item<float>());
    }

    /// <summary>Frees the cached text features.</summary>
    public void Dispose()
    {
        foreach (var cached in _cache.Values)
        {
            cached.Features.Dispose();
            cached.Scale.Dispose();
            cached.Bias.Dispose();
        }
        _cache.Clear();
    }
}
