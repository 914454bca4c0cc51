using System.Buffers;
using Flam.Inference;

namespace Flam.Index;

/// <summary>One found moment: an event of one query in one indexed file.</summary>
/// <param name="Query">The query (text, or the example's name).</param>
/// <param name="File">The file as given to <c>index add</c>.</param>
/// <param name="Onset">Start in seconds.</param>
/// <param name="Offset">End in seconds.</param>
/// <param name="Max">Highest smoothed frame score inside the event.</param>
/// <param name="Mean">Mean smoothed frame score inside the event.</param>
public sealed record SearchHit(string Query, string File, double Onset, double Offset, float Max, float Mean);

/// <summary>Scores a file's stored embeddings (<c>windows × frames × d</c> values, <c>windows</c>) as <c>[windows, 1, frames]</c>.</summary>
public delegate float[,,] WindowScorer(float[] embeddings, int windows);

/// <summary>
/// A frame's score as an increasing function of its cosine with the query direction, so a search can score stored frames
/// without the network: the calibrated probability of a text query (<see cref="FrameMaps.UnbiasedFromCosine"/>),
/// or the cosine itself (query by example).
/// </summary>
public sealed class CosineScore
{
    private readonly float _scale;
    private readonly float _bias;
    private readonly bool _calibrated;

    private CosineScore(bool calibrated, float scale, float bias)
    {
        _calibrated = calibrated;
        _scale = scale;
        _bias = bias;
    }

    /// <summary>The cosine itself.</summary>
    public static CosineScore Cosine { get; } = new(false, 1, 0);

    /// <summary>The calibrated probability of a text with α <paramref name="logitScale"/> (positive) and β <paramref name="logitBias"/> (<see cref="TextQueryCache.Calibration"/>).</summary>
    public static CosineScore Calibrated(float logitScale, float logitBias)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(logitScale);
        return new(true, logitScale, logitBias);
    }

    /// <summary>The score of a frame whose cosine with the query is <paramref name="cosine"/>.</summary>
    public float Of(float cosine) => _calibrated ? FrameMaps.UnbiasedFromCosine(cosine, _scale, _bias) : cosine;
}

/// <summary>What a search looked at, for benchmarks and <c>--verbose</c> output.</summary>
/// <param name="WindowsRead">Windows whose frames were read to find the best ones.</param>
/// <param name="WindowsScored">Windows scored exactly (around the candidates).</param>
/// <param name="Rounds">Candidate rounds (each four times the previous candidates).</param>
/// <param name="Bounding">Time spent ordering the windows to read: their bounds, or the ranking of the clusters.</param>
/// <param name="Reading">Time spent finding the best frame of the windows read.</param>
/// <param name="Scoring">Time spent scoring the ranges around the candidates and cutting events.</param>
public sealed record SearchStatistics(long WindowsRead, int WindowsScored, int Rounds, TimeSpan Bounding, TimeSpan Reading, TimeSpan Scoring);

