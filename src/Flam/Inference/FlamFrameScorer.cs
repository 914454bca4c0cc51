using Flam.Model;
using Flam.Model.Text;
using static TorchSharp.torch;

namespace Flam.Inference;

/// <summary>
/// <see cref="IFrameScorer"/> backed by a <see cref="FlamModel"/>: each batch of windows is encoded once
/// (<see cref="FrameEmbeddingEncoder"/>) and scored against all queries at once with the calibrated frame map (paper
/// Eq. 7) by a <see cref="TextQueryCache"/>, which encodes each distinct query once for the scorer's lifetime, so many
/// files cost one text encoding.
/// </summary>
public sealed class FlamFrameScorer : IFrameScorer, IDisposable
{
    private readonly FrameEmbeddingEncoder _audio;
    private readonly TextQueryCache _texts;

    /// <summary>Creates a scorer; <paramref name="warn"/> receives tokenizer warnings (over-long queries).</summary>
    public FlamFrameScorer(FlamModel model, ITextTokenizer tokenizer, Action<string>? warn = null)
    {
        _audio = new FrameEmbeddingEncoder(model);
        _texts = new TextQueryCache(model, tokenizer, warn);
    }

    /// <summary>Distinct queries whose text features are cached.</summary>
    public int CachedQueryCount => _texts.Count;

    /// <summary>Encodes (once) the queries not seen before; tokenizer errors surface here, before any audio is read.</summary>
    public void PrepareQueries(IReadOnlyList<string> queries) => _texts.Prepare(queries);

    /// <inheritdoc/>
    public float[,,] Score(IReadOnlyList<float[]> windows, IReadOnlyList<string> queries)
    {
        PrepareQueries(queries);
        using var scope = NewDisposeScope();
        return _texts.Score(_audio.EncodeLocal(windows), queries);
    }

    /// <summary>Frees the cached text features.</summary>
    public void Dispose() => _texts.Dispose();
}
