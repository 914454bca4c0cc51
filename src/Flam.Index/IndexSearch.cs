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
/// <param name="Bounding">Time spent computing and ordering the window bounds.</param>
/// <param name="Reading">Time spent finding the best frame of the windows read.</param>
/// <param name="Scoring">Time spent scoring the ranges around the candidates and cutting events.</param>
public sealed record SearchStatistics(long WindowsRead, int WindowsScored, int Rounds, TimeSpan Bounding, TimeSpan Reading, TimeSpan Scoring);

/// <summary>
/// Finds the best events of a query in an index, exactly as the detector would from the stored embeddings.
/// The query is a direction in the frame space (a text embedding, or an example's); a frame's score rises with its dot
/// product with it (the calibrated probability is increasing in the cosine), so:
/// (1) windows are ranked best-first by an upper bound of their best frame (the window keys of <see cref="IndexLayout"/>),
/// and the frames of a window are read only while its bound can still beat the K-th best frame found;
/// (2) every file holding one of the K best windows is scored exactly, window by window (<see cref="WindowScorer"/>),
/// averaged, median-filtered and cut into events as <c>flam detect</c> does (<see cref="WindowAverager"/>);
/// (3) windows outside those files score at most what the K-th window does, so once <c>top</c> events score at least
/// that, no better event is left; else K grows fourfold and the search goes on.
/// </summary>
/// <param name="index">The index to search.</param>
/// <param name="firstCandidates">Candidate windows of the first round (at least twice <c>top</c>); more make a second round rarer.</param>
public sealed class IndexSearch(AudioIndexReader index, int firstCandidates = IndexSearch.DefaultFirstCandidates)
{
    /// <summary>Default candidate windows of the first round.</summary>
    public const int DefaultFirstCandidates = 64;

    /// <summary>The <paramref name="top"/> best events of <paramref name="query"/>, best first by <see cref="SearchHit.Max"/>.</summary>
    public IReadOnlyList<SearchHit> Search(string query, float[] direction, WindowScorer score, DetectionOptions options, int top) =>
        Search(query, direction, score, options, top, out _);

    /// <summary>As <see cref="Search(string, float[], WindowScorer, DetectionOptions, int)"/>, also telling what was read.</summary>
    public IReadOnlyList<SearchHit> Search(string query, float[] direction, WindowScorer score, DetectionOptions options, int top, out SearchStatistics statistics) =>
        Search(query, direction, new RangeScorer(index, score, options, query), options, top, out statistics);

    /// <summary>
    /// The <paramref name="top"/> best events of <paramref name="query"/>, best first by <see cref="SearchHit.Max"/>, each frame
    /// scored from the stored records as <paramref name="score"/> of its cosine with <paramref name="direction"/> — what
    /// <see cref="Search(string, float[], WindowScorer, DetectionOptions, int)"/> gives with the network's scorer, without it.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(string query, float[] direction, CosineScore score, DetectionOptions options, int top, out SearchStatistics statistics)
    {
        var read = new ReadCosines(index.Layout.FramesPerWindow);
        return Search(query, direction, new RangeScorer(index, direction, score, options, query, read), options, top, read, out statistics);
    }

    private List<SearchHit> Search(string query, float[] direction, RangeScorer scorer, DetectionOptions options, int top, out SearchStatistics statistics) =>
        Search(query, direction, scorer, options, top, new ReadCosines(index.Layout.FramesPerWindow), out statistics);

    private List<SearchHit> Search(string query, float[] direction, RangeScorer scorer, DetectionOptions options, int top, ReadCosines cosines, out SearchStatistics statistics)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var layout = index.Layout;
        if (direction.Length != layout.Dimension)
        {
            throw new ArgumentException($"The query has {direction.Length} values; the index stores {layout.Dimension}.", nameof(direction));
        }
        var total = index.Windows;
        var starts = index.WindowStarts;
        // Cosines with the unit direction rank frames as dot products with the direction do.
        var prepared = layout.Frames.Prepare(direction);

