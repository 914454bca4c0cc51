using Flam.Inference;

namespace Flam.Index;

/// <summary>
/// Scores the windows around candidate windows of indexed files exactly, as <c>flam detect</c> would score the whole file,
/// and cuts events only from frames whose value is final. A frame's mean is final when every window covering it was
/// scored, and its smoothed value when its median-filter neighbourhood is final (or reaches the file's edge), so a range
/// of windows yields the file's own events in its trusted middle; an event that reaches a range's trusted edge makes
/// the range grow until it does not. All ranges pending at once are scored in one call: by a <see cref="WindowScorer"/> on
/// their decoded embeddings, or straight from the stored records with a <see cref="CosineScore"/>.
/// </summary>
internal sealed class RangeScorer(AudioIndexReader index, RangeScorer.Scores score, DetectionOptions options, string query)
{
    /// <summary>Scores each of the given ranges' windows: one <c>[windows, 1, frames]</c> array per range, in order.</summary>
    public delegate float[][,,] Scores(IReadOnlyList<(int File, int A, int B)> ranges);

    /// <summary>Scores ranges by <paramref name="score"/> on their decoded embeddings.</summary>
    public RangeScorer(AudioIndexReader index, WindowScorer score, DetectionOptions options, string query)
        : this(index, ranges => Decoded(index, score, ranges), options, query)
    {
    }

    /// <summary>Scores ranges straight from the stored records: each frame's cosine with the query of <paramref name="cosines"/>, through <paramref name="score"/>.</summary>
    public RangeScorer(AudioIndexReader index, WindowCosines cosines, CosineScore score, DetectionOptions options, string query)
        : this(index, Stored(index, cosines, score), options, query)
    {
    }

    internal static float[][,,] Decoded(AudioIndexReader index, WindowScorer score, IReadOnlyList<(int File, int A, int B)> ranges)
    {
        var frames = index.Layout.FramesPerWindow;
        var perWindow = frames * index.Layout.Dimension;
        var windows = ranges.Sum(r => r.B - r.A);
        var embeddings = new float[(long)windows * perWindow];
        var offset = 0;
        foreach (var (file, a, b) in ranges)
        {
            index.Layout.Decode(index.Frames(file, a, b - a), b - a).CopyTo(embeddings, (long)offset * perWindow);
            offset += b - a;
        }
        // One call for all ranges (one batched matrix product), then split by range.
        var all = score(embeddings, windows);
        var parts = new float[ranges.Count][,,];
        offset = 0;
        for (var r = 0; r < ranges.Count; r++)
        {
            var part = parts[r] = new float[ranges[r].B - ranges[r].A, 1, frames];
            for (var w = 0; w < part.GetLength(0); w++)
            {
                for (var k = 0; k < frames; k++) part[w, 0, k] = all[offset + w, 0, k];
            }
            offset += part.GetLength(0);
        }
        return parts;
    }

    internal static Scores Stored(AudioIndexReader index, WindowCosines cosines, CosineScore score)
    {
        var frames = index.Layout.FramesPerWindow;
        var starts = index.WindowStarts;
        return ranges =>
        {
            // Windows never read: their cosines are computed once and kept, for ranges that grow over them again.
            var unread = new HashSet<int>();
            foreach (var (file, a, b) in ranges)
            {
                for (var w = a; w < b; w++)
                {
                    var window = (int)(starts[file] + w);
                    if (!cosines.Contains(window)) unread.Add(window);
                }
            }
            cosines.Read([.. unread]);
            // Arrays per range, not one for all: one would be a large object for every search (see WindowCosines).
            var parts = new float[ranges.Count][,,];
            Parallel.For(0, ranges.Count, r =>
            {
                var (file, a, b) = ranges[r];
                var part = new float[b - a, 1, frames];
                for (var w = a; w < b; w++)
                {
                    var window = cosines.Get((int)(starts[file] + w));
                    for (var k = 0; k < frames; k++) part[w - a, 0, k] = score.Of(window[k]);
                }
                parts[r] = part;
            });
            return parts;
        };
    }

    private sealed record ScoredRange(int A, int B, List<SoundEvent> Events);

    private readonly Dictionary<int, List<ScoredRange>> _done = [];
    private readonly Dictionary<int, float[]> _windowMax = []; // per file, per window: arrays of the files scored, not a (file, window) key each
    private readonly int _frames = index.Layout.FramesPerWindow;
    private readonly WindowAverager _averager = new(options, [query]); // reused range after range
    private readonly int _hop = options.HopFrames;
    private readonly int _half = options.MedianFrames / 2;

    /// <summary>Windows on each side of a candidate: enough that all its frames are final and smoothed.</summary>
    private int Margin => (_frames + _half + _hop - 1) / _hop;

    /// <summary>Windows scored so far (a window scored again after its range grew counts again).</summary>
    public int WindowsScored { get; private set; }

    /// <summary>The highest raw score of a scored window's frames.</summary>
    public float WindowMax(int file, int window) => _windowMax[file][window];

    /// <summary>Every event found so far.</summary>
    public IEnumerable<SearchHit> Hits() => _done.SelectMany(d => d.Value.SelectMany(r => r.Events.Select(e =>
        new SearchHit(query, index.Files[d.Key].Path, e.Onset, e.Offset, e.Max, e.Mean))));

