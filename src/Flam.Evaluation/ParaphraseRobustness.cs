namespace Flam.Evaluation;

/// <summary>Frame outputs of one event of one clip queried with the event text and with each of its phrasings.</summary>
/// <param name="ClipId">The clip.</param>
/// <param name="Text">The table row's text: the event text, or the label the event text is a caption of (items are grouped by it).</param>
/// <param name="Original">Output per frame for the event text as the manifest names it.</param>
/// <param name="Phrasings">Output per frame for each phrasing (in table order), each as long as <paramref name="Labels"/>.</param>
/// <param name="Labels">Frame truth of the event (the training frame labels, as the open-vocabulary AUROC uses).</param>
public sealed record ParaphraseTrack(string ClipId, string Text, double[] Original, IReadOnlyList<double[]> Phrasings, bool[] Labels);

/// <summary>Paraphrase robustness of one table row over the (clip, event text) items it stands for.</summary>
/// <param name="Text">The row's text.</param>
/// <param name="Tracks">Items (clip, event text) of the row.</param>
/// <param name="Phrasings">Phrasings in its table row.</param>
/// <param name="Agreement">Mean pairwise decision agreement.</param>
/// <param name="Jaccard">Mean pairwise Jaccard of detected frames over pairs where at least one phrasing detects (NaN if none).</param>
/// <param name="Correlation">Mean pairwise Pearson correlation over pairs where it is defined (NaN if none).</param>
/// <param name="OriginalAuroc">Frame AUROC of the event text's outputs over this text's tracks.</param>
/// <param name="PhrasingAuroc">Frame AUROC of each phrasing's outputs over the same tracks.</param>
public sealed record ParaphraseTextResult(string Text, int Tracks, int Phrasings, double Agreement, double Jaccard, double Correlation,
    double OriginalAuroc, double[] PhrasingAuroc);

/// <summary>Paraphrase robustness summary.</summary>
/// <param name="Threshold">Decision threshold (a frame is detected when its output is strictly above it).</param>
/// <param name="Tracks">(clip, event text) items evaluated.</param>
/// <param name="Pairs">Phrasing pairs over all items.</param>
/// <param name="MeanAgreement">Mean over all pairs of the fraction of frames where both phrasings make the same decision.</param>
/// <param name="MeanJaccard">Mean over pairs with at least one detection of |A ∩ B| / |A ∪ B| of the detected frame sets.</param>
/// <param name="PairsBothEmpty">Pairs where neither phrasing detects a frame (no Jaccard; left out of <paramref name="MeanJaccard"/>).</param>
/// <param name="MeanCorrelation">Mean over pairs of the Pearson correlation of the two output sequences.</param>
/// <param name="PairsWithoutCorrelation">Pairs where a sequence is constant (no correlation; left out of <paramref name="MeanCorrelation"/>).</param>
/// <param name="OriginalAuroc">Open-vocabulary frame AUROC (pooled) of the event texts' outputs over all items.</param>
/// <param name="PhrasingAuroc">Per phrasing index k: the pooled AUROC of the k-th phrasing's outputs over the items whose row has one.</param>
/// <param name="PerText">Per event text, ordinally sorted.</param>
public sealed record ParaphraseRobustnessResult(double Threshold, int Tracks, int Pairs, double MeanAgreement, double MeanJaccard, int PairsBothEmpty,
    double MeanCorrelation, int PairsWithoutCorrelation, double OriginalAuroc, double[] PhrasingAuroc, IReadOnlyList<ParaphraseTextResult> PerText);

/// <summary>
/// Paraphrase robustness: does the detector find the same frames when the same sound is described in other words?
/// Every (clip, event text) item is scored with each phrasing of the text; every unordered pair of phrasings (i &lt; j)
/// of an item is compared. Definitions (a frame is <i>detected</i> when its output is strictly above the threshold):
/// <list type="bullet">
/// <item><b>agreement</b>: fraction of frames where both phrasings make the same decision (detected or not);</item>
/// <item><b>Jaccard</b>: |A ∩ B| / |A ∪ B| of the two detected frame sets; pairs where neither detects anything have
/// no Jaccard and are counted in <c>PairsBothEmpty</c> instead (counting them as 1 would reward a silent model);</item>
/// <item><b>correlation</b>: Pearson correlation of the two output sequences (threshold-free); pairs where a sequence is
/// constant have none and are counted;</item>
/// <item>summary values are means over all pairs of all items (pooled, so a row with more phrasings has more pairs);</item>
/// <item><b>AUROC per phrasing index</b>: <see cref="OpenVocabularyMetrics.Auroc"/> (pooled) of the outputs of phrasing k
/// against the event's frame truth, beside the same AUROC of the event text itself, so the cost of rewording is visible.</item>
/// </list>
/// </summary>
public static class ParaphraseRobustness
{
    /// <summary>Fraction of frames where <c>a &gt; threshold</c> equals <c>b &gt; threshold</c>.</summary>
    public static double Agreement(double[] a, double[] b, double threshold)
    {
        CheckLengths(a, b);
        var same = 0;
        for (var i = 0; i < a.Length; i++) if (a[i] > threshold == b[i] > threshold) same++;
        return same / (double)a.Length;
    }