/// <summary>
/// Finds the best events of a query in an index as the detector would from the stored embeddings. The query is a
/// direction in the frame space (a text embedding, or an example's); a frame's score rises with its cosine with it (the
/// calibrated probability is increasing in the cosine), so a search finds the windows with the best frames, then scores
/// the files around the K best of them exactly:
/// (1) <b>which windows are read</b>. An index of <see cref="FrameClusters.MinimumWindows"/> windows or more is clustered
/// (<see cref="FrameClusters"/>): the windows listed under the clusters whose centroids are nearest the query are read,
/// at least <c>probeWindows</c> of them — approximate, its recall against the exact search is measured by
/// <c>bench index recall</c>. A smaller index (or <c>exact</c>) ranks all windows best-first by an upper bound of their best
/// frame (the window keys of <see cref="IndexLayout"/>) and reads a window only while its bound can still beat the K-th
/// best frame found — exact;
/// (2) the windows around each of the K best windows read are scored exactly, window by window (<see cref="RangeScorer"/>),
/// averaged, median-filtered and cut into events as <c>flam detect</c> does (<see cref="WindowAverager"/>), so every event
/// reported has the detector's times and probabilities;
/// (3) windows outside those ranges score at most what the K-th window does, so once <c>top</c> events score at least
/// that, no better event is left among the windows read; else K (and the windows read) grow fourfold.
/// </summary>
/// <param name="index">The index to search.</param>
/// <param name="firstCandidates">Candidate windows of the first round (at least twice <c>top</c>); more make a second round rarer.</param>
/// <param name="exact">Read by the exact bounds even when the index is clustered.</param>
/// <param name="probeWindows">Windows of the nearest clusters read in the first round of a clustered search.</param>
public sealed class IndexSearch(AudioIndexReader index, int firstCandidates = IndexSearch.DefaultFirstCandidates, bool exact = false,
    int probeWindows = IndexSearch.DefaultProbeWindows)
{
    /// <summary>Default candidate windows of the first round.</summary>
    public const int DefaultFirstCandidates = 64;

    /// <summary>Default windows read from the nearest clusters in a clustered search's first round.</summary>
    public const int DefaultProbeWindows = 4096;

    /// <summary>The <paramref name="top"/> best events of <paramref name="query"/>, best first by <see cref="SearchHit.Max"/>.</summary>
    public IReadOnlyList<SearchHit> Search(string query, float[] direction, WindowScorer score, DetectionOptions options, int top) =>
        Search(query, direction, score, options, top, out _);

    /// <summary>As <see cref="Search(string, float[], WindowScorer, DetectionOptions, int)"/>, also telling what was read.</summary>
    public IReadOnlyList<SearchHit> Search(string query, float[] direction, WindowScorer score, DetectionOptions options, int top, out SearchStatistics statistics)
    {
        using var cosines = new WindowCosines(index, direction);
        return Search(query, direction, new RangeScorer(index, score, options, query), options, top, cosines, out statistics);
    }

    /// <summary>
    /// The <paramref name="top"/> best events of <paramref name="query"/>, best first by <see cref="SearchHit.Max"/>, each frame
    /// scored from the stored records as <paramref name="score"/> of its cosine with <paramref name="direction"/> — what
    /// <see cref="Search(string, float[], WindowScorer, DetectionOptions, int)"/> gives with the network's scorer, without it.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(string query, float[] direction, CosineScore score, DetectionOptions options, int top, out SearchStatistics statistics)
    {
        using var cosines = new WindowCosines(index, direction);
        return Search(query, direction, new RangeScorer(index, cosines, score, options, query), options, top, cosines, out statistics);
    }

    private List<SearchHit> Search(string query, float[] direction, RangeScorer scorer, DetectionOptions options, int top, WindowCosines cosines, out SearchStatistics statistics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        if (direction.Length != index.Layout.Dimension)
        {
            throw new ArgumentException($"The query has {direction.Length} values; the index stores {index.Layout.Dimension}.", nameof(direction));
        }
        // Cosines with the unit direction rank frames as dot products with the direction do.
        var prepared = cosines.Query;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using IWindowSource source = !exact && index.Clusters is { } clusters
            ? new NearestClusters(clusters, prepared, (int)index.Windows, probeWindows)
            : new BestBounds(index, prepared);
        var ordering = watch.Elapsed;
        var reading = TimeSpan.Zero;
        var fileOf = index.FileOfWindow;
        var starts = index.WindowStarts;

        var read = new List<(int Window, float Value)>(); // every window whose frames were read, with its best frame
        var hits = new List<SearchHit>();
        var rounds = 0;
        for (var candidates = Math.Max(firstCandidates, 2 * top); ; candidates *= 4)
        {
            rounds++;
            var roundStart = watch.Elapsed;
            var best = new PriorityQueue<int, float>(); // min-heap of the K best windows read so far
            foreach (var (window, value) in read)
            {
                best.Enqueue(window, value);
                if (best.Count > candidates) best.Dequeue();
            }
            // Blocks of windows read in parallel; blocks grow with what was read (an eighth of it), so a search reading
            // much of a large index does not wait on thousands of small blocks.
            while (source.Next(best.Count >= candidates ? PeekPriority(best) : float.NegativeInfinity, Math.Clamp(read.Count / 8, ReadBlock, 16 * ReadBlock), rounds) is { Length: > 0 } block)
            {
                var values = cosines.Read(block);
                for (var i = 0; i < block.Length; i++)
                {
                    read.Add((block[i], values[i]));
                    best.Enqueue(block[i], values[i]);
                    if (best.Count > candidates) best.Dequeue();
                }
            }
            // Fewer than K windows read in all: every one is a candidate.
            var kth = best.Count >= candidates ? PeekElement(best) : -1;
            reading += watch.Elapsed - roundStart;
            scorer.Score(best.UnorderedItems.Select(item => (fileOf[item.Element], (int)(item.Element - starts[fileOf[item.Element]]))));
            hits = [.. scorer.Hits().OrderByDescending(h => h.Max).ThenBy(h => h.File, StringComparer.Ordinal).ThenBy(h => h.Onset)];
            if (kth < 0 ? source.Exhausted : source.Exhausted && read.Count <= candidates)
            {
                break;
            }
            if (kth >= 0)
            {
                // Every window read but not scored reaches at most what the K-th best window reaches.
                var bound = scorer.WindowMax(fileOf[kth], (int)(kth - starts[fileOf[kth]]));
                if (bound <= options.Threshold || hits.Count(h => h.Max >= bound) >= top)
                {
                    break;
                }
            }
        }
        statistics = new SearchStatistics(read.Count, scorer.WindowsScored, rounds, ordering, reading, watch.Elapsed - ordering - reading);
        return hits.Take(top).ToList();
    }

    /// <summary>Windows whose best frame is computed together, at least.</summary>
    private const int ReadBlock = 256;

    /// <summary>Which windows a search reads, block after block.</summary>
    private interface IWindowSource : IDisposable
    {
        /// <summary>
        /// The next windows to read, or none when nothing left can beat <paramref name="kthBest"/> (the K-th best frame
        /// cosine read so far, −∞ before K windows were read) in round <paramref name="round"/>.
        /// </summary>
        int[] Next(float kthBest, int blockSize, int round);

        /// <summary>Every window has been read.</summary>
        bool Exhausted { get; }
    }

    /// <summary>The exact order: every window's upper bound from its key, best first; reading stops where no bound beats the K-th best frame.</summary>
    private sealed class BestBounds : IWindowSource
    {
        private readonly BestFirstOrder _order;
        private int _next;

        public BestBounds(AudioIndexReader index, CodecQuery prepared)
        {
            var bounds = new float[index.Windows];
            var starts = index.WindowStarts;
            Parallel.For(0, index.Files.Count, f =>
            {
                for (var w = 0; w < index.Files[f].Windows; w++)
                {
                    bounds[starts[f] + w] = index.Layout.UpperBound(index.Key(f, w), prepared.Unit, 1f);
                }
            });
            _order = new BestFirstOrder(bounds);
        }

        public bool Exhausted => _next >= _order.Count;

        public void Dispose()
        {
        }

        public int[] Next(float kthBest, int blockSize, int round)
        {
            if (Exhausted || _order.Bound(_next) <= kthBest)
            {
                return [];
            }
            var block = _order.Windows(_next, Math.Min(blockSize, _order.Count - _next)).ToArray();
            _next += block.Length;
            return block;
        }
    }

    /// <summary>
    /// The clustered order: windows of files not yet assigned to clusters, then the windows of the clusters nearest the
    /// query, cluster after cluster, until <c>probeWindows</c> × 4^(round − 1) windows were read.
    /// </summary>
    private sealed class NearestClusters : IWindowSource
    {
        private readonly ClusterLists _clusters;
        private readonly int _probeWindows;
        private readonly int[] _ranked;
        private bool[] _seen; // rented (see WindowCosines)
        private int _nextCluster;
        private int _given;
        private bool _unassignedGiven;

        public NearestClusters(ClusterLists clusters, CodecQuery prepared, int windows, int probeWindows)
        {
            _clusters = clusters;
            _probeWindows = probeWindows;
            _ranked = clusters.Clusters.Rank(prepared);
            _seen = ArrayPool<bool>.Shared.Rent(windows);
            Array.Clear(_seen, 0, windows);
        }

        public bool Exhausted => _nextCluster >= _ranked.Length && _unassignedGiven;

        public void Dispose()
        {
            if (_seen.Length == 0) return;
            ArrayPool<bool>.Shared.Return(_seen);
            _seen = [];
        }

        public int[] Next(float kthBest, int blockSize, int round)
        {
            var budget = (long)_probeWindows << (2 * Math.Min(round - 1, 15));
            var block = new List<int>();
            if (!_unassignedGiven)
            {
                _unassignedGiven = true;
                foreach (var w in _clusters.Unassigned) Take(w);
            }
            while (block.Count < blockSize && _given + block.Count < budget && _nextCluster < _ranked.Length)
            {
                foreach (var w in _clusters.Windows(_ranked[_nextCluster])) Take(w);
                _nextCluster++;
            }
            _given += block.Count;
            return [.. block];

            void Take(int w)
            {
                if (!_seen[w])
                {
                    _seen[w] = true;
                    block.Add(w);
                }
            }
        }
    }

    /// <summary>
    /// What <c>flam search</c> finds for text queries: the <paramref name="top"/> best events of each distinct query, each
    /// frame's calibrated probability computed from its stored record with the query's text embedding, α and β from
    /// <paramref name="texts"/>, query after query (each best first).
    /// </summary>
    public List<SearchHit> SearchTexts(IReadOnlyList<string> queries, TextQueryCache texts, DetectionOptions options, int top)
    {
        texts.Prepare(queries);
        var hits = new List<SearchHit>();
        foreach (var query in queries.Distinct(StringComparer.Ordinal))
        {
            var (scale, bias) = texts.Calibration(query);
            hits.AddRange(Search(query, texts.Embedding(query), CosineScore.Calibrated(scale, bias), options, top, out _));
        }
        return hits;
    }

    private static float PeekPriority(PriorityQueue<int, float> queue) => queue.TryPeek(out _, out var priority) ? priority : float.NegativeInfinity;

    private static int PeekElement(PriorityQueue<int, float> queue) => queue.TryPeek(out var element, out _) ? element : -1;

    /// <summary>
    /// The detection of <paramref name="query"/> in indexed file <paramref name="file"/> (its position in
    /// <see cref="AudioIndexReader.Files"/>) from its stored embeddings: what <c>flam detect</c> gives with the index's window grid.
    /// </summary>
    public DetectionResult Detect(int file, string query, WindowScorer score, DetectionOptions options)
    {
        var record = index.Files[file];
        var averager = new WindowAverager(options, [query]);
        averager.Add(Enumerable.Range(0, record.Windows).Select(w => (long)w * options.HopFrames).ToArray(), score(index.Embeddings(file), record.Windows));
        return averager.Finish(record.Path, record.Samples);
    }

    /// <summary>Scores stored frames by their dot product with <paramref name="direction"/> (a unit vector): the cosine similarity of query by example.</summary>
    public WindowScorer Similarity(float[] direction) => (embeddings, windows) =>
    {
        var d = index.Layout.Dimension;
        var frames = index.Layout.FramesPerWindow;
        var scores = new float[windows, 1, frames];
        for (var w = 0; w < windows; w++)
        {
            for (var k = 0; k < frames; k++)
            {
                scores[w, 0, k] = VectorCodec.DotFloat(embeddings.AsSpan((w * frames + k) * d, d), direction);
            }
        }
        return scores;
    };
}

