namespace Flam.Evaluation;

/// <summary>Frame outputs of one text query on one clip with the query's binary frame labels.</summary>
/// <param name="ClipId">The clip.</param>
/// <param name="Text">The text (event description).</param>
/// <param name="Scores">Model output per frame.</param>
/// <param name="Labels">Ground truth per frame (event of <paramref name="Text"/> active).</param>
public sealed record FrameTrack(string ClipId, string Text, double[] Scores, bool[] Labels)
{
    /// <summary>Throws <see cref="FlamException"/> when scores and labels differ in length or a score is NaN.</summary>
    public FrameTrack Validate()
    {
        if (Scores.Length != Labels.Length)
        {
            throw new FlamException($"Clip '{ClipId}', text '{Text}': {Scores.Length} scores but {Labels.Length} labels.");
        }
        if (Scores.Any(double.IsNaN))
        {
            throw new FlamException($"Clip '{ClipId}', text '{Text}': NaN score.");
        }
        return this;
    }
}

/// <summary>Open-vocabulary frame AUROC: pooled and averaged over clips.</summary>
/// <param name="Pooled">AUROC over all frames of all tracks.</param>
/// <param name="ClipMean">Mean over clips of each clip's AUROC (clips with both positive and negative frames).</param>
/// <param name="ClipsUsed">Number of clips in <paramref name="ClipMean"/>.</param>
public sealed record OpenVocabularyAuroc(double Pooled, double ClipMean, int ClipsUsed);

/// <summary>Spearman alignment: mean ρ over tracks where it is defined.</summary>
/// <param name="Mean">Mean Spearman ρ.</param>
/// <param name="TracksUsed">Tracks with non-constant scores and labels.</param>
/// <param name="TracksSkipped">Tracks where ρ is undefined (constant labels or scores).</param>
public sealed record SpearmanAlignment(double Mean, int TracksUsed, int TracksSkipped);

/// <summary>Precision, recall and F1 at a list of thresholds (detected: score &gt; threshold).</summary>
/// <param name="Thresholds">The thresholds.</param>
/// <param name="Precision">TP / (TP + FP), 1 when nothing is detected.</param>
/// <param name="Recall">TP / positives.</param>
/// <param name="F1">Harmonic mean of precision and recall.</param>
public sealed record ThresholdCurve(double[] Thresholds, double[] Precision, double[] Recall, double[] F1);

/// <summary>
/// The FLAM paper's frame-level metrics for open-vocabulary SED (Wu et al., "FLAM: Frame-Wise Language-Audio
/// Modeling", ICML 2025, §5.2, Fig. 3, Appendix C.11). Inputs are <see cref="FrameTrack"/>s: for every clip, one
/// track per text that occurs in the clip (the paper evaluates only "the events that actually occur in an audio
/// clip"; frames outside the event are the negatives, and texts absent from the clip contribute nothing).
/// </summary>
public static class OpenVocabularyMetrics
{
    /// <summary>
    /// AUROC over frames: positives are frames inside the text's event, negatives the other frames of the same
    /// track; AUROC = P(s⁺ &gt; s⁻) + ½ P(s⁺ = s⁻) (trapezoidal area of the ROC). <c>Pooled</c> uses every frame of
    /// every track; <c>ClipMean</c> averages the AUROC of each clip's frames (all its tracks) over clips that
    /// have positive and negative frames.
    /// </summary>
    public static OpenVocabularyAuroc Auroc(IReadOnlyList<FrameTrack> tracks)
    {
        var pos = new List<double>();
        var neg = new List<double>();
        foreach (var t in tracks)
        {
            t.Validate();
            Split(t, pos, neg);
        }
        var pooled = pos.Count > 0 && neg.Count > 0 ? RocCurve.FromScores(pos.ToArray(), neg.ToArray()).Area() : double.NaN;
        var perClip = new List<double>();
        foreach (var clip in tracks.GroupBy(t => t.ClipId))
        {
            var p = new List<double>();
            var n = new List<double>();
            foreach (var t in clip) Split(t, p, n);
            if (p.Count > 0 && n.Count > 0) perClip.Add(RocCurve.FromScores(p.ToArray(), n.ToArray()).Area());
        }
        return new OpenVocabularyAuroc(pooled, perClip.Count > 0 ? perClip.Average() : double.NaN, perClip.Count);
    }

    /// <summary>
    /// Spearman alignment (Appendix C.11): per track, Spearman's ρ between the frame outputs and the binary frame
    /// labels (Pearson correlation of ranks, ties get their average rank); the mean over tracks. Tracks with
    /// constant labels or constant outputs have no ρ and are counted in <c>TracksSkipped</c>.
    /// </summary>
    public static SpearmanAlignment Spearman(IReadOnlyList<FrameTrack> tracks)
    {
        var values = new List<double>();
        foreach (var t in tracks)
        {
            t.Validate();
            var rho = SpearmanRho(t.Scores, [.. t.Labels.Select(l => l ? 1.0 : 0.0)]);
            if (!double.IsNaN(rho)) values.Add(rho);
        }
        return new SpearmanAlignment(values.Count > 0 ? values.Average() : double.NaN, values.Count, tracks.Count - values.Count);
    }