    /// <summary>Jaccard index of the frames above the threshold; NaN when neither sequence has one.</summary>
    public static double Jaccard(double[] a, double[] b, double threshold)
    {
        CheckLengths(a, b);
        int both = 0, either = 0;
        for (var i = 0; i < a.Length; i++)
        {
            bool x = a[i] > threshold, y = b[i] > threshold;
            if (x && y) both++;
            if (x || y) either++;
        }
        return either == 0 ? double.NaN : both / (double)either;
    }

    /// <summary>Computes the pairwise comparisons, the AUROCs and the per-text rows.</summary>
    public static ParaphraseRobustnessResult Compute(IReadOnlyList<ParaphraseTrack> tracks, double threshold)
    {
        foreach (var t in tracks) Validate(t);
        var all = Pairs(tracks, threshold);
        var maxPhrasings = tracks.Count == 0 ? 0 : tracks.Max(t => t.Phrasings.Count);
        var perText = tracks.GroupBy(t => t.Text, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var list = g.ToList();
            var p = Pairs(list, threshold);
            var n = list.Max(t => t.Phrasings.Count);
            return new ParaphraseTextResult(g.Key, list.Count, n, p.Agreement, p.Jaccard, p.Correlation, Auroc(list, -1),
                [.. Enumerable.Range(0, n).Select(k => Auroc(list, k))]);
        }).ToList();
        return new ParaphraseRobustnessResult(threshold, tracks.Count, all.Count, all.Agreement, all.Jaccard, all.BothEmpty, all.Correlation,
            all.NoCorrelation, Auroc(tracks, -1), [.. Enumerable.Range(0, maxPhrasings).Select(k => Auroc(tracks, k))], perText);
    }

    private static (int Count, double Agreement, double Jaccard, int BothEmpty, double Correlation, int NoCorrelation) Pairs(
        IEnumerable<ParaphraseTrack> tracks, double threshold)
    {
        var agreement = new List<double>();
        var jaccard = new List<double>();
        var correlation = new List<double>();
        int bothEmpty = 0, noCorrelation = 0;
        foreach (var t in tracks)
        {
            for (var i = 0; i < t.Phrasings.Count; i++)
            {
                for (var j = i + 1; j < t.Phrasings.Count; j++)
                {
                    double[] a = t.Phrasings[i], b = t.Phrasings[j];
                    agreement.Add(Agreement(a, b, threshold));
                    var jac = Jaccard(a, b, threshold);
                    if (double.IsNaN(jac)) bothEmpty++; else jaccard.Add(jac);
                    var r = OpenVocabularyMetrics.Pearson(a, b);
                    if (double.IsNaN(r)) noCorrelation++; else correlation.Add(r);
                }
            }
        }
        static double Mean(List<double> v) => v.Count > 0 ? v.Average() : double.NaN;
        return (agreement.Count, Mean(agreement), Mean(jaccard), bothEmpty, Mean(correlation), noCorrelation);
    }

    // Pooled open-vocabulary AUROC of phrasing k (k = -1: the event text) over the tracks that have it.
    private static double Auroc(IEnumerable<ParaphraseTrack> tracks, int k)
    {
        List<FrameTrack> frames = [.. tracks.Where(t => k < t.Phrasings.Count)
            .Select(t => new FrameTrack(t.ClipId, t.Text, k < 0 ? t.Original : t.Phrasings[k], t.Labels))];
        return frames.Count == 0 ? double.NaN : OpenVocabularyMetrics.Auroc(frames).Pooled;
    }

    private static void Validate(ParaphraseTrack t)
    {
        if (t.Phrasings.Count < 2) throw new ArgumentException($"Clip '{t.ClipId}', text '{t.Text}': at least two phrasings are needed.");
        new FrameTrack(t.ClipId, t.Text, t.Original, t.Labels).Validate();
        foreach (var p in t.Phrasings) new FrameTrack(t.ClipId, t.Text, p, t.Labels).Validate();
    }

    private static void CheckLengths(double[] a, double[] b)
    {
        if (a.Length != b.Length || a.Length == 0) throw new ArgumentException($"Sequences of {a.Length} and {b.Length} frames cannot be compared.");
    }
}
