namespace Flam.Evaluation;

/// <summary>
/// A receiver operating characteristic: one operating point per distinct score s ("decision threshold just
/// below s", i.e. items with score ≥ s are positive) plus the point (0, 0) for an infinite threshold, ordered
/// by false-positive rate then true-positive rate (equivalently by descending score).
/// </summary>
/// <param name="Tpr">True-positive rate per point.</param>
/// <param name="Fpr">False-positive rate per point.</param>
/// <param name="Scores">The score the threshold must fall below for each point (+∞ for the first).</param>
public sealed record RocCurve(double[] Tpr, double[] Fpr, double[] Scores)
{
    /// <summary>
    /// Builds the curve from the scores of the positive and the negative items (both spans are sorted in place).
    /// TPR = #positives ≥ s / #positives, FPR = #negatives ≥ s / #negatives.
    /// </summary>
    public static RocCurve FromScores(Span<double> positives, Span<double> negatives)
    {
        positives.Sort();
        negatives.Sort();
        var tpr = new List<double> { 0.0 };
        var fpr = new List<double> { 0.0 };
        var thresholds = new List<double> { double.PositiveInfinity };
        int ip = positives.Length - 1, ineg = negatives.Length - 1;
        double nPos = positives.Length, nNeg = negatives.Length;
        while (ip >= 0 || ineg >= 0)
        {
            var s = ip < 0 ? negatives[ineg] : ineg < 0 ? positives[ip] : Math.Max(positives[ip], negatives[ineg]);
            while (ip >= 0 && positives[ip] == s) ip--;
            while (ineg >= 0 && negatives[ineg] == s) ineg--;
            tpr.Add((positives.Length - 1 - ip) / nPos);
            fpr.Add((negatives.Length - 1 - ineg) / nNeg);
            thresholds.Add(s);
        }
        return new RocCurve([.. tpr], [.. fpr], [.. thresholds]);
    }

    /// <summary>
    /// Area under the curve with linear interpolation between points (trapezoids). With <paramref name="maxFpr"/>
    /// the partial area up to that FPR (the curve interpolated linearly at <paramref name="maxFpr"/>) divided by
    /// <paramref name="maxFpr"/>; with <paramref name="mcclish"/> instead McClish's standardisation
    /// ½ (1 + (A − A<sub>min</sub>) / (A<sub>max</sub> − A<sub>min</sub>)), A<sub>min</sub> = ½ maxFpr², A<sub>max</sub> = maxFpr
    /// (McClish, Medical Decision Making 9(3), 1989; as sklearn's <c>roc_auc_score(max_fpr=...)</c>).
    /// </summary>
    public double Area(double? maxFpr = null, bool mcclish = false)
    {
        if (maxFpr is { } m && (!(m > 0) || m > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(maxFpr), "max FPR must be in (0, 1].");
        }
        var n = Fpr.Length;
        var area = 0.0;
        var i = 1;
        for (; i < n && (maxFpr is null || Fpr[i] <= maxFpr.Value); i++)
        {
            area += (Tpr[i - 1] + Tpr[i]) / 2 * (Fpr[i] - Fpr[i - 1]);
        }
        if (maxFpr is not { } max)
        {
            return area;
        }
        if (i < n)
        {
            var yLast = Tpr[i - 1] + (max - Fpr[i - 1]) / (Fpr[i] - Fpr[i - 1]) * (Tpr[i] - Tpr[i - 1]);
            area += (Tpr[i - 1] + yLast) / 2 * (max - Fpr[i - 1]);
        }
        if (!mcclish)
        {
            return area / max;
        }
        var minArea = 0.5 * max * max;
        return 0.5 * (1 + (area - minArea) / (max - minArea));
    }
}
