namespace Flam.Evaluation.IntersectionBased;

/// <summary>The PSD-ROC: effective TPR over effective FPR (ascending, last point at max eFPR).</summary>
/// <param name="Etpr">Effective TPR per point.</param>
/// <param name="Efpr">Effective FPR per point.</param>
public sealed record PsdRoc(double[] Etpr, double[] Efpr);

/// <summary>
/// The ROC of one class as PSDS uses it: operating points sorted by eFPR, points below the running TPR maximum
/// dropped, one point (the best TPR) per distinct eFPR, eFPR ≤ max eFPR.
/// </summary>
/// <param name="Tpr">TPR per point.</param>
/// <param name="Efpr">eFPR per point, ascending.</param>
/// <param name="Scores">The score the threshold must fall below for each point (+∞: nothing detected).</param>
public sealed record SingleClassPsdRoc(double[] Tpr, double[] Efpr, double[] Scores);

/// <summary>PSDS with its curves.</summary>
/// <param name="EventClasses">The classes.</param>
/// <param name="Value">The PSDS.</param>
/// <param name="SingleClassPsds">Each class's own staircase area up to max eFPR / max eFPR.</param>
/// <param name="Roc">The PSD-ROC.</param>
/// <param name="SingleClassRocs">Per-class ROCs.</param>
public sealed record PsdsResult(IReadOnlyList<string> EventClasses, double Value, double[] SingleClassPsds, PsdRoc Roc, SingleClassPsdRoc[] SingleClassRocs);

/// <summary>
/// Polyphonic Sound Detection Score (Bilen et al., "A framework for the robust evaluation of sound event
/// detection", ICASSP 2020), computed exactly over all thresholds (Ebbers et al., "Threshold-independent
/// evaluation of sound event detection scores", ICASSP 2022; sed_scores_eval <c>intersection_based.psds</c>).
/// Per class: TPR = TP / max(N<sub>ref</sub>, 1) and eFPR (see <see cref="PsdsOptions"/>) at every operating point;
/// the classes' TPR curves are combined on the union of their eFPRs with step interpolation (0 before a curve's
/// first point, its last TPR after its last point) into eTPR = max(mean − α<sub>st</sub> · std, 0) (population
/// std); PSDS = staircase area of eTPR up to max eFPR / max eFPR.
/// </summary>
public static class Psds
{
    /// <summary>Computes PSDS, the PSD-ROC and the per-class ROCs (requires durations).</summary>
    public static PsdsResult Compute(SedEvaluationSet set, PsdsOptions options)
    {
        options.Validate();
        if (!set.HasDurations)
        {
            throw new FlamException("PSDS needs the audio durations (the false-positive rate is per unit of time).");
        }
        // One class at a time: its operating points (one per change point) shrink to a ROC of at most N_ref + 1 points.
        var duration = set.TotalDuration();
        var k = set.EventClasses.Count;
        var rocs = new SingleClassPsdRoc[k];
        for (var c = 0; c < k; c++)
        {
            rocs[c] = SingleClassRoc(IntersectionStatistics.OperatingPoints(set, c, options.Criteria), duration, k, options);
        }
        return FromSingleClassRocs(set.EventClasses, rocs, options);
    }

    /// <summary>PSDS from precomputed operating points and the total audio duration in seconds.</summary>
    public static PsdsResult FromOperatingPoints(IReadOnlyList<string> eventClasses, IntersectionOperatingPoints[] points, double totalDuration, PsdsOptions options)
    {
        var k = points.Length;
        var rocs = new SingleClassPsdRoc[k];
        for (var c = 0; c < k; c++)
        {
            rocs[c] = SingleClassRoc(points[c], totalDuration, k, options);
        }
        return FromSingleClassRocs(eventClasses, rocs, options);
    }

