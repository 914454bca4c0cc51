using Flam.Model;
using Flam.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Inference;

/// <summary>
/// <see cref="IFrameScorer"/> backed by a <see cref="FlamModel"/>: each batch of windows is encoded once and scored
/// against all queries at once with the calibrated frame map (paper Eq. 7). Text features are computed once per
/// distinct query (all new queries in one dynamically padded batch) and cached for the scorer's lifetime, so many
/// files cost one text encoding.
/// </summary>
public sealed class FlamFrameScorer : IFrameScorer, IDisposable
{
    private readonly FlamModel _model;
    private readonly ITextTokenizer _tokenizer;
    private readonly Device _device;
    private readonly Action<string>? _warn;
    private readonly Dictionary<string, CachedText> _cache = new(StringComparer.Ordinal);

    /// <summary>Text features of one query, kept outside any dispose scope until <see cref="Dispose"/>.</summary>
    private sealed record CachedText(Tensor Features, Tensor Scale, Tensor Bias);

    /// <summary>Creates a scorer; <paramref name="warn"/> receives tokenizer warnings (over-long queries).</summary>
    public FlamFrameScorer(FlamModel model, ITextTokenizer tokenizer, Action<string>? warn = null)
    {
        _model = model;
        _tokenizer = tokenizer;
        _warn = warn;
        _device = model.parameters().First().device;
    }

    /// <summary>Distinct queries whose text features are cached.</summary>
    public int CachedQueryCount => _cache.Count;

    /// <summary>Encodes (once) the queries not seen before; tokenizer errors surface here, before any audio is read.</summary>
    public void PrepareQueries(IReadOnlyList<string> queries)
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

    /// <inheritdoc/>
    public float[,,] Score(IReadOnlyList<float[]> windows, IReadOnlyList<string> queries)
    {
        PrepareQueries(queries);
        var samples = windows[0].Length;
        var flat = new float[windows.Count * samples];
        for (var w = 0; w < windows.Count; w++)
        {
            windows[w].CopyTo(flat, w * samples);
        }
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var waveform = tensor(flat, [windows.Count, samples]).to(_device);
        using var audio = _model.EncodeAudio(waveform);
        var text = stack(queries.Select(q => _cache[q].Features));
        var scale = stack(queries.Select(q => _cache[q].Scale));
        var bias = stack(queries.Select(q => _cache[q].Bias));
        var map = FrameMaps.Unbiased(audio.Local, text, scale, bias, crossProduct: true).to(ScalarType.Float32).cpu(); // [B, N, T]
        var result = new float[map.shape[0], map.shape[1], map.shape[2]];
        var values = map.contiguous().data<float>().ToArray();
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(float));
        return result;
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
