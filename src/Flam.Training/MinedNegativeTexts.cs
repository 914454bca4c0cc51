using Flam.Inference;
using Flam.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>
/// Negative texts mined by the model being trained: the vocabulary texts it currently scores highest on a batch's
/// clips while no sound of the batch is described by them. These are the sounds it confuses ("glass breaking" on a
/// shotgun), which neighbours in sentence space (<see cref="NegativeTextSampler.WithNeighbours"/>) do not find: the
/// words are far apart, the sounds are not. Texts of the batch and their paraphrases (cosine above a cap in the frozen
/// sentence space, as for hard negatives) are never mined, so a present sound is not taught as absent.
/// </summary>
public sealed class MinedNegativeTexts : IDisposable
{
    // Texts scored at once, whatever the vocabulary's size: each [clips, texts, frames] tensor of a block is 50 MB
    // for 24 clips of 32 frames.
    private const int DefaultTextsPerBlock = 16384;

    private readonly string[] _texts;
    private readonly Dictionary<string, int> _positions;
    private readonly Tensor _unit; // [V, h] unit-length sentence embeddings, for the paraphrase cap
    private readonly float _maxSimilarity;
    private readonly int _textsPerBlock;

    /// <summary>
    /// A miner over <paramref name="texts"/> (normalised and distinct, as <see cref="NegativeTextSampler.Texts"/>),
    /// with their frozen sentence embeddings <paramref name="sentenceEmbeddings"/> <c>[texts, h]</c> (the text tower's
    /// outputs, one row per text, in that order; the miner keeps a copy).
    /// </summary>
    /// <exception cref="ArgumentException">No texts, or embeddings of another shape.</exception>
    public MinedNegativeTexts(IReadOnlyList<string> texts, Tensor sentenceEmbeddings, float maxSimilarity = NegativeTextSampler.DefaultMaxSimilarity)
        : this(texts, sentenceEmbeddings, maxSimilarity, DefaultTextsPerBlock)
    {
    }

    /// <summary>As the public constructor, scoring <paramref name="textsPerBlock"/> texts at a time (tests use small blocks).</summary>
    internal MinedNegativeTexts(IReadOnlyList<string> texts, Tensor sentenceEmbeddings, float maxSimilarity, int textsPerBlock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(textsPerBlock);
        if (texts.Count == 0) throw new ArgumentException("The mined negative vocabulary is empty.");
        if (sentenceEmbeddings.dim() != 2 || sentenceEmbeddings.shape[0] != texts.Count)
        {
            throw new ArgumentException($"Embeddings of shape [{string.Join(", ", sentenceEmbeddings.shape)}] for {texts.Count} texts.");
        }
        _texts = [.. texts];
        _positions = _texts.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        // Owned by the miner for its lifetime, whatever dispose scope is open now.
        using (var scope = NewDisposeScope())
        {
            SentenceEmbeddings = sentenceEmbeddings.detach().clone().DetachFromDisposeScope();
            _unit = nn.functional.normalize(SentenceEmbeddings.to(float32), dim: 1).DetachFromDisposeScope();
        }
        _maxSimilarity = maxSimilarity;
        _textsPerBlock = textsPerBlock;
    }

    /// <summary>The vocabulary, in the order of <see cref="SentenceEmbeddings"/>.</summary>
    public IReadOnlyList<string> Texts => _texts;

    /// <summary>The texts' sentence embeddings <c>[texts, h]</c>: the input of the model's text heads (<see cref="FlamModel.HeadsFromBranch"/>).</summary>
    public Tensor SentenceEmbeddings { get; }

    /// <summary>
    /// Up to <paramref name="count"/> texts, each clip's highest-scoring in turn (every clip's best, then every clip's
    /// second best, …; no text twice): the score of a text on a clip is its highest calibrated frame probability
    /// (paper Eq. 7). Texts in <paramref name="present"/> and the vocabulary texts within the paraphrase cap of one of
    /// them are skipped (a present text outside the vocabulary is skipped by name only).
    /// </summary>
    /// <param name="local">Frame features <c>[B, T, d]</c> of the clips to mine for.</param>
    /// <param name="heads">The vocabulary's text features under the current weights, one row per text of <see cref="Texts"/>.</param>
    /// <param name="aedLogitScale">exp(aed_logit_scale), which multiplies each text's scale α.</param>
    /// <param name="present">The batch's own texts, normalised.</param>
    /// <param name="count">How many texts at most.</param>
    public IReadOnlyList<string> Mine(Tensor local, TextFeatures heads, Tensor aedLogitScale, IReadOnlyCollection<string> present, int count)
    {
        if (heads.Features.shape[0] != _texts.Length)
        {
            throw new ArgumentException($"Text features for {heads.Features.shape[0]} texts, the vocabulary has {_texts.Length}.");
        }
        if (count <= 0 || local.shape[0] == 0) return [];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var frames = local.detach();
        var scale = heads.LogitScale.detach() * aedLogitScale.detach();
        var peaks = new List<Tensor>();
        for (long start = 0; start < _texts.Length; start += _textsPerBlock)
        {
            using var block = NewDisposeScope();
            long n = Math.Min(_textsPerBlock, _texts.Length - start);
            var probabilities = FrameMaps.Unbiased(frames, heads.Features.detach().narrow(0, start, n), scale.narrow(0, start, n),
                heads.LogitBias.detach().narrow(0, start, n), crossProduct: true);
            peaks.Add(probabilities.amax([-1]).MoveToOuterDisposeScope());
        }
        var scores = cat(peaks, 1).to(float32).cpu();
        var excluded = new bool[_texts.Length];
        var inVocabulary = present.Where(_positions.ContainsKey).Select(t => (long)_positions[t]).ToArray();
        if (inVocabulary.Length > 0)
        {
            using var cap = _maxSimilarity.ToScalar();
            var near = _unit.index_select(0, tensor(inVocabulary).to(_unit.device)).matmul(_unit.t()).amax([0]).gt(cap).cpu().data<bool>().ToArray();
            for (int v = 0; v < near.Length; v++) excluded[v] = near[v];
            foreach (var v in inVocabulary) excluded[v] = true;
        }
        var ranked = Rank(scores.data<float>().ToArray(), (int)scores.shape[0], _texts.Length, excluded, count);
        return [.. ranked.Select(v => _texts[v])];
    }

    /// <summary>
    /// The order of <see cref="Mine"/> from scores <c>[clips × texts]</c> (row-major): each clip's texts by falling
    /// score (ties by index), excluded ones skipped, taken rank by rank across the clips, without repeats, up to
    /// <paramref name="count"/>.
    /// </summary>
    internal static IReadOnlyList<int> Rank(float[] scores, int clips, int texts, bool[] excluded, int count)
    {
        var orders = Enumerable.Range(0, clips)
            .Select(b => Enumerable.Range(0, texts).Where(v => !excluded[v]).OrderByDescending(v => scores[(b * texts) + v]).ThenBy(v => v).ToArray())
            .ToArray();
        var chosen = new List<int>();
        var taken = new HashSet<int>();
        for (int rank = 0; chosen.Count < count && orders.Any(o => rank < o.Length); rank++)
        {
            foreach (var order in orders)
            {
                if (chosen.Count == count) break;
                if (rank < order.Length && taken.Add(order[rank])) chosen.Add(order[rank]);
            }
        }
        return chosen;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        SentenceEmbeddings.Dispose();
        _unit.Dispose();
    }
}