        // Upper bounds of every window's best frame, best first.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var bounds = new float[total];
        Parallel.For(0, index.Files.Count, f =>
        {
            for (var w = 0; w < index.Files[f].Windows; w++)
            {
                bounds[starts[f] + w] = layout.UpperBound(index.Key(f, w), prepared.Unit, 1f);
            }
        });
        var order = new BestFirstOrder(bounds);
        var bounding = watch.Elapsed;
        var reading = TimeSpan.Zero;

        var fileOf = index.FileOfWindow;

        var read = new List<(int Window, float Value)>(); // every window whose frames were read, with its best frame
        var hits = new List<SearchHit>();
        var next = 0;
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
            while (next < total && !(best.Count >= candidates && order.Bound(next) <= PeekPriority(best)))
            {
                // A block of windows at a time, read in parallel; reading a few past the stopping point costs less than
                // waiting. Blocks grow with what was read (an eighth of it), so a search reading much of a large index
                // does not wait on thousands of small blocks.
                var block = order.Windows(next, (int)Math.Min(Math.Clamp(read.Count / 8, ReadBlock, 16 * ReadBlock), total - next)).ToArray();
                var values = new float[block.Length];
                var frameCosines = new float[block.Length * layout.FramesPerWindow];
                Parallel.For(0, block.Length, i =>
                {
                    var f = fileOf[block[i]];
                    values[i] = layout.Frames.Cosines(index.Frames(f, (int)(block[i] - starts[f]), 1), layout.FramesPerWindow, prepared,
                        frameCosines.AsSpan(i * layout.FramesPerWindow, layout.FramesPerWindow));
                });
                cosines.Add(block, frameCosines);
                next += block.Length;
                for (var i = 0; i < block.Length; i++)
                {
                    read.Add((block[i], values[i]));
                    best.Enqueue(block[i], values[i]);
                    if (best.Count > candidates) best.Dequeue();
                }
            }
            // Fewer than K windows in all: every window is a candidate, every file is scored.
            var complete = best.Count < candidates;
            var kth = best.Count > 0 ? PeekElement(best) : -1;
            reading += watch.Elapsed - roundStart;
            scorer.Score(best.UnorderedItems.Select(item => (fileOf[item.Element], (int)(item.Element - starts[fileOf[item.Element]]))));
            hits = [.. scorer.Hits().OrderByDescending(h => h.Max).ThenBy(h => h.File, StringComparer.Ordinal).ThenBy(h => h.Onset)];
            if (complete || kth < 0)
            {
                break;
            }
            // Every window not yet scored reaches at most what the K-th best window reaches.
            var bound = scorer.WindowMax(fileOf[kth], (int)(kth - starts[fileOf[kth]]));
            if (bound <= options.Threshold || hits.Count(h => h.Max >= bound) >= top)
            {
                break;
            }
        }
        statistics = new SearchStatistics(read.Count, scorer.WindowsScored, rounds, bounding, reading, watch.Elapsed - bounding - reading);
        return hits.Take(top).ToList();
    }

    /// <summary>Windows whose best frame is computed together, at least.</summary>
    private const int ReadBlock = 256;

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
/// The frame cosines a search computed while looking for the best windows (window number of the reader's order → its
/// frames' cosines), so scoring those windows again does not recompute them.
/// </summary>
internal sealed class ReadCosines(int framesPerWindow)
{
    private readonly Dictionary<long, (float[] Values, int Offset)> _windows = [];

    /// <summary>Records the cosines of <paramref name="windows"/>, <c>frames</c> values each, in order.</summary>
    public void Add(ReadOnlySpan<int> windows, float[] values)
    {
        for (var i = 0; i < windows.Length; i++) _windows[windows[i]] = (values, i * framesPerWindow);
    }

    /// <summary>The cosines of window <paramref name="window"/> if they were read.</summary>
    public bool TryGet(long window, out ReadOnlySpan<float> cosines)
    {
        if (_windows.TryGetValue(window, out var at))
        {
            cosines = at.Values.AsSpan(at.Offset, framesPerWindow);
            return true;
        }
        cosines = default;
        return false;
    }
}
