using System.Security.Cryptography;
using Flam.Audio;
using Flam.Inference;
using Flam.IO;

namespace Flam.Index;

/// <summary>A file to (re)index, with what identifies its content.</summary>
/// <param name="Input">The file as given.</param>
/// <param name="FullPath">Its absolute path.</param>
/// <param name="Size">Bytes.</param>
/// <param name="ModifiedTicks">Last write time, UTC ticks.</param>
/// <param name="Sha256">SHA-256 of the content (hex).</param>
public sealed record PlannedFile(AudioInput Input, string FullPath, long Size, long ModifiedTicks, string Sha256);

/// <summary>What <c>index add</c> will do.</summary>
/// <param name="ToIndex">New files and files whose content changed.</param>
/// <param name="Touched">Files whose size or time changed but whose content did not: only their record is updated.</param>
/// <param name="Unchanged">Files already indexed as they are.</param>
/// <param name="Removed">Indexed files under the given paths that no longer exist.</param>
/// <param name="Failed">Inputs that cannot be indexed, with the reason.</param>
public sealed record IndexPlan(
    IReadOnlyList<PlannedFile> ToIndex, IReadOnlyList<PlannedFile> Touched, int Unchanged, IReadOnlyList<IndexedFile> Removed,
    IReadOnlyList<(AudioInput Input, string Reason)> Failed);

/// <summary>
/// Adds audio to an index folder, incrementally and safely: the folder is locked (<see cref="OutputLock"/>) for one writer;
/// a file's windows are appended to the current segment and made durable before one catalog transaction commits them,
/// so a run killed at any moment leaves the index as it was after its last committed file, and the next run cuts off
/// what was appended after it.
/// </summary>
public sealed class AudioIndexer : IDisposable
{
    /// <summary>The command named in the lock's holder record.</summary>
    public const string LockCommand = "flam index add";

    private readonly string _folder;
    private readonly OutputLock _lock;
    private readonly IndexCatalog _catalog;
    private readonly IndexLayout _layout;
    private readonly Dictionary<string, IndexedFile> _files;
    private SegmentWriter _writer;

    private AudioIndexer(string folder, OutputLock outputLock, IndexCatalog catalog, IndexSettings settings, SegmentWriter writer, List<IndexedFile> files)
    {
        _folder = folder;
        _lock = outputLock;
        _catalog = catalog;
        Settings = settings;
        _layout = new IndexLayout(settings);
        _writer = writer;
        _files = files.ToDictionary(f => f.FullPath, StringComparer.Ordinal);
    }

    /// <summary>The index's settings.</summary>
    public IndexSettings Settings { get; }

    /// <summary>The detector grid windows are cut on.</summary>
    public DetectionOptions Detection => Settings.Detection(DetectionOptions.Default.Threshold, DetectionOptions.Default.MedianFrames);