    /// <summary>Spearman's ρ of two equally long samples (average ranks for ties); NaN if either is constant.</summary>
    public static double SpearmanRho(double[] x, double[] y)
    {
        if (x.Length != y.Length) throw new ArgumentException("Samples differ in length.");
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    /// <summary>1-based ranks, tied values sharing the mean of their ranks.</summary>
    public static double[] AverageRanks(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).ToArray();
        var keys = (double[])values.Clone();
        Array.Sort(keys, order);
        var ranks = new double[values.Length];
        for (var i = 0; i < keys.Length;)
        {
            var j = i;
            while (j + 1 < keys.Length && keys[j + 1] == keys[i]) j++;
            var rank = (i + j) / 2.0 + 1;
            for (var m = i; m <= j; m++) ranks[order[m]] = rank;
            i = j + 1;
        }
        return ranks;
    }

    /// <summary>Pearson correlation of two equally long samples; NaN if either is constant.</summary>
    public static double Pearson(double[] x, double[] y)
    {
        if (x.Length != y.Length) throw new ArgumentException("Samples differ in length.");
        double mx = x.Average(), my = y.Average(), sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>
    /// Frame-level precision, recall and F1 against threshold (Fig. 3) over all frames of all tracks: a frame is
    /// detected when its score is strictly greater than the threshold. One sort of all frames, then a sweep.
    /// </summary>
    public static ThresholdCurve ThresholdCurve(IReadOnlyList<FrameTrack> tracks, IReadOnlyList<double> thresholds)
    {
        var pos = new List<double>();
        var neg = new List<double>();
        foreach (var t in tracks)
        {
            t.Validate();
            Split(t, pos, neg);
        }
        var p = pos.ToArray();
        var n = neg.ToArray();
        Array.Sort(p);
        Array.Sort(n);
        var k = thresholds.Count;
        var precision = new double[k];
        var recall = new double[k];
        var f1 = new double[k];
        for (var i = 0; i < k; i++)
        {
            long tp = p.Length - UpperBound(p, thresholds[i]);
            long fp = n.Length - UpperBound(n, thresholds[i]);
            precision[i] = tp + fp == 0 ? 1.0 : tp / (double)(tp + fp);
            recall[i] = p.Length == 0 ? 1.0 : tp / (double)p.Length;
            f1[i] = FScoreSummary.FBeta(precision[i], recall[i]);
        }
        return new ThresholdCurve([.. thresholds], precision, recall, f1);
    }

    // Number of values <= x in a sorted array.
    private static int UpperBound(double[] sorted, double x)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (sorted[mid] <= x) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static void Split(FrameTrack t, List<double> pos, List<double> neg)
    {
        for (var i = 0; i < t.Scores.Length; i++)
        {
            (t.Labels[i] ? pos : neg).Add(t.Scores[i]);
        }
    }
}

/// <summary>How often a detector fires for a text that is not in the clip.</summary>
/// <param name="FrameRate">Fraction of frames above the threshold over all (clip, absent text) pairs.</param>
/// <param name="PairRate">Fraction of (clip, absent text) pairs with at least one frame above the threshold.</param>
/// <param name="Pairs">Number of (clip, absent text) pairs.</param>
public sealed record AbsentTextFalseAlarms(double FrameRate, double PairRate, int Pairs)
{
    /// <summary>
    /// Counts, for every clip and every text in <paramref name="texts"/> with no event in that clip, the frames whose
    /// output exceeds <paramref name="threshold"/>. Texts a clip lacks outputs for are an error.
    /// </summary>
    public static AbsentTextFalseAlarms Compute(IReadOnlyList<ClipFrameOutputs> clips, IReadOnlyCollection<string> texts, double threshold)
    {
        long frames = 0, above = 0;
        int pairs = 0, firing = 0;
        foreach (var clip in clips)
        {
            var present = clip.Events.Select(e => e.Text).ToHashSet(StringComparer.Ordinal);
            foreach (var text in texts.Where(t => !present.Contains(t)))
            {
                if (!clip.Scores.TryGetValue(text, out var scores))
                {
                    throw new ArgumentException($"Clip '{clip.ClipId}' has no outputs for '{text}'.");
                }
                var n = scores.Count(s => s > threshold);
                frames += scores.Length;
                above += n;
                pairs++;
                firing += n > 0 ? 1 : 0;
            }
        }
        return new AbsentTextFalseAlarms(frames == 0 ? double.NaN : (double)above / frames, pairs == 0 ? double.NaN : (double)firing / pairs, pairs);
    }
}
