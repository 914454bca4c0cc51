using Flam.Index;

namespace Flam.Server;

/// <summary>
/// The index a server searches: one index folder, or the shards of a cluster searched as one index (<see cref="ShardSearch"/>).
/// A file's id in the API is its catalog id with its shard's position above bit 40, so the ids of a single index are its
/// catalog ids.
/// </summary>
/// <param name="Location">What the search reports name as the index (its folder, or the cluster's store).</param>
/// <param name="Shards">The indexes, all built with the same model and settings.</param>
public sealed record ServedIndex(string Location, IReadOnlyList<AudioIndexReader> Shards) : IDisposable
{
    private const int ShardShift = 40;

    private bool _disposed;

    /// <summary>One index folder.</summary>
    public static ServedIndex Open(string folder) => new(folder, [AudioIndexReader.Open(folder)]);

    /// <summary>The settings every shard shares (the first shard's).</summary>
    public IndexSettings Settings => Shards[0].Settings;

    /// <summary>Every file of every shard with its API id.</summary>
    public IEnumerable<(long Id, AudioIndexReader Shard, IndexedFile File)> Files =>
        Shards.SelectMany((shard, s) => shard.Files.Select(f => (((long)s << ShardShift) | f.Id, shard, f)));

    /// <summary>The shard and position in its <see cref="AudioIndexReader.Files"/> of the file with API id <paramref name="id"/>.</summary>
    public (AudioIndexReader Shard, int File)? Find(long id)
    {
        var s = id >> ShardShift;
        var catalogId = id & ((1L << ShardShift) - 1);
        if (id < 0 || s >= Shards.Count)
        {
            return null;
        }
        var files = Shards[(int)s].Files;
        for (var f = 0; f < files.Count; f++)
        {
            if (files[f].Id == catalogId)
            {
                return (Shards[(int)s], f);
            }
        }
        return null;
    }

    /// <summary>Closes every shard (once; later calls do nothing).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var shard in Shards)
        {
            shard.Dispose();
        }
    }
}
