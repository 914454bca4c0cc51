using Flam.Audio;
using Flam.Index;
using Flam.Inference;

namespace Flam.Tests.Index;

/// <summary>
/// The clustered first stage of search (<see cref="FrameClusters"/>) against the exact search it stands in for, and its
/// upkeep as files come and go. The clustering threshold is lowered so that small test indexes are clustered.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FrameClusterTests
{
    private static readonly double[] Seconds = [3.0, 23, 41, 9.7, 55, 130, 70, 18];

    private static string[] WriteClips(TempDirectory temp, int first = 0, int count = 8)
    {
        for (var i = first; i < first + count; i++)
        {
            IndexTestData.WriteClip(temp[$"audio/clip{i}.wav"], Seconds[i % Seconds.Length], seed: i + 1, rate: 0.2 + 0.05 * i);
        }
        return [.. Enumerable.Range(first, count).Select(i => temp[$"audio/clip{i}.wav"])];
    }

    private static void UpdateClusters(string folder, List<string>? notes = null)
    {
        using var indexer = AudioIndexer.Open(folder, IndexTestData.Settings(VectorStorage.Int8), storageChosen: false, hopChosen: false, _ => { });
        indexer.UpdateClusters(note => notes?.Add(note), minimumWindows: 1);
    }

    /// <summary>A direction near one stored frame, not of unit length.</summary>
    private static float[] Direction(AudioIndexReader reader, int seed)
    {
        var random = new Random(seed);
        var file = seed % reader.Files.Count;
        var frame = reader.Embeddings(file).AsSpan((seed * 7 % (reader.Files[file].Windows * IndexTestData.Frames)) * IndexTestData.Dimension, IndexTestData.Dimension).ToArray();
        return [.. frame.Select(a => 1.3f * (a + 0.1f * (float)(random.NextDouble() - 0.5)))];
    }

    private static List<SearchHit> Search(AudioIndexReader reader, float[] direction, bool exact, int probe, out SearchStatistics statistics, int top = 5) =>
        [.. new IndexSearch(reader, firstCandidates: 1, exact: exact, probeWindows: probe).Search("q", direction, CosineScore.Calibrated(12.5f, -4.25f),
            reader.Settings.Detection(threshold: 0.5, medianFrames: 3), top, out statistics)];

    [Fact]
    public void A_clustered_index_lists_every_window_and_a_search_reading_all_clusters_equals_the_exact_search()
    {
        using var temp = FixturePaths.NewTempDirectory();
        IndexTestData.Add(temp["index"], IndexTestData.Settings(VectorStorage.Int8), WriteClips(temp));
        var notes = new List<string>();
        UpdateClusters(temp["index"], notes);
        Assert.Contains(notes, n => n.StartsWith("clustered the index's frames", StringComparison.Ordinal));
        using var reader = AudioIndexReader.Open(temp["index"]);
        var clusters = Assert.IsType<ClusterLists>(reader.Clusters);
        Assert.Empty(clusters.Unassigned);
        var listed = Enumerable.Range(0, clusters.Clusters.Count).SelectMany(c => clusters.Windows(c).ToArray()).ToHashSet();
        Assert.Equal(Enumerable.Range(0, (int)reader.Windows), listed.Order());
        for (var seed = 0; seed < 4; seed++)
        {
            var direction = Direction(reader, seed);
            var expected = Search(reader, direction, exact: true, probe: 1, out _);
            var actual = Search(reader, direction, exact: false, probe: (int)reader.Windows, out var statistics);
            Assert.NotEmpty(expected);
            Assert.Equal(reader.Windows, statistics.WindowsRead);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void A_clustered_search_reads_the_nearest_clusters_only_and_finds_the_best_event_there()
    {
        using var temp = FixturePaths.NewTempDirectory();
        IndexTestData.Add(temp["index"], IndexTestData.Settings(VectorStorage.Int8), WriteClips(temp));
        UpdateClusters(temp["index"]);
        using var reader = AudioIndexReader.Open(temp["index"]);
        var fewer = 0;
        for (var seed = 0; seed < 6; seed++)
        {
            var direction = Direction(reader, seed);
            var expected = Search(reader, direction, exact: true, probe: 1, out _, top: 1);
            var actual = Search(reader, direction, exact: false, probe: 1, out var statistics, top: 1);
            // The best event is the exact search's best, and every event found is one of the detector's events.
            Assert.Equal(expected[0], actual[0]);
            var all = new IndexSearch(reader, exact: true).Search("q", direction, CosineScore.Calibrated(12.5f, -4.25f), reader.Settings.Detection(0.5, 3), 1000, out _);
            Assert.All(actual, hit => Assert.Contains(hit, all));
            if (statistics.WindowsRead < reader.Windows) fewer++;
        }
        Assert.True(fewer >= 3, $"only {fewer} of 6 searches read fewer windows than the index holds");
    }

    [Fact]
    public void Files_added_later_are_assigned_and_files_not_yet_assigned_are_read_in_full()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var settings = IndexTestData.Settings(VectorStorage.Int8);
        IndexTestData.Add(temp["index"], settings, WriteClips(temp, 0, 6));
        UpdateClusters(temp["index"]);
        // A run killed after committing a file and before assigning it.
        IndexTestData.Add(temp["index"], settings, WriteClips(temp, 6, 1));
        int count;
        using (var reader = AudioIndexReader.Open(temp["index"]))
        {
            var clusters = reader.Clusters!;
            count = clusters.Clusters.Count;
            var last = reader.Files.Count - 1;
            Assert.Equal(reader.Files[last].Windows, clusters.Unassigned.Length);
            // The unassigned file is read whatever the query, so its events are found.
            var direction = reader.Embeddings(last).AsSpan(5 * IndexTestData.Dimension, IndexTestData.Dimension).ToArray();
            var hits = Search(reader, direction, exact: false, probe: 1, out _);
            Assert.Equal(Search(reader, direction, exact: true, probe: 1, out _)[0], hits[0]);
        }
        var notes = new List<string>();
        UpdateClusters(temp["index"], notes);
        Assert.Equal([$"assigned 1 file(s) to the index's {count} clusters"], notes);
        using (var reader = AudioIndexReader.Open(temp["index"]))
        {
            Assert.Empty(reader.Clusters!.Unassigned);
        }
        Assert.Contains("7 of 7 files assigned", IndexSummary.Read(temp["index"]).FirstStage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_index_grown_fourfold_is_clustered_again_and_a_replaced_file_loses_its_old_assignment()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var settings = IndexTestData.Settings(VectorStorage.Int8);
        IndexTestData.Add(temp["index"], settings, WriteClips(temp, 0, 1)[0]);
        UpdateClusters(temp["index"]);
        var first = IndexSummary.Read(temp["index"]);
        Assert.Contains($"trained on {first.Windows} windows", first.FirstStage, StringComparison.Ordinal);
        var notes = new List<string>();
        IndexTestData.Add(temp["index"], settings, WriteClips(temp, 1, 7));
        UpdateClusters(temp["index"], notes);
        Assert.Contains(notes, n => n.StartsWith("clustered the index's frames", StringComparison.Ordinal));
        Assert.Contains("8 of 8 files assigned", IndexSummary.Read(temp["index"]).FirstStage, StringComparison.Ordinal);
        // A changed file is indexed again: its old row and assignment go, the new version waits for the next update.
        IndexTestData.WriteClip(temp["audio/clip3.wav"], 12, seed: 99);
        IndexTestData.Add(temp["index"], settings, temp["audio/clip3.wav"]);
        Assert.Contains("7 of 8 files assigned", IndexSummary.Read(temp["index"]).FirstStage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_cluster_blob_is_not_trusted()
    {
        var clusters = FrameClusters.Train([.. Enumerable.Range(0, 64 * 4).Select(i => (float)Math.Cos(i * 0.7))], dimension: 4, count: 8, windows: 2, seed: 1);
        var frames = Enumerable.Range(0, 2 * 3 * 4).Select(i => (float)Math.Sin(i * 0.3)).ToArray();
        var blob = clusters.Assign(frames, windows: 2, framesPerWindow: 3);
        // 2 windows × (2 count bits + up to 3 × 3 cluster bits): at most 3 bytes.
        Assert.True(blob.Length <= 3, $"{blob.Length} bytes");
        var windows = clusters.Windows(blob, 2, framesPerWindow: 3);
        Assert.NotNull(windows);
        Assert.All(windows, w => Assert.InRange(w.Length, 1, 3));
        Assert.Null(clusters.Windows(blob, 3, framesPerWindow: 3)); // fewer windows than the file has
        Assert.Null(clusters.Windows(blob[..^1], 2, framesPerWindow: 3)); // truncated
        Assert.Null(clusters.Windows([.. blob, 0], 2, framesPerWindow: 3)); // trailing bytes
        Assert.Null(clusters.Windows([0xFF, 0xFF, 0xFF], 2, framesPerWindow: 2)); // a count (3) above the frames of a window
    }

    [Fact]
    public void Training_is_deterministic_and_the_cluster_count_follows_the_index_size()
    {
        var random = new Random(3);
        var sample = Enumerable.Range(0, 200 * 8).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var a = FrameClusters.Train(sample, dimension: 8, count: 16, windows: 10, seed: 7);
        var b = FrameClusters.Train(sample, dimension: 8, count: 16, windows: 10, seed: 7);
        Assert.Equal(a.Centroids, b.Centroids);
        Assert.Equal(16, a.Count);
        Assert.Equal(16, FrameClusters.CountFor(10));
        Assert.Equal(2048, FrameClusters.CountFor(360_000));
        Assert.Equal(4096, FrameClusters.CountFor(100_000_000));
    }
}
