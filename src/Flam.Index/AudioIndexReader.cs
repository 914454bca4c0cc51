namespace Flam.Index;

/// <summary>
/// An index opened for searching: its settings, files and memory-mapped segments as of the last commit. Opening never
/// waits for a running <c>index add</c>, and what that run commits later is not seen.
/// </summary>
public sealed class AudioIndexReader : IDisposable
{
    private readonly Dictionary<int, MappedSegment> _segments;

    private AudioIndexReader(string folder, IndexSettings settings, IReadOnlyList<IndexedFile> files, Dictionary<int, MappedSegment> segments)
    {
        Folder = folder;
        Settings = settings;
        Files = files;
        _segments = segments;
        Layout = new IndexLayout(settings);
        var starts = new long[files.Count + 1];
        for (var f = 0; f < files.Count; f++) starts[f + 1] = starts[f] + files[f].Windows;
        WindowStarts = starts;
        _fileOfWindow = new(() =>
        {
            var fileOf = new int[starts[^1]];
            for (var f = 0; f < files.Count; f++) Array.Fill(fileOf, f, (int)starts[f], files[f].Windows);
            return fileOf;
        });
    }

    private readonly Lazy<int[]> _fileOfWindow;
    private ClusterLists? _clusters;
    private bool _clustersRead;
    private readonly Lock _clustersLock = new();

    /// <summary>
    /// The index's clusters with their windows (<see cref="FrameClusters"/>), read on first use; null when the index is
    /// not clustered (small, or made before clustering).
    /// </summary>
    internal ClusterLists? Clusters
    {
        get
        {
            lock (_clustersLock)
            {
                if (!_clustersRead)
                {
                    using var catalog = IndexCatalog.Open(Folder, write: false);
                    var (centroids, trained, assigned) = catalog.Clusters();
                    _clusters = centroids is null ? null : new ClusterLists(new FrameClusters(Settings.Dimension, centroids, trained), Files, WindowStarts, Settings.FramesPerWindow, assigned);
                    _clustersRead = true;
                }
                return _clusters;
            }
        }
    }

    /// <summary>The index folder.</summary>
    public string Folder { get; }

    /// <summary>What the index was built with.</summary>
    public IndexSettings Settings { get; }

    /// <summary>The indexed files, in the order they were committed.</summary>
    public IReadOnlyList<IndexedFile> Files { get; }

    /// <summary>Windows in the index.</summary>
    public long Windows => WindowStarts[^1];

    internal IndexLayout Layout { get; }

    /// <summary>Global number of each file's first window (and the total at the end): windows are numbered file after file.</summary>
    internal long[] WindowStarts { get; }

    /// <summary>The file (position in <see cref="Files"/>) of each global window number; made once per reader, not per search.</summary>
    internal int[] FileOfWindow => _fileOfWindow.Value;

    /// <summary>Opens the index in <paramref name="folder"/> as last committed.</summary>
    /// <exception cref="FlamException">No index there, or a segment is missing or shorter than the index says.</exception>
    public static AudioIndexReader Open(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new FlamException($"The index folder '{folder}' does not exist; build one with: flam index add AUDIO... --index {folder}");
        }
        using var catalog = IndexCatalog.Open(folder, write: false);
        var (settings, files, segments) = catalog.Committed(folder);
        var layout = new IndexLayout(settings);
        var mapped = new Dictionary<int, MappedSegment>();
        try
        {
            foreach (var segment in segments)
            {
                mapped[segment.Id] = MappedSegment.Open(folder, segment, layout.FrameBytesPerWindow, layout.KeyBytesPerWindow);
            }
            foreach (var file in files.Where(f => !mapped.TryGetValue(f.Segment, out var s) || f.FirstWindow + f.Windows > s.Windows))
            {
                throw new FlamException($"The index '{folder}' is damaged: '{file.Path}' refers to windows its segment {file.Segment} does not have. Build the index again.");
            }
        }
        catch
        {
            foreach (var segment in mapped.Values) segment.Dispose();
            throw;
        }
        return new AudioIndexReader(folder, settings, files, mapped);
    }

    /// <summary>
    /// Whether the index in <paramref name="folder"/> holds <paramref name="fullPath"/> with content
    /// <paramref name="sha256"/> as last committed. Reads one catalog row, not the index: for a check made per file.
    /// </summary>
    /// <exception cref="FlamException">The folder holds no index or its database is damaged.</exception>
    public static bool Holds(string folder, string fullPath, string sha256)
    {
        using var catalog = IndexCatalog.Open(folder, write: false);
        return catalog.Holds(fullPath, sha256);
    }

    /// <summary>The frame records of file <paramref name="file"/>'s windows <paramref name="first"/> .. +<paramref name="count"/>.</summary>
    internal ReadOnlySpan<byte> Frames(int file, int first, int count) => _segments[Files[file].Segment].Frames(Files[file].FirstWindow + first, count);

    /// <summary>The key of one window of a file.</summary>
    internal ReadOnlySpan<byte> Key(int file, int window) => _segments[Files[file].Segment].Key(Files[file].FirstWindow + window);

    /// <summary>All frame embeddings of a file as <c>windows × frames × d</c> values.</summary>
    public float[] Embeddings(int file) => Layout.Decode(Frames(file, 0, Files[file].Windows), Files[file].Windows);

    public void Dispose()
    {
        // Idempotent, as IDisposable asks: a mapping released twice would throw.
        foreach (var segment in _segments.Values) segment.Dispose();
        _segments.Clear();
    }
}
