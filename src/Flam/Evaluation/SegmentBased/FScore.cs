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
}