/// <summary>
/// The frame cosines a search computed with its query (global window number → its frames' cosines): those of the windows
/// read to find the best ones, and those of the windows scored around them, so no window's frames are read twice.
/// Written between parallel loops, read concurrently within them. Its buffers are rented from the shared array pool and
/// given back on <see cref="Dispose"/>: a search of a 10 h index touches half a megabyte of cosines, and allocating that
/// afresh per query fills the large-object heap, whose collections were most of the slowest queries' time.
/// </summary>
internal sealed class WindowCosines : IDisposable
{
    private readonly AudioIndexReader _index;
    private readonly int _frames;
    private int[] _slots; // per global window: 1 + its position in _values, 0 = not computed
    private float[] _values;
    private int _count; // windows computed

    /// <summary>Cosines of <paramref name="index"/>'s frames with <paramref name="direction"/> (any length).</summary>
    public WindowCosines(AudioIndexReader index, float[] direction)
    {
        _index = index;
        _frames = index.Layout.FramesPerWindow;
        Query = index.Layout.Frames.Prepare(direction);
        _slots = ArrayPool<int>.Shared.Rent((int)index.Windows);
        Array.Clear(_slots, 0, (int)index.Windows);
        _values = ArrayPool<float>.Shared.Rent(Math.Max(1, Math.Min((int)index.Windows, 1024)) * _frames);
    }

