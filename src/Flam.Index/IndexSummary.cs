using Flam.IO;

namespace Flam.Index;

/// <summary>What <c>flam index info</c> reports.</summary>
/// <param name="Settings">What the index was built with.</param>
/// <param name="Files">Indexed files.</param>
/// <param name="Seconds">Audio indexed, in seconds.</param>
/// <param name="Windows">Windows of the indexed files.</param>
/// <param name="UnusedWindows">Windows kept in segments for files removed or re-indexed since (space a rebuild would free).</param>
/// <param name="BytesOnDisk">Bytes of every file in the index folder.</param>
/// <param name="State">"ok", or what is wrong or going on.</param>
/// <param name="FirstStage">How a search picks the windows it reads: by exact bounds, or from the nearest clusters (<see cref="FrameClusters"/>).</param>
public sealed record IndexSummary(IndexSettings Settings, int Files, double Seconds, long Windows, long UnusedWindows, long BytesOnDisk, string State, string FirstStage)
{
    /// <summary>Reads the summary of the index in <paramref name="folder"/> without mapping its segments (so a damaged index is described, not refused).</summary>
    public static IndexSummary Read(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new FlamException($"The index folder '{folder}' does not exist.");
        }
        using var catalog = IndexCatalog.Open(folder, write: false);
        var (settings, files, segments) = catalog.Committed(folder);
        var layout = new IndexLayout(settings);
        var problems = new List<string>();
        var interrupted = false;
        foreach (var segment in segments)
        {
            foreach (var (path, length) in new[]
            {
                (SegmentFiles.Frames(folder, segment.Id), segment.Windows * layout.FrameBytesPerWindow),
                (SegmentFiles.Keys(folder, segment.Id), segment.Windows * layout.KeyBytesPerWindow),
            })
            {
                var actual = File.Exists(path) ? new FileInfo(path).Length : -1;
                if (actual < length)
                {
                    problems.Add($"damaged: '{path}' is {(actual < 0 ? "missing" : $"truncated ({actual} of {length} bytes)")}; 'flam index add' on the same audio repairs it");
                }
                interrupted |= actual > length;
            }
        }
        var lockPath = Path.Combine(folder, OutputLock.FileName);
        if (File.Exists(lockPath))
        {
            if (IsHeld(lockPath))
            {
                problems.Add("being written by a running 'flam index add' (searches see its committed files)");
            }
            else
            {
                interrupted = true;
            }
        }
        if (interrupted && problems.Count == 0)
        {
            problems.Add("an indexing run was interrupted; everything it committed is searchable, and the next 'flam index add' finishes the rest");
        }
        var bytes = new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        var windows = files.Sum(f => (long)f.Windows);
        var (centroids, trained, assigned) = catalog.Clusters(blobs: false);
        var firstStage = centroids is null
            ? $"exact window bounds (an index of {FrameClusters.MinimumWindows} windows or more is clustered)"
            : $"{centroids.Length / settings.Dimension} clusters trained on {trained} windows; {files.Count(f => assigned.ContainsKey(f.Id))} of {files.Count} files assigned";
        return new IndexSummary(settings, files.Count, files.Sum(f => (double)f.Samples) / settings.SampleRate, windows,
            segments.Sum(s => s.Windows) - windows, bytes, problems.Count == 0 ? "ok" : string.Join("; ", problems), firstStage);
    }

    private static bool IsHeld(string lockPath)
    {
        try
        {
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
