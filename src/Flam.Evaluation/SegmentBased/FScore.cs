namespace Flam.Evaluation.SegmentBased;

/// <summary>Segment counts of one class at a threshold.</summary>
/// <param name="Tps">Positive segments detected.</param>
/// <param name="Fps">Negative segments detected.</param>
/// <param name="NSys">Detected segments.</param>
/// <param name="NRef">Positive segments.</param>
/// <param name="Tns">Negative segments not detected.</param>
public sealed record SegmentCounts(long Tps, long Fps, long NSys, long NRef, long Tns);

/// <summary>Segment-based F-scores with the counts behind them.</summary>
/// <param name="Summary">F-score, precision, recall per class and averaged.</param>
/// <param name="Counts">Counts per class.</param>
public sealed record FScoreResult(FScoreSummary Summary, SegmentCounts[] Counts);

/// <summary>
/// Segment-based F-score, precision and recall at a decision threshold (Mesaros et al., Applied Sciences 6(6):162,
/// 2016): a segment is detected when its score (<see cref="SegmentScores"/>) is strictly greater than the threshold.
/// </summary>
public static class FScore
{
    /// <summary>Computes the F-scores; <paramref name="thresholds"/> holds one value or one per class.</summary>
    public static FScoreResult Compute(SedEvaluationSet set, IReadOnlyList<double> thresholds, SegmentOptions options, double beta = 1.0)
    {
        var k = set.EventClasses.Count;
        var layout = SegmentScores.Layout.Create(set, options);
        var buffer = new double[set.Scores.MaxFrameCount()];
        var counts = new SegmentCounts[k];
        for (var c = 0; c < k; c++)
        {
            var threshold = thresholds[thresholds.Count == 1 ? 0 : c];
            var (pos, neg) = SegmentScores.ForClass(set, c, layout, buffer);
            long tps = pos.Count(s => s > threshold), fps = neg.Count(s => s > threshold);
            counts[c] = new SegmentCounts(tps, fps, tps + fps, pos.Length, neg.Length - fps);
        }
        var summary = FScoreSummary.FromCounts(set.EventClasses,
            [.. counts.Select(x => x.Tps)], [.. counts.Select(x => x.Fps)], [.. counts.Select(x => x.NRef)], beta);
        return new FScoreResult(summary, counts);
    }

    /// <summary>
    /// Macro-averaged precision, recall and F-score at each threshold (Fig. 3 of the FLAM paper for score files):
    /// segment scores are computed and sorted once per class.
    /// </summary>
    public static ThresholdCurve Curve(SedEvaluationSet set, IReadOnlyList<double> thresholds, SegmentOptions options, double beta = 1.0)
    {
        var k = set.EventClasses.Count;
        var layout = SegmentScores.Layout.Create(set, options);
        var buffer = new double[set.Scores.MaxFrameCount()];
        var tps = new long[thresholds.Count, k];
        var fps = new long[thresholds.Count, k];
        var nRef = new long[k];
        for (var c = 0; c < k; c++)
        {
            var (pos, neg) = SegmentScores.ForClass(set, c, layout, buffer);
            Array.Sort(pos);
            Array.Sort(neg);
            nRef[c] = pos.Length;
            for (var i = 0; i < thresholds.Count; i++)
            {
                tps[i, c] = pos.Length - CountAtMost(pos, thresholds[i]);
                fps[i, c] = neg.Length - CountAtMost(neg, thresholds[i]);
            }
        }
        var precision = new double[thresholds.Count];
        var recall = new double[thresholds.Count];
        var f = new double[thresholds.Count];
        for (var i = 0; i < thresholds.Count; i++)
        {
            var s = FScoreSummary.FromCounts(set.EventClasses, [.. Enumerable.Range(0, k).Select(c => tps[i, c])],
                [.. Enumerable.Range(0, k).Select(c => fps[i, c])], nRef, beta);
            (precision[i], recall[i], f[i]) = (s.MacroPrecision, s.MacroRecall, s.MacroFScore);
        }
        return new ThresholdCurve([.. thresholds], precision, recall, f);
    }

    private static int CountAtMost(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (sorted[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
