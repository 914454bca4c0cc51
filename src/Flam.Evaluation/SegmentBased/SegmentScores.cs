namespace Flam.Evaluation.SegmentBased;

/// <summary>
/// Cuts clips into segments and gives each segment a score and a label per class (Mesaros et al., "Metrics for
/// polyphonic sound event detection", Applied Sciences 6(6):162, 2016; sed_scores_eval <c>segment_based</c>):
/// a clip of duration D has ⌈D / L⌉ segments <c>[iL, (i+1)L)</c> (the last may extend past the audio); a segment's
/// score is the maximum over the frames that overlap it (0 if none does) and it is positive when a ground-truth
/// event of the class overlaps it. Boundaries are rounded to <see cref="SegmentOptions.TimeDecimals"/>.
/// </summary>
public static class SegmentScores
{
    /// <summary>
    /// The segment scores of one class over all clips, split into positive and negative segments
    /// (clip order, then segment order).
    /// </summary>
    public static (double[] Positives, double[] Negatives) ForClass(SedEvaluationSet set, int eventClass, SegmentOptions options)
    {
        var layout = Layout.Create(set, options);
        var buffer = new double[set.Scores.MaxFrameCount()];
        return ForClass(set, eventClass, layout, buffer);
    }

    internal static (double[] Positives, double[] Negatives) ForClass(SedEvaluationSet set, int eventClass, Layout layout, double[] buffer)
    {
        var positives = new List<double>();
        var negatives = new List<double>(layout.TotalSegments);
        for (var clip = 0; clip < set.ClipCount; clip++)
        {
            var frames = set.Scores.FrameCount(clip);
            var scores = buffer.AsSpan(0, frames);
            set.Scores.CopyScores(clip, eventClass, scores);
            var first = layout.SegmentStart[clip];
            var count = layout.SegmentStart[clip + 1] - first;
            var bounds = layout.Boundaries.AsSpan(first + clip, count + 1);
            var positive = SegmentLabels(bounds, set.Onsets(clip, eventClass), set.Offsets(clip, eventClass));
            for (var i = 0; i < count; i++)
            {
                var from = layout.FrameFrom[first + i];
                var to = layout.FrameTo[first + i];
                var score = 0.0;
                if (to > from)
                {
                    score = scores[from];
                    for (var f = from + 1; f < to; f++)
                    {
                        score = Math.Max(score, scores[f]);
                    }
                }
                (positive[i] ? positives : negatives).Add(score);
            }
        }
        return ([.. positives], [.. negatives]);
    }

    private static bool[] SegmentLabels(ReadOnlySpan<double> bounds, ReadOnlySpan<double> onsets, ReadOnlySpan<double> offsets)
    {
        var n = bounds.Length - 1;
        var positive = new bool[n];
        for (var e = 0; e < onsets.Length; e++)
        {
            // First segment whose offset is after the event onset; then every segment starting before its offset.
            var lo = 0;
            var hi = n;
            while (lo < hi)
            {
                var mid = (lo + hi) >> 1;
                if (bounds[mid + 1] > onsets[e]) hi = mid; else lo = mid + 1;
            }
            for (var i = lo; i < n && bounds[i] < offsets[e]; i++)
            {
                if (bounds[i + 1] > bounds[i])
                {
                    positive[i] = true;
                }
            }
        }
        return positive;
    }

    /// <summary>Segment boundaries and the frame range overlapping each segment, for every clip.</summary>
    internal sealed class Layout
    {
        public required int[] SegmentStart { get; init; }   // per clip, into FrameFrom/FrameTo; Boundaries are offset by clip index
        public required double[] Boundaries { get; init; }
        public required int[] FrameFrom { get; init; }
        public required int[] FrameTo { get; init; }
        public int TotalSegments => SegmentStart[^1];

        public static Layout Create(SedEvaluationSet set, SegmentOptions options)
        {
            options.Validate();
            var clips = set.ClipCount;
            var segmentStart = new int[clips + 1];
            var counts = new int[clips];
            for (var c = 0; c < clips; c++)
            {
                var duration = set.HasDurations ? set.Duration(c) : DurationFromData(set, c);
                counts[c] = (int)Math.Ceiling(duration / options.SegmentLength);
                segmentStart[c + 1] = segmentStart[c] + counts[c];
            }
            var total = segmentStart[clips];
            var boundaries = new double[total + clips];
            var from = new int[total];
            var to = new int[total];
            for (var c = 0; c < clips; c++)
            {
                var raw = set.Scores.Timestamps(c);
                var t = new double[raw.Length];
                for (var i = 0; i < t.Length; i++)
                {
                    t[i] = TimeRounding.Round(raw[i], options.TimeDecimals);
                }
                var b = boundaries.AsSpan(segmentStart[c] + c, counts[c] + 1);
                for (var i = 0; i <= counts[c]; i++)
                {
                    b[i] = TimeRounding.Round(i * options.SegmentLength, options.TimeDecimals);
                }
                var gt = 0;  // first index with t > segment onset
                var ge = 0;  // first index with t >= segment offset
                for (var i = 0; i < counts[c]; i++)
                {
                    while (gt < t.Length && !(t[gt] > b[i])) gt++;
                    while (ge < t.Length && !(t[ge] >= b[i + 1])) ge++;
                    from[segmentStart[c] + i] = Math.Max(gt - 1, 0);
                    to[segmentStart[c] + i] = Math.Min(ge, t.Length - 1);
                }
            }
            return new Layout { SegmentStart = segmentStart, Boundaries = boundaries, FrameFrom = from, FrameTo = to };
        }

        // Without durations the reference uses the end of the scores or of the last event, whichever is later.
        private static double DurationFromData(SedEvaluationSet set, int clip)
        {
            var end = set.Scores.Timestamps(clip)[^1];
            for (var k = 0; k < set.EventClasses.Count; k++)
            {
                foreach (var off in set.Offsets(clip, k))
                {
                    end = Math.Max(end, off);
                }
            }
            return end;
        }
    }
}
