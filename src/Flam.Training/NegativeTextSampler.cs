using Flam.Synthesis;
using TorchSharp;

namespace Flam.Training;

/// <summary>
/// Draws texts from a training vocabulary for the free text slots of SED batches: texts that occur in no clip of
/// the batch, so every frame of every clip is a negative for them. A draw depends only on its key (and the batch's own
/// texts), which keeps training deterministic and resumable. With neighbours (<see cref="WithNeighbours"/>), part of a
/// draw are <b>hard negatives</b>: the vocabulary texts nearest a batch text in a sentence-embedding space ("a cat
/// meowing" for "a dog barking"), below a similarity cap so that paraphrases of a present sound ("dogs barking") are
/// not taught as absent.
/// </summary>
public sealed class NegativeTextSampler
{
    private readonly string[] _pool;
    private readonly Dictionary<string, int> _positions;
    private int[][] _neighbours = []; // per pool text: nearer pool texts first, each below the cap

    /// <summary>A sampler over the distinct normalised <paramref name="texts"/>.</summary>
    /// <exception cref="ArgumentException">No text.</exception>
    public NegativeTextSampler(IEnumerable<string> texts)
    {
        _pool = texts.Select(SedBatchBuilder.NormalizeText).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToArray();
        if (_pool.Length == 0) throw new ArgumentException("The negative text vocabulary is empty.");
        _positions = _pool.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>The vocabulary, normalised, distinct and in ordinal order (the order <see cref="WithNeighbours"/> expects embeddings in).</summary>
    public IReadOnlyList<string> Texts => _pool;

    /// <summary>Whether hard negatives can be drawn (<see cref="WithNeighbours"/> was called).</summary>
    public bool HasNeighbours => _neighbours.Length > 0;

    /// <summary>
    /// Finds each vocabulary text's <paramref name="count"/> nearest others by cosine of <paramref name="embeddings"/>
    /// (<c>[texts, d]</c>, one row per text of <see cref="Texts"/>, in that order), leaving out those above
    /// <paramref name="maxSimilarity"/> (paraphrases).
    /// </summary>
    public void WithNeighbours(torch.Tensor embeddings, int count = DefaultNeighbours, float maxSimilarity = DefaultMaxSimilarity)
    {
        if (embeddings.dim() != 2 || embeddings.shape[0] != _pool.Length)
        {
            throw new ArgumentException($"Embeddings of shape [{string.Join(", ", embeddings.shape)}] for {_pool.Length} texts.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var n = _pool.Length;
        var neighbours = new int[n][];
        using var scope = torch.NewDisposeScope();
        var unit = torch.nn.functional.normalize(embeddings.to(torch.float32), dim: 1);
        const int Block = 256; // rows of the similarity matrix at once
        for (var start = 0; start < n; start += Block)
        {
            var rows = Math.Min(Block, n - start);
            using var similarities = unit.narrow(0, start, rows).matmul(unit.t());
            var values = similarities.data<float>().ToArray();
            Parallel.For(0, rows, r =>
            {
                var i = start + r;
                var similar = new PriorityQueue<int, float>(); // min-heap of the nearest kept so far
                for (var j = 0; j < n; j++)
                {
                    var cosine = values[(r * n) + j];
                    if (j == i || cosine > maxSimilarity) continue;
                    similar.Enqueue(j, cosine);
                    if (similar.Count > count) similar.Dequeue();
                }
                var nearest = new int[similar.Count];
                for (var k = nearest.Length - 1; k >= 0; k--) nearest[k] = similar.Dequeue();
                neighbours[i] = nearest;
            });
        }
        _neighbours = neighbours;
    }

    /// <summary>
    /// The default similarity cap of hard negatives. all-MiniLM-L6-v2 cosines (measured): paraphrases 0.84–0.91 ("a dog
    /// barking" / "dogs barking", "a door knock" / "knocking on a door"), "laughter" / "people laughing" 0.62, "a dog
    /// barking" / "a dog growling" 0.73; other sounds 0.3–0.5 ("rain" / "thunder" 0.50, "keys jingling" / "typing on a
    /// keyboard" 0.43, "a dog barking" / "a cat meowing" 0.40). The cap errs on the side of never teaching a present
    /// sound as absent.
    /// </summary>
    public const float DefaultMaxSimilarity = 0.6f;

    /// <summary>Neighbours kept per text by default.</summary>
    public const int DefaultNeighbours = 16;

    /// <summary>Distinct texts in the vocabulary.</summary>
    public int Count => _pool.Length;

    /// <summary>
    /// Up to <paramref name="count"/> distinct texts not in <paramref name="exclude"/> (fewer when the vocabulary runs
    /// short), chosen by <paramref name="key"/>.
    /// </summary>
    public IReadOnlyList<string> Sample(int count, IReadOnlySet<string> exclude, ulong key) => Sample(count, exclude, key, [], 0);

    /// <summary>
    /// As <see cref="Sample(int, IReadOnlySet{string}, ulong)"/>, with about <paramref name="hardFraction"/> of the texts
    /// hard negatives of <paramref name="positives"/> (each's nearest in turn, nearest first; needs
    /// <see cref="WithNeighbours"/>), the rest drawn at random.
    /// </summary>
    public IReadOnlyList<string> Sample(int count, IReadOnlySet<string> exclude, ulong key, IReadOnlyList<string> positives, double hardFraction)
    {
        var chosen = new List<string>(Math.Max(0, count));
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var hard = HasNeighbours ? (int)Math.Round(Math.Clamp(hardFraction, 0, 1) * count) : 0;
        var lists = hard == 0 ? [] : positives.Select(p => _positions.TryGetValue(p, out var i) ? _neighbours[i] : []).Where(l => l.Length > 0).ToList();
        for (var rank = 0; chosen.Count < hard && lists.Any(l => rank < l.Length); rank++)
        {
            foreach (var list in lists)
            {
                if (chosen.Count >= hard) break;
                if (rank < list.Length && _pool[list[rank]] is var text && !exclude.Contains(text) && taken.Add(text)) chosen.Add(text);
            }
        }
        // Rejection sampling with a bounded number of tries: a vocabulary mostly excluded yields fewer texts, never a hang.
        for (ulong attempt = 0; chosen.Count < count && attempt < 8UL * (ulong)count + 64; attempt++)
        {
            var text = _pool[(int)(SplitMix64.Mix(key ^ SplitMix64.Mix(attempt + 1)) % (ulong)_pool.Length)];
            if (!exclude.Contains(text) && taken.Add(text)) chosen.Add(text);
        }
        return chosen;
    }
}
