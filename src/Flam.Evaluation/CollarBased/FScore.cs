namespace Flam.Evaluation.CollarBased;

/// <summary>Collar-based counts of one class at a threshold.</summary>
/// <param name="Tps">Matched detections (size of the maximum matching).</param>
/// <param name="Fps">Unmatched detections.</param>
/// <param name="NRef">Ground-truth events of the class.</param>
public sealed record CollarCounts(long Tps, long Fps, long NRef);

/// <summary>Collar-based F-scores with the counts behind them.</summary>
/// <param name="Summary">F-score, precision, recall per class and averaged.</param>
/// <param name="Counts">Counts per class.</param>
public sealed record FScoreResult(FScoreSummary Summary, CollarCounts[] Counts);

/// <summary>
/// Collar-based (event-based) F-score at a decision threshold (Mesaros et al., Applied Sciences 6(6):162, 2016;
/// sed_scores_eval <c>collar_based.fscore</c>): detections are runs of frames with score strictly above the
/// threshold; TP is the size of a maximum-cardinality bipartite matching between detections and ground-truth
/// events of the same class and clip that satisfy both collars (<see cref="CollarOptions"/>), both sides of each
/// collar comparison rounded to the time decimals.
/// </summary>
public static class FScore
{
    /// <summary>Computes the F-scores; <paramref name="thresholds"/> holds one value or one per class.</summary>
    public static FScoreResult Compute(SedEvaluationSet set, IReadOnlyList<double> thresholds, CollarOptions options, double beta = 1.0)
    {
        options.Validate();
        var k = set.EventClasses.Count;
        var counts = new CollarCounts[k];
        var buffer = new double[set.Scores.MaxFrameCount()];
        for (var c = 0; c < k; c++)
        {
            var threshold = thresholds[thresholds.Count == 1 ? 0 : c];
            long tps = 0, detections = 0;
            for (var clip = 0; clip < set.ClipCount; clip++)
            {
                var t = set.Scores.Timestamps(clip);
                var y = buffer.AsSpan(0, t.Length - 1);
                set.Scores.CopyScores(clip, c, y);
                var runs = EventDetection.Runs(y, threshold);
                detections += runs.Count;
                var on = set.Onsets(clip, c);
                var off = set.Offsets(clip, c);
                if (runs.Count == 0 || on.Length == 0) continue;
                var hits = new List<int>[runs.Count];
                for (var d = 0; d < runs.Count; d++)
                {
                    hits[d] = [];
                    double a = t[runs[d].Start], b = t[runs[d].End + 1];
                    for (var g = 0; g < on.Length; g++)
                    {
                        if (Matches(a, b, on[g], off[g], options)) hits[d].Add(g);
                    }
                }
                tps += BipartiteMatching.MaximumMatchingSize(hits, on.Length);
            }
            counts[c] = new CollarCounts(tps, detections - tps, set.EventCount(c));
        }
        var summary = FScoreSummary.FromCounts(set.EventClasses,
            [.. counts.Select(x => x.Tps)], [.. counts.Select(x => x.Fps)], [.. counts.Select(x => x.NRef)], beta);
        return new FScoreResult(summary, counts);
    }

    /// <summary>Whether detection [a, b) satisfies both collars for the event [on, off).</summary>
    public static bool Matches(double a, double b, double on, double off, CollarOptions o)
    {
        var offsetCollar = Math.Max(o.OffsetCollar, o.OffsetCollarRate * (off - on));
        return TimeRounding.Round(Math.Abs(a - on) - o.OnsetCollar, o.TimeDecimals) <= 0
            && TimeRounding.Round(Math.Abs(b - off) - offsetCollar, o.TimeDecimals) <= 0;
    }
}
