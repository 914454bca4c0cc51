using Flam.Synthesis;

namespace Flam.Training;

/// <summary>
/// Draws texts from a training vocabulary for the free text slots of SED batches: texts that occur in no clip of
/// the batch, so every frame of every clip is a negative for them. A draw depends only on its key, which keeps
/// training deterministic and resumable.
/// </summary>
public sealed class NegativeTextSampler
{
    private readonly string[] _pool;

    /// <summary>A sampler over the distinct normalised <paramref name="texts"/>.</summary>
    /// <exception cref="ArgumentException">No text.</exception>
    public NegativeTextSampler(IEnumerable<string> texts)
    {
        _pool = texts.Select(SedBatchBuilder.NormalizeText).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToArray();
        if (_pool.Length == 0) throw new ArgumentException("The negative text vocabulary is empty.");
    }

    /// <summary>Distinct texts in the vocabulary.</summary>
    public int Count => _pool.Length;

    /// <summary>
    /// Up to <paramref name="count"/> distinct texts not in <paramref name="exclude"/> (fewer when the vocabulary runs
    /// short), chosen by <paramref name="key"/>.
    /// </summary>
    public IReadOnlyList<string> Sample(int count, IReadOnlySet<string> exclude, ulong key)
    {
        var chosen = new List<string>(Math.Max(0, count));
        var taken = new HashSet<string>(StringComparer.Ordinal);
        // Rejection sampling with a bounded number of tries: a vocabulary mostly excluded yields fewer texts, never a hang.
        for (ulong attempt = 0; chosen.Count < count && attempt < 8UL * (ulong)count + 64; attempt++)
        {
            var text = _pool[(int)(SplitMix64.Mix(key ^ SplitMix64.Mix(attempt + 1)) % (ulong)_pool.Length)];
            if (!exclude.Contains(text) && taken.Add(text)) chosen.Add(text);
        }
        return chosen;
    }
}