    /// <summary>
    /// Locks <paramref name="folder"/> (created if missing), creates or opens its index, checks that vectors made with
    /// <paramref name="run"/> may join it, and repairs what an interrupted or damaged run left (said through <paramref name="note"/>).
    /// </summary>
    /// <exception cref="FlamException">Another process holds the folder, it cannot be written, or the settings disagree.</exception>
    public static AudioIndexer Open(string folder, IndexSettings run, bool storageChosen, bool hopChosen, Action<string> note)
    {
        if (File.Exists(folder))
        {
            throw new FlamException($"--index '{folder}' is a file, not a folder.");
        }
        var outputLock = OutputLock.Acquire(folder, LockCommand);
        IndexCatalog? catalog = null;
        try
        {
            catalog = IndexCatalog.Open(folder, write: true);
            var meta = catalog.Meta();
            IndexSettings settings;
            if (meta.Count == 0)
            {
                settings = run;
                catalog.InTransaction(t => catalog.WriteMeta(t, run.ToMeta()));
            }
            else
            {
                settings = IndexSettings.FromMeta(meta, folder);
                settings.CheckCompatible(run, storageChosen, hopChosen, folder);
            }
            var layout = new IndexLayout(settings);
            var writer = Repair(folder, catalog, layout, note);
            return new AudioIndexer(folder, outputLock, catalog, settings, writer, catalog.Files());
        }
        catch
        {
            catalog?.Dispose();
            outputLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Cuts off what a killed run appended after its last commit, drops the files whose vectors a damaged (truncated)
    /// segment lost, removes segment files no commit refers to, and opens the segment new files go to.
    /// </summary>
    private static SegmentWriter Repair(string folder, IndexCatalog catalog, IndexLayout layout, Action<string> note)
    {
        var segments = catalog.Segments();
        foreach (var segment in segments)
        {
            static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
            var complete = Math.Min(Length(SegmentFiles.Frames(folder, segment.Id)) / layout.FrameBytesPerWindow,
                Length(SegmentFiles.Keys(folder, segment.Id)) / layout.KeyBytesPerWindow);
            if (complete < segment.Windows)
            {
                var lost = catalog.Files().Where(f => f.Segment == segment.Id && f.FirstWindow + f.Windows > complete).ToList();
                catalog.InTransaction(t =>
                {
                    foreach (var file in lost) catalog.DeleteFile(t, file.FullPath);
                    catalog.SetSegmentWindows(t, segment.Id, complete);
                });
                note($"index segment {segment.Id} was truncated ({complete} of {segment.Windows} windows left): {lost.Count} file(s) lost their vectors " +
                    $"and were dropped from the index ({string.Join(", ", lost.Take(5).Select(f => f.Path))}{(lost.Count > 5 ? ", ..." : "")}); they are indexed again when given.");
            }
            using (new SegmentWriter(folder, segment.Id, Math.Min(complete, segment.Windows), layout.FrameBytesPerWindow, layout.KeyBytesPerWindow))
            {
                // Opening for append cuts the uncommitted tail.
            }
        }
        var known = segments.Select(s => s.Id).ToHashSet();
        var segmentFolder = Path.Combine(folder, SegmentFiles.FolderName);
        if (Directory.Exists(segmentFolder))
        {
            foreach (var path in Directory.EnumerateFiles(segmentFolder))
            {
                if (int.TryParse(Path.GetFileNameWithoutExtension(path), out var id) && !known.Contains(id))
                {
                    File.Delete(path); // a segment a killed run started before committing anything to it
                }
            }
        }
        var current = catalog.Segments().LastOrDefault();
        if (current is null || current.Windows * layout.FrameBytesPerWindow >= SegmentFiles.MaxFrameBytes)
        {
            current = new SegmentRecord((current?.Id ?? 0) + 1, 0);
        }
        return new SegmentWriter(folder, current.Id, current.Windows, layout.FrameBytesPerWindow, layout.KeyBytesPerWindow);
    }

    /// <summary>Why a pipe or other stream is not indexed (every planner of an index gives this reason).</summary>
    public const string StreamRefused = "a stream cannot be indexed (search reads the file again to cut clips); save it to a file first";

    /// <summary>
    /// Sorts <paramref name="inputs"/> into new or changed (by size and time, then content hash), touched, unchanged and
    /// failed files, and finds indexed files below <paramref name="givenPaths"/> that no longer exist.
    /// </summary>
    public IndexPlan Plan(AudioInputSet inputs, IReadOnlyList<string> givenPaths)
    {
        var toIndex = new List<PlannedFile>();
        var touched = new List<PlannedFile>();
        var removed = new List<IndexedFile>();
        var failed = new List<(AudioInput, string)>();
        var unchanged = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs.Files)
        {
            if (PipeInput.IsStream(input.Path))
            {
                failed.Add((input, StreamRefused));
                continue;
            }
            var full = Path.GetFullPath(input.Path);
            seen.Add(full);
            var info = new FileInfo(full);
            if (!info.Exists)
            {
                if (_files.TryGetValue(full, out var gone))
                {
                    removed.Add(gone);
                }
                else
                {
                    failed.Add((input, "no such file"));
                }
                continue;
            }
            var size = info.Length;
            var modified = info.LastWriteTimeUtc.Ticks;
            _files.TryGetValue(full, out var known);
            if (known is not null && known.Size == size && known.ModifiedTicks == modified)
            {
                unchanged++;
                continue;
            }
            string hash;
            try
            {
                hash = Sha256(full);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed.Add((input, $"cannot read it: {e.Message}"));
                continue;
            }
            var planned = new PlannedFile(input, full, size, modified, hash);
            (known is not null && known.Sha256 == hash ? touched : toIndex).Add(planned);
        }
        foreach (var given in givenPaths.Where(Directory.Exists).Select(p => Path.GetFullPath(p).TrimEnd('/') + "/"))
        {
            removed.AddRange(_files.Values.Where(f => f.FullPath.StartsWith(given, StringComparison.Ordinal) && !seen.Contains(f.FullPath) && !File.Exists(f.FullPath)));
        }
        return new IndexPlan(toIndex, touched, unchanged, removed.DistinctBy(f => f.FullPath).ToList(), failed);
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Drops files from the index and records new times of touched ones, in one transaction.</summary>
    public void Apply(IReadOnlyList<IndexedFile> removed, IReadOnlyList<PlannedFile> touched)
    {
        if (removed.Count + touched.Count == 0)
        {
            return;
        }
        _catalog.InTransaction(t =>
        {
            foreach (var file in removed) _catalog.DeleteFile(t, file.FullPath);
            foreach (var file in touched) _catalog.UpdateStat(t, file.FullPath, file.Input.Path, file.Size, file.ModifiedTicks);
        });
        foreach (var file in removed) _files.Remove(file.FullPath);
    }

    /// <summary>
    /// Encodes <paramref name="file"/> window by window (<paramref name="encode"/>: windows → <c>windows × frames × d</c>
    /// embeddings) and commits it, replacing an older version; on failure nothing of it is committed. Decoding runs on
    /// one thread and encoding on another (see <see cref="AddAll"/>).
    /// </summary>
    public IndexedFile Add(PlannedFile file, Func<IReadOnlyList<float[]>, float[]> encode, int batchSize, AudioDecodeOptions decode, Action<double>? secondsDone = null)
    {
        IndexedFile? added = null;
        FlamException? failure = null;
        AddAll([file], encode, new IndexPipeline(batchSize, Encoders: 1), decode, (_, record) => added = record, (_, e) => failure = e,
            secondsDone is null ? null : (_, seconds) => secondsDone(seconds));
        return added ?? throw failure!;
    }

    /// <summary>
    /// Indexes <paramref name="files"/> through a pipeline: <see cref="IndexPipeline.Decoders"/> threads decode files
    /// (a few files ahead), <see cref="IndexPipeline.Encoders"/> threads run <paramref name="encode"/> on batches of
    /// windows, and the calling thread appends and commits each file in the given order, exactly as one file at a time
    /// would: durable segment, then one catalog transaction per file, so a kill leaves the index at its last committed
    /// file. A file that fails with a <see cref="FlamException"/> is rolled back and reported through
    /// <paramref name="failed"/> (the others go on); any other exception stops the run after rolling back that file.
    /// </summary>
    /// <param name="files">Files to index, committed in this order.</param>
    /// <param name="encode">Windows → <c>windows × frames × d</c> embeddings; called from several threads at once when there are several encoders.</param>
    /// <param name="pipeline">Batch size and thread counts.</param>
    /// <param name="decode">Decoding options.</param>
    /// <param name="added">Told each committed file (index into <paramref name="files"/>, its record), on the calling thread.</param>
    /// <param name="failed">Told each file that failed and why, on the calling thread.</param>
    /// <param name="secondsDone">Told how far into file <c>i</c> the stored windows reach, on the calling thread.</param>
    public void AddAll(IReadOnlyList<PlannedFile> files, Func<IReadOnlyList<float[]>, float[]> encode, IndexPipeline pipeline, AudioDecodeOptions decode,
        Action<int, IndexedFile> added, Action<int, FlamException> failed, Action<int, double>? secondsDone = null)
    {
        pipeline.Validate();
        var options = Detection;
        var perWindow = _layout.FramesPerWindow * _layout.Dimension;
        using var stop = new CancellationTokenSource();
        using var pending = new WindowBatchQueue(files.Count, pipeline, stop.Token);
        var threads = new List<Thread>();
        for (var d = 0; d < pipeline.Decoders; d++)
        {
            threads.Add(new Thread(() => pending.Decode(files, options, decode)) { IsBackground = true, Name = "flam index decode" });
        }
        for (var e = 0; e < pipeline.Encoders; e++)
        {
            threads.Add(new Thread(() => pending.Encode(encode)) { IsBackground = true, Name = "flam index encode" });
        }
        threads.ForEach(t => t.Start());
        var frames = new byte[_layout.FrameBytesPerWindow];
        var key = new byte[_layout.KeyBytesPerWindow];
        try
        {
            for (var i = 0; i < files.Count; i++)
            {
                StartNewSegmentWhenFull();
                var segment = _writer.Id;
                var first = _writer.Windows;
                try
                {
                    long? totalSamples = null;
                    foreach (var batch in pending.Batches(i))
                    {
                        if (batch.TotalSamples is { } total)
                        {
                            totalSamples = total;
                            break;
                        }
                        var embeddings = batch.Embeddings();
                        if (embeddings.Length != batch.Windows.Length * perWindow)
                        {
                            throw new InvalidOperationException($"The encoder returned {embeddings.Length} values for {batch.Windows.Length} windows of {perWindow}.");
                        }
                        for (var w = 0; w < batch.Windows.Length; w++)
                        {
                            _layout.EncodeWindow(embeddings.AsSpan(w * perWindow, perWindow), frames, key);
                            _writer.Append(frames, key);
                        }
                        secondsDone?.Invoke(i, (double)(batch.Windows[^1].Start + batch.Windows[^1].Valid) / options.SampleRate);
                    }
                    added(i, Commit(files[i], totalSamples ?? throw new InvalidOperationException($"Decoding '{files[i].Input.Path}' ended without its end."), segment, first));
                }
                catch (FlamException e)
                {
                    Rollback(segment, first);
                    failed(i, e);
                }
                catch
                {
                    Rollback(segment, first);
                    throw;
                }
                finally
                {
                    pending.Release(i);
                }
            }
        }
        finally
        {
            stop.Cancel();
            pending.Complete();
            threads.ForEach(t => t.Join());
        }
    }

    /// <summary>
    /// Appends a file's embeddings made elsewhere (<paramref name="window"/>: window index → <c>frames × d</c> values) and
    /// commits it; benchmarks build large synthetic indexes with it without encoding audio.
    /// </summary>
    internal IndexedFile AddEmbeddings(PlannedFile file, long samples, int windows, Func<int, float[]> window)
    {
        StartNewSegmentWhenFull();
        var segment = _writer.Id;
        var first = _writer.Windows;
        var frames = new byte[_layout.FrameBytesPerWindow];
        var key = new byte[_layout.KeyBytesPerWindow];
        try
        {
            for (var w = 0; w < windows; w++)
            {
                _layout.EncodeWindow(window(w), frames, key);
                _writer.Append(frames, key);
            }
            return Commit(file, samples, segment, first);
        }
        catch
        {
            Rollback(segment, first);
            throw;
        }
    }

    private void StartNewSegmentWhenFull()
    {
        if (_writer.FrameBytes >= SegmentFiles.MaxFrameBytes)
        {
            _writer.Dispose();
            _writer = new SegmentWriter(_folder, _writer.Id + 1, 0, _layout.FrameBytesPerWindow, _layout.KeyBytesPerWindow);
        }
    }

    /// <summary>Makes the appended windows durable, then commits the file's row and the segment's length in one transaction.</summary>
    private IndexedFile Commit(PlannedFile file, long samples, int segment, long first)
    {
        _writer.Flush();
        var record = new IndexedFile(0, file.Input.Path, file.FullPath, file.Size, file.ModifiedTicks, file.Sha256, samples, segment, first,
            (int)(_writer.Windows - first));
        _catalog.InTransaction(t =>
        {
            _catalog.DeleteFile(t, file.FullPath);
            _catalog.InsertFile(t, record);
            _catalog.SetSegmentWindows(t, segment, _writer.Windows);
        });
        _files[file.FullPath] = record;
        return record;
    }

    /// <summary>Back to the last commit: the windows appended since are cut off.</summary>
    private void Rollback(int segment, long first)
    {
        _writer.Dispose();
        _writer = new SegmentWriter(_folder, segment, first, _layout.FrameBytesPerWindow, _layout.KeyBytesPerWindow);
    }

    /// <summary>
    /// Keeps the first stage of search (<see cref="FrameClusters"/>) up to date after files were added: once the index
    /// holds <see cref="FrameClusters.MinimumWindows"/> windows its frames are clustered (again, with more clusters, each
    /// time it has grown <see cref="FrameClusters.RetrainGrowth"/>-fold), and every file not yet assigned is, committed a
    /// few files at a time. A run killed meanwhile leaves files unassigned, which search reads in full until the next run.
    /// </summary>
    /// <param name="note">Told what is done (training, files assigned).</param>
    /// <param name="minimumWindows">Windows from which an index is clustered (tests lower it).</param>
    public void UpdateClusters(Action<string> note, long minimumWindows = FrameClusters.MinimumWindows)
    {
        var (centroids, trained, assigned) = _catalog.Clusters(blobs: false);
        var d = Settings.Dimension;
        var clusters = centroids is null ? null : new FrameClusters(d, centroids, trained);
        if (_files.Count == 0 || (clusters is null && _files.Values.Sum(f => (long)f.Windows) < minimumWindows))
        {
            return;
        }
        using var reader = AudioIndexReader.Open(_folder);
        if (clusters is null || reader.Windows >= FrameClusters.RetrainGrowth * clusters.TrainedWindows)
        {
            var count = FrameClusters.CountFor(reader.Windows);
            note($"clustering the frames of {reader.Windows} windows into {count} clusters for search, then assigning every file (minutes for a large index; a run stopped here resumes it)");
            var sample = SampleFrames(reader, FrameClusters.SampleFor(count), seed: 1);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            clusters = FrameClusters.Train(sample, d, count, reader.Windows, seed: 1);
            _catalog.InTransaction(t => _catalog.WriteClusters(t, clusters.Centroids, reader.Windows));
            assigned = [];
            note(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"clustered the index's frames for search: {clusters.Count} clusters from {sample.Length / d} frames in {watch.Elapsed.TotalSeconds:0.#} s"));
        }
        var pending = reader.Files.Select((file, position) => (file, position)).Where(f => !assigned.ContainsKey(f.file.Id)).ToList();
        const int perTransaction = 16;
        for (var start = 0; start < pending.Count; start += perTransaction)
        {
            var batch = pending.Skip(start).Take(perTransaction).Select(f => (f.file.Id, Blob: clusters.Assign(reader.Embeddings(f.position), f.file.Windows, reader.Settings.FramesPerWindow))).ToList();
            _catalog.InTransaction(t =>
            {
                foreach (var (id, blob) in batch) _catalog.WriteWindowClusters(t, id, blob);
            });
        }
        if (pending.Count > 0)
        {
            note($"assigned {pending.Count} file(s) to the index's {clusters.Count} clusters");
        }
    }

    /// <summary><paramref name="count"/> frames (or all) drawn at random from the whole index, decoded: <c>count × d</c> values.</summary>
    private static float[] SampleFrames(AudioIndexReader reader, int count, int seed)
    {
        var frames = reader.Settings.FramesPerWindow;
        var total = reader.Windows * frames;
        var d = reader.Settings.Dimension;
        var random = new Random(seed);
        var picks = total <= count ? Enumerable.Range(0, (int)total).Select(i => (long)i).ToArray()
            : Enumerable.Range(0, count).Select(_ => random.NextInt64(total)).Distinct().Order().ToArray();
        var sample = new float[picks.Length * d];
        var codec = reader.Layout.Frames;
        for (var i = 0; i < picks.Length; i++)
        {
            var window = (int)(picks[i] / frames);
            var file = reader.FileOfWindow[window];
            var records = reader.Frames(file, (int)(window - reader.WindowStarts[file]), 1);
            codec.Decode(records.Slice((int)(picks[i] % frames) * codec.RecordBytes, codec.RecordBytes), sample.AsSpan(i * d, d));
        }
        return sample;
    }

    /// <summary>Folds the write-ahead log into the database, closes the segment and releases the lock.</summary>
    public void Dispose()
    {
        try
        {
            _catalog.Checkpoint();
        }
        catch (FlamException)
        {
            // The data is committed either way; the log is folded in by the next writer.
        }
        _writer.Dispose();
        _catalog.Dispose();
        _lock.Dispose();
    }
}
