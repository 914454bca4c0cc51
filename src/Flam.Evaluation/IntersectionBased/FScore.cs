namespace Flam.Evaluation.IntersectionBased;

/// <summary>Intersection-based counts of one class at a threshold.</summary>
/// <param name="Tps">Ground-truth events meeting the GTC.</param>
/// <param name="Fps">Detections failing the DTC.</param>
/// <param name="Cts">Cross-triggers on other classes (0 without a CTTC threshold).</param>
/// <param name="NRef">Ground-truth events of the class.</param>
/// <param name="TRef">Total duration of the ground-truth events of the class, seconds.</param>
public sealed record IntersectionCounts(long Tps, long Fps, long Cts, long NRef, double TRef);

/// <summary>Intersection-based F-scores with the counts behind them.</summary>
/// <param name="Summary">F-score, precision, recall per class and averaged.</param>
/// <param name="Counts">Counts per class.</param>
public sealed record FScoreResult(FScoreSummary Summary, IntersectionCounts[] Counts);

/// <summary>
/// Intersection-based F-score at a decision threshold (Bilen et al., ICASSP 2020; sed_scores_eval
/// <c>intersection_based.fscore</c>): detections are runs of frames with score strictly above the threshold;
/// TP = ground-truth events meeting the GTC, FP = detections failing the DTC, precision = TP / (TP + FP).
/// </summary>
public static class FScore
{
    /// <summary>Computes the F-scores; <paramref name="thresholds"/> holds one value or one per class.</summary>
    public static FScoreResult Compute(SedEvaluationSet set, IReadOnlyList<double> thresholds, IntersectionOptions options, double beta = 1.0)
    {
        var k = set.EventClasses.Count;
        var counts = new IntersectionCounts[k];
        for (var c = 0; c < k; c++)
        {
            var (tps, fps, cts) = IntersectionStatistics.CountsAtThreshold(set, c, thresholds[thresholds.Count == 1 ? 0 : c], options);
            counts[c] = new IntersectionCounts(tps, fps, cts.Sum(), set.EventCount(c), set.EventDuration(c));
        }
        var summary = FScoreSummary.FromCounts(set.EventClasses,
            [.. counts.Select(x => x.Tps)], [.. counts.Select(x => x.Fps)], [.. counts.Select(x => x.NRef)], beta);
        return new FScoreResult(summary, counts);
    }
}