    private static PsdsResult FromSingleClassRocs(IReadOnlyList<string> eventClasses, SingleClassPsdRoc[] rocs, PsdsOptions options)
    {
        var k = rocs.Length;
        var single = rocs.Select(r => StaircaseArea(r.Tpr, r.Efpr, options.MaxEfpr) / options.MaxEfpr).ToArray();

        var efpr = rocs.SelectMany(r => r.Efpr).Distinct().Order().ToList();
        var etpr = new List<double>(efpr.Count + 1);
        var values = new double[k];
        foreach (var x in efpr)
        {
            for (var c = 0; c < k; c++)
            {
                values[c] = StepAt(rocs[c], x);
            }
            var mean = values.Sum() / k;
            var variance = values.Sum(v => (v - mean) * (v - mean)) / k;
            etpr.Add(Math.Max(mean - options.AlphaSt * Math.Sqrt(variance), 0.0));
        }
        etpr.Add(etpr[^1]);
        efpr.Add(options.MaxEfpr);
        var psds = StaircaseArea([.. etpr], [.. efpr], options.MaxEfpr) / options.MaxEfpr;
        return new PsdsResult(eventClasses, psds, single, new PsdRoc([.. etpr], [.. efpr]), rocs);
    }

    private static SingleClassPsdRoc SingleClassRoc(IntersectionOperatingPoints p, double totalDuration, int classCount, PsdsOptions options)
    {
        var n = p.Scores.Length;
        var tpr = new double[n];
        var efpr = new double[n];
        for (var i = 0; i < n; i++)
        {
            tpr[i] = p.Tps[i] / (double)Math.Max(p.NRef, 1);
            var rate = p.Fps[i] / totalDuration;
            if (options.AlphaCt != 0 && classCount > 1)
            {
                rate += options.AlphaCt * (p.CrossTriggerRate[i] / (classCount - 1));
            }
            efpr[i] = rate * options.SecondsPerUnit;
        }
        // Sort by (eFPR, TPR, descending score: the reference keeps the highest threshold among equal points), keep
        // the points where the running TPR maximum rises, then per eFPR the last of them.
        // Points beyond max eFPR sort after all others, so dropping them first changes nothing but the sort cost.
        var order = Enumerable.Range(0, n).Where(i => efpr[i] <= options.MaxEfpr).ToArray();
        Array.Sort(order, (i, j) =>
        {
            var c = efpr[i].CompareTo(efpr[j]);
            if (c == 0) c = tpr[i].CompareTo(tpr[j]);
            return c != 0 ? c : p.Scores[j].CompareTo(p.Scores[i]);
        });
        var kept = new List<int>();
        var best = double.NegativeInfinity;
        foreach (var i in order)
        {
            if (kept.Count == 0 || tpr[i] > best)
            {
                kept.Add(i);
                best = tpr[i];
            }
        }
        var outTpr = new List<double>();
        var outEfpr = new List<double>();
        var outScores = new List<double>();
        for (var j = 0; j < kept.Count; j++)
        {
            var i = kept[j];
            if (j + 1 < kept.Count && efpr[kept[j + 1]] == efpr[i]) continue;
            if (efpr[i] > options.MaxEfpr) break;
            outTpr.Add(tpr[i]);
            outEfpr.Add(efpr[i]);
            outScores.Add(p.Scores[i]);
        }
        return new SingleClassPsdRoc([.. outTpr], [.. outEfpr], [.. outScores]);
    }

    // Step ("previous") interpolation: 0 before the first point, last TPR after the last.
    private static double StepAt(SingleClassPsdRoc roc, double x)
    {
        var e = roc.Efpr;
        if (e.Length == 0 || x < e[0]) return 0.0;
        int lo = 0, hi = e.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >> 1;
            if (e[mid] <= x) lo = mid; else hi = mid - 1;
        }
        return roc.Tpr[lo];
    }

    /// <summary>Σ y<sub>i</sub> (x<sub>i+1</sub> − x<sub>i</sub>) over points with x ≤ max, the last step extended to max.</summary>
    internal static double StaircaseArea(double[] y, double[] x, double maxX)
    {
        var area = 0.0;
        for (var i = 0; i < x.Length && x[i] <= maxX; i++)
        {
            var next = i + 1 < x.Length && x[i + 1] <= maxX ? x[i + 1] : maxX;
            area += y[i] * (next - x[i]);
        }
        return area;
    }
}