    /// <summary>Scores the ranges around <paramref name="windows"/> (file, window) not scored yet.</summary>
    public void Score(IEnumerable<(int File, int Window)> windows)
    {
        var pending = new List<(int File, int A, int B)>();
        foreach (var (file, window) in windows.Distinct())
        {
            var (a, b) = Clamp(file, window - Margin, window + Margin + 1);
            if (!_done.TryGetValue(file, out var done) || !done.Any(r => r.A <= a && b <= r.B))
            {
                pending.Add((file, a, b));
            }
        }
        while (pending.Count > 0)
        {
            pending = Evaluate(Merge(pending));
        }
    }

    private (int A, int B) Clamp(int file, int a, int b) => (Math.Max(0, a), Math.Min(index.Files[file].Windows, b));

    /// <summary>Pending ranges joined with each other and with scored ranges they overlap or nearly touch (the joined scored ranges are dropped, to be scored again as part of the larger one).</summary>
    private List<(int File, int A, int B)> Merge(List<(int File, int A, int B)> pending)
    {
        var merged = new List<(int File, int A, int B)>();
        foreach (var group in pending.GroupBy(p => p.File))
        {
            var file = group.Key;
            var done = _done.TryGetValue(file, out var list) ? list : [];
            var ranges = group.Select(p => (p.A, p.B, Done: (ScoredRange?)null)).Concat(done.Select(r => (r.A, r.B, Done: (ScoredRange?)r))).OrderBy(r => r.A).ToList();
            var current = (A: -1, B: -1, HasPending: false, Absorbed: new List<ScoredRange>());
            void Flush()
            {
                if (current.HasPending)
                {
                    merged.Add((file, current.A, current.B));
                    foreach (var r in current.Absorbed) done.Remove(r);
                }
            }
            foreach (var (a, b, scored) in ranges)
            {
                if (current.A >= 0 && a <= current.B + Margin)
                {
                    current.B = Math.Max(current.B, b);
                }
                else
                {
                    Flush();
                    current = (a, b, false, []);
                }
                if (scored is null) current.HasPending = true; else current.Absorbed.Add(scored);
            }
            Flush();
        }
        return merged;
    }

    /// <summary>Scores the ranges in one call; returns the ranges that must grow.</summary>
    private List<(int File, int A, int B)> Evaluate(List<(int File, int A, int B)> ranges)
    {
        var parts = score(ranges);
        var grow = new List<(int File, int A, int B)>();
        for (var r = 0; r < ranges.Count; r++)
        {
            var (file, a, b) = ranges[r];
            var part = parts[r];
            WindowsScored += b - a;
            if (!_windowMax.TryGetValue(file, out var maxima)) _windowMax[file] = maxima = new float[index.Files[file].Windows];
            for (var w = 0; w < b - a; w++)
            {
                var max = float.NegativeInfinity;
                for (var k = 0; k < _frames; k++) max = Math.Max(max, part[w, 0, k]);
                maxima[a + w] = max;
            }
            if (Events(file, a, b, part) is { } events)
            {
                if (!_done.TryGetValue(file, out var done)) _done[file] = done = [];
                done.Add(new ScoredRange(a, b, events));
            }
            else
            {
                var more = Math.Max(Margin, b - a);
                var (a2, b2) = Clamp(file, a - more, b + more);
                grow.Add((file, a2, b2));
            }
        }
        return grow;
    }

    /// <summary>The events in a range's trusted frames, or null when one reaches a trusted edge that is not the file's.</summary>
    private List<SoundEvent>? Events(int file, int a, int b, float[,,] scores)
    {
        var record = index.Files[file];
        var frameCount = (int)((record.Samples + options.FrameSamples - 1) / options.FrameSamples);
        var duration = (double)record.Samples / options.SampleRate;
        var exactLo = a == 0 ? 0 : (a - 1) * _hop + _frames; // first frame whose covering windows all lie in the range
        var exactHi = b == record.Windows ? frameCount : Math.Min(frameCount, b * _hop);
        var trustLo = exactLo == 0 ? 0 : exactLo + _half;
        var trustHi = exactHi == frameCount ? frameCount : exactHi - _half;
        if (trustHi <= trustLo)
        {
            return null;
        }
        // Frames counted from the range's first window, so the averager holds the range's frames only, not the file's before it.
        var first = a * _hop;
        _averager.Clear();
        _averager.Add(Enumerable.Range(0, b - a).Select(w => (long)w * _hop).ToArray(), scores);
        var smoothed = NearestEdgeMedianFilter.Apply(_averager.Means(record.Path, 0, exactLo - first, exactHi - first), options.MedianFrames);
        var fs = options.FrameSeconds;
        var relative = EventExtractor.Extract(query, smoothed.AsSpan(trustLo - exactLo, trustHi - trustLo), fs, duration - trustLo * fs, options.Threshold);
        var events = new List<SoundEvent>(relative.Count);
        foreach (var e in relative)
        {
            var start = (int)Math.Round(e.Onset / fs);
            var end = (int)Math.Ceiling(e.Offset / fs - 1e-9);
            if ((start == 0 && trustLo > 0) || (end == trustHi - trustLo && trustHi < frameCount))
            {
                return null; // the event may go on past what this range can tell
            }
            // Times as the detector computes them from absolute frame numbers.
            events.Add(e with { Onset = (trustLo + start) * fs, Offset = Math.Min((trustLo + end) * fs, duration) });
        }
        return events;
    }
}