    /// <summary>The query, prepared for the index's records.</summary>
    public CodecQuery Query { get; }

    /// <summary>Computes the cosines of <paramref name="windows"/> (distinct, not computed yet; in parallel) and keeps them; returns each window's best.</summary>
    public float[] Read(int[] windows)
    {
        var layout = _index.Layout;
        var fileOf = _index.FileOfWindow;
        var starts = _index.WindowStarts;
        var frames = _frames;
        var first = _count;
        if ((long)(first + windows.Length) * frames > _values.Length)
        {
            var grown = ArrayPool<float>.Shared.Rent(Math.Max(first + windows.Length, 2 * first) * frames);
            _values.AsSpan(0, first * frames).CopyTo(grown);
            ArrayPool<float>.Shared.Return(_values);
            _values = grown;
        }
        var values = _values;
        var best = new float[windows.Length];
        Parallel.For(0, windows.Length, i =>
        {
            var f = fileOf[windows[i]];
            best[i] = layout.Frames.Cosines(_index.Frames(f, (int)(windows[i] - starts[f]), 1), frames, Query, values.AsSpan((first + i) * frames, frames));
        });
        for (var i = 0; i < windows.Length; i++) _slots[windows[i]] = first + i + 1;
        _count += windows.Length;
        return best;
    }

    /// <summary>Whether the cosines of window <paramref name="window"/> are known.</summary>
    public bool Contains(int window) => _slots[window] > 0;

    /// <summary>The cosines of window <paramref name="window"/>, which must be known.</summary>
    public ReadOnlySpan<float> Get(int window) => _values.AsSpan((_slots[window] - 1) * _frames, _frames);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_slots.Length == 0) return;
        ArrayPool<int>.Shared.Return(_slots);
        ArrayPool<float>.Shared.Return(_values);
        _slots = [];
        _values = [];
    }
}
