using Flam.Inference;

namespace Flam.Index;

/// <summary>
/// Search over several shards with the answer one index of all their files gives: each shard's exact top-k per query
/// (<see cref="IndexSearch"/>; a file's events depend on that file alone), merged in the order of a single index's search
/// (best <see cref="SearchHit.Max"/> first, then file, then onset) and cut to k.
/// </summary>
public static class ShardSearch
{
    /// <summary>
    /// The <paramref name="top"/> best events of each distinct text query over all <paramref name="shards"/>, query after
    /// query; <paramref name="exact"/> reads by the exact bounds even in clustered shards (<see cref="IndexSearch"/>).
    /// </summary>
    public static List<SearchHit> SearchTexts(IReadOnlyList<AudioIndexReader> shards, IReadOnlyList<string> queries, TextQueryCache texts,
        DetectionOptions options, int top, bool exact = false)
    {
        var perShard = shards.Select(s => new IndexSearch(s, exact: exact).SearchTexts(queries, texts, options, top)).ToList();
        return [.. queries.Distinct(StringComparer.Ordinal).SelectMany(q => Merge(perShard.Select(hits => hits.Where(h => h.Query == q)), top))];
    }

    /// <summary>The best events of one query by example over all shards (<paramref name="search"/>: one shard's top-k).</summary>
    public static List<SearchHit> Search(IReadOnlyList<AudioIndexReader> shards, Func<IndexSearch, IReadOnlyList<SearchHit>> search, int top, bool exact = false) =>
        [.. Merge(shards.Select(s => search(new IndexSearch(s, exact: exact))), top)];

    /// <summary>Refuses shards built with different models: their frames live in different spaces, so one query cannot rank them together.</summary>
    /// <exception cref="FlamException">Two shards' model ids differ.</exception>
    public static void RequireOneModel(IReadOnlyList<AudioIndexReader> shards)
    {
        var first = shards[0];
        if (shards.FirstOrDefault(s => s.Settings.ModelId != first.Settings.ModelId) is { } other)
        {
            throw new FlamException($"The shards '{first.Folder}' and '{other.Folder}' were built with different models ({first.Settings.ModelName}, {other.Settings.ModelName}); they cannot be searched together.");
        }
    }

    /// <summary>The <paramref name="top"/> best of the shards' hits of one query, in a single index's order.</summary>
    public static IEnumerable<SearchHit> Merge(IEnumerable<IEnumerable<SearchHit>> perShard, int top) => perShard.SelectMany(h => h)
        .OrderByDescending(h => h.Max).ThenBy(h => h.File, StringComparer.Ordinal).ThenBy(h => h.Onset).Take(top);
}
