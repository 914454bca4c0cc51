namespace Flam.Evaluation;

/// <summary>
/// F-score, precision and recall per class with their macro average (mean over classes) and micro average
/// (computed from the summed counts), as sed_scores_eval reports them (<c>base_modules.precision_recall</c>).
/// </summary>
/// <param name="EventClasses">The classes, in order.</param>
/// <param name="FScore">F<sub>β</sub> per class.</param>
/// <param name="Precision">Precision per class: TP / (TP + FP), and 1 when nothing was detected.</param>
/// <param name="Recall">Recall per class: TP / N<sub>ref</sub>, and 1 when the class has no reference item.</param>
/// <param name="MacroFScore">Mean of <paramref name="FScore"/>.</param>
/// <param name="MacroPrecision">Mean of <paramref name="Precision"/>.</param>
/// <param name="MacroRecall">Mean of <paramref name="Recall"/>.</param>
/// <param name="MicroFScore">F<sub>β</sub> of the micro precision and recall.</param>
/// <param name="MicroPrecision">ΣTP / max(ΣTP + ΣFP, 1).</param>
/// <param name="MicroRecall">ΣTP / max(ΣN<sub>ref</sub>, 1).</param>
public sealed record FScoreSummary(
    IReadOnlyList<string> EventClasses, double[] FScore, double[] Precision, double[] Recall,
    double MacroFScore, double MacroPrecision, double MacroRecall,
    double MicroFScore, double MicroPrecision, double MicroRecall)
{
    /// <summary>
    /// Computes the summary from per-class counts. F<sub>β</sub> = (1 + β²) P R / max(β² P + R, 1e-15).
    /// </summary>
    public static FScoreSummary FromCounts(IReadOnlyList<string> eventClasses, long[] tps, long[] fps, long[] nRef, double beta = 1.0)
    {
        var k = eventClasses.Count;
        var f = new double[k];
        var p = new double[k];
        var r = new double[k];
        for (var c = 0; c < k; c++)
        {
            p[c] = tps[c] + fps[c] == 0 ? 1.0 : tps[c] / (double)(tps[c] + fps[c]);
            r[c] = nRef[c] == 0 ? 1.0 : tps[c] / (double)nRef[c];
            f[c] = FBeta(p[c], r[c], beta);
        }
        double tp = tps.Sum(), fp = fps.Sum(), n = nRef.Sum();
        var microP = tp / Math.Max(tp + fp, 1);
        var microR = tp / Math.Max(n, 1);
        return new FScoreSummary(eventClasses, f, p, r, f.Average(), p.Average(), r.Average(),
            FBeta(microP, microR, beta), microP, microR);
    }

    /// <summary>F<sub>β</sub> = (1 + β²) P R / max(β² P + R, 1e-15) (0 when both are 0).</summary>
    public static double FBeta(double precision, double recall, double beta = 1.0) =>
        (1 + beta * beta) * precision * recall / Math.Max(beta * beta * precision + recall, 1e-15);
}
