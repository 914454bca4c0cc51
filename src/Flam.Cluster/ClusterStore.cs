using Flam.Index;

namespace Flam.Cluster;

/// <summary>
/// The store all workers share: <c>STORE/shards/WORKER/</c> is worker WORKER's shard, a normal index folder that only
/// that worker writes and anyone may read (<c>flam index info --index</c> works on it).
/// </summary>
public static class ClusterStore
{
    /// <summary>The folder of the shards below the store.</summary>
    public const string ShardsFolder = "shards";

    /// <summary>The shard folder of worker <paramref name="worker"/>.</summary>
    public static string ShardFolder(string store, string worker) => Path.Combine(store, ShardsFolder, worker);

    /// <summary>The shard folders that hold an index, in name order.</summary>
    public static IReadOnlyList<string> Shards(string store)
    {
        var folder = Path.Combine(store, ShardsFolder);
        return Directory.Exists(folder)
            ? [.. Directory.EnumerateDirectories(folder).Where(d => IndexSettings.Read(d) is not null).Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>Opens every shard as last committed (never waiting for a worker); the caller disposes them.</summary>
    /// <exception cref="FlamException">No shard yet, a shard cannot be read, or the shards hold different models.</exception>
    public static List<AudioIndexReader> OpenAll(string store)
    {
        var shards = Shards(store);
        if (shards.Count == 0)
        {
            throw new FlamException($"The cluster store '{store}' holds no shard yet; index audio first with: flam index add AUDIO... --cluster CONN");
        }
        var readers = new List<AudioIndexReader>();
        try
        {
            foreach (var shard in shards) readers.Add(AudioIndexReader.Open(shard));
            ShardSearch.RequireOneModel(readers);
            return readers;
        }
        catch
        {
            foreach (var reader in readers) reader.Dispose();
            throw;
        }
    }

    /// <summary>Every file the shards hold (path → size and time), for a submitter to leave out what is indexed as it is.</summary>
    public static Dictionary<string, (long Size, long ModifiedTicks)> IndexedFiles(string store)
    {
        var files = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var shard in Shards(store))
        {
            using var reader = AudioIndexReader.Open(shard);
            foreach (var file in reader.Files) files[file.FullPath] = (file.Size, file.ModifiedTicks);
        }
        return files;
    }

    /// <summary>Whether a shard other than <paramref name="worker"/>'s holds <paramref name="file"/> with the same content.</summary>
    internal static bool HeldByAnotherShard(string store, string worker, PlannedFile file) =>
        Shards(store).Where(s => Path.GetFileName(s) != worker).Any(shard => AudioIndexReader.Holds(shard, file.FullPath, file.Sha256));
}
