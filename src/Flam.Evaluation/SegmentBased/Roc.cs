namespace Flam.Evaluation.SegmentBased;

/// <summary>Segment-based AUROC of every class and their mean.</summary>
/// <param name="EventClasses">The classes.</param>
/// <param name="Auroc">Area (or partial area, see <see cref="Roc.Auroc"/>) per class.</param>
/// <param name="Mean">Mean over classes (with a max FPR: the MPAUC of the DCASE baselines).</param>
/// <param name="Curves">The ROC of each class (empty when not kept).</param>
public sealed record AurocResult(IReadOnlyList<string> EventClasses, double[] Auroc, double Mean, RocCurve[] Curves);

/// <summary>
/// Segment-based ROC curves and (partial) areas under them (Ebbers et al., "Threshold-independent evaluation of
/// sound event detection scores", ICASSP 2022; sed_scores_eval <c>segment_based.auroc</c>). Items are the
/// segments of <see cref="SegmentScores"/>; TPR = positive segments with score ≥ s / positive segments,
/// FPR = negative segments with score ≥ s / negative segments. The area is the trapezoidal area under the
/// points ordered by (FPR, TPR), which equals the Mann-Whitney probability P(s⁺ &gt; s⁻) + ½ P(s⁺ = s⁻).
/// </summary>
public static class Roc
{
    /// <summary>
    /// AUROC per class and mean. With <paramref name="maxFpr"/>: the partial area up to that FPR divided by it
    /// (or McClish-standardised with <paramref name="mcclishCorrection"/>), see <see cref="RocCurve.Area"/>.
    /// Without <paramref name="keepCurves"/> each class's curve (one point per distinct segment score) is
    /// dropped after its area is taken, so memory stays at one class's segments.
    /// </summary>
    public static AurocResult Auroc(SedEvaluationSet set, SegmentOptions options, double? maxFpr = null, bool mcclishCorrection = false, bool keepCurves = true)
    {
        if (maxFpr is { } m && (!(m > 0) || m > 1))
        {
            throw new FlamException($"max FPR must be in (0, 1] but is {m}.");
        }
        var layout = SegmentScores.Layout.Create(set, options);
        var buffer = new double[set.Scores.MaxFrameCount()];
        var k = set.EventClasses.Count;
        var areas = new double[k];
        var curves = new List<RocCurve>();
        for (var c = 0; c < k; c++)
        {
            var (pos, neg) = SegmentScores.ForClass(set, c, layout, buffer);
            var curve = RocCurve.FromScores(pos, neg);
            areas[c] = curve.Area(maxFpr, mcclishCorrection);
            if (keepCurves) curves.Add(curve);
        }
        return new AurocResult(set.EventClasses, areas, areas.Average(), [.. curves]);
    }
}
