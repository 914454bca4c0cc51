namespace Flam.Evaluation;

/// <summary>Calibration of one query text, counted over the frames of every track of that text.</summary>
/// <param name="Text">The query text (event description).</param>
/// <param name="Frames">Frames evaluated (all frames of every clip the text occurs in).</param>
/// <param name="PositiveFrames">Frames that are truly positive.</param>
/// <param name="FramesAbove">Frames whose output is strictly above the threshold.</param>
/// <param name="TruePositivesAbove">Frames above the threshold that are truly positive.</param>
public sealed record QueryCalibration(string Text, long Frames, long PositiveFrames, long FramesAbove, long TruePositivesAbove)
{
    /// <summary>Whether the query's output ever exceeds the threshold (only then has it a precision).</summary>
    public bool Fires => FramesAbove > 0;

    /// <summary><c>TruePositivesAbove / FramesAbove</c>; NaN when the query never fires.</summary>
    public double Precision => Fires ? TruePositivesAbove / (double)FramesAbove : double.NaN;

    /// <summary><c>PositiveFrames / Frames</c>: the precision a constant "always active" output would have.</summary>
    public double PositiveRate => Frames > 0 ? PositiveFrames / (double)Frames : double.NaN;
}

/// <summary>One bin of a reliability diagram.</summary>
/// <param name="Lower">Lower edge (inclusive).</param>
/// <param name="Upper">Upper edge (exclusive, except 1 for the last bin).</param>
/// <param name="Frames">Frames whose output falls into the bin.</param>
/// <param name="MeanPredicted">Mean output of those frames (NaN when empty).</param>
/// <param name="ObservedPositive">Fraction of those frames that are truly positive (NaN when empty).</param>
public sealed record ReliabilityBin(double Lower, double Upper, long Frames, double MeanPredicted, double ObservedPositive);

/// <summary>Calibration summary of a detector's frame outputs.</summary>
/// <param name="Threshold">The decision threshold (a frame fires when its output is strictly above it).</param>
/// <param name="Queries">Per query text, ordinally sorted by text.</param>
/// <param name="MeanPrecision">Mean of <see cref="QueryCalibration.Precision"/> over the queries that fire (NaN if none fires).</param>
/// <param name="MedianPrecision">Median of the same values.</param>
/// <param name="QueriesFiring">Queries whose output exceeds the threshold in at least one frame.</param>
/// <param name="PooledPrecision">Frames above the threshold that are truly positive over all frames above it, all queries pooled.</param>
/// <param name="Bins">Reliability diagram pooled over queries: equal-width bins of the output on [0, 1].</param>
/// <param name="ExpectedCalibrationError">Σ_b (n_b / N) · |mean output_b − observed positive fraction_b| over non-empty bins.</param>
public sealed record CalibrationResult(double Threshold, IReadOnlyList<QueryCalibration> Queries, double MeanPrecision, double MedianPrecision,
    int QueriesFiring, double PooledPrecision, IReadOnlyList<ReliabilityBin> Bins, double ExpectedCalibrationError)
{
    /// <summary>Number of query texts evaluated.</summary>
    public int QueriesTotal => Queries.Count;
}

/// <summary>
/// Calibration of frame-wise probabilities — does an output above 0.5 mean "probably present"? — over the same
/// <see cref="FrameTrack"/>s as the open-vocabulary AUROC (<see cref="OpenVocabularyMetrics.Auroc"/>): for every clip,
/// one track per text that occurs in it, frames labelled by the training frame labels. Definitions:
/// <list type="bullet">
/// <item><b>precision@threshold of a query</b>: over all frames of all tracks of that text, (frames with output &gt;
/// threshold that are truly positive) / (frames with output &gt; threshold). A query whose output never exceeds the
/// threshold has no precision; it is counted in <c>QueriesTotal − QueriesFiring</c> and left out of the mean and
/// median (averaging it in as 0 or 1 would reward or punish silence arbitrarily).</item>
/// <item><b>pooled precision</b>: the same ratio over all frames of all queries (queries weighted by how often they fire).</item>
/// <item><b>reliability diagram</b>: outputs in bins [0, 0.1), [0.1, 0.2), …, [0.9, 1.0] (the last bin includes 1);
/// per bin the mean output, the fraction of truly positive frames and the frame count, pooled over queries.</item>
/// <item><b>expected calibration error</b> (Guo et al. 2017): Σ_b (n_b / N) · |mean output_b − positive fraction_b|.</item>
/// </list>
/// </summary>
public static class CalibrationMetrics
{
    /// <summary>The threshold the detector uses: an event is present where the unbiased output is above 0.5.</summary>
    public const double DefaultThreshold = 0.5;

    /// <summary>Equal-width bins of the reliability diagram.</summary>
    public const int DefaultBins = 10;

    /// <summary>Computes per-query precision above <paramref name="threshold"/>, the reliability diagram and the ECE.</summary>
    public static CalibrationResult Compute(IReadOnlyList<FrameTrack> tracks, double threshold = DefaultThreshold, int bins = DefaultBins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), "At least one bin is needed.");
        var binFrames = new long[bins];
        var binSum = new double[bins];
        var binPositive = new long[bins];
        var queries = new List<QueryCalibration>();
        foreach (var group in tracks.GroupBy(t => t.Text, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            long frames = 0, positive = 0, above = 0, truePositive = 0;
            foreach (var t in group)
            {
                t.Validate();
                for (var i = 0; i < t.Scores.Length; i++)
                {
                    var s = t.Scores[i];
                    var label = t.Labels[i];
                    frames++;
                    if (label) positive++;
                    if (s > threshold)
                    {
                        above++;
                        if (label) truePositive++;
                    }
                    var b = Math.Clamp((int)Math.Floor(s * bins), 0, bins - 1);
                    binFrames[b]++;
                    binSum[b] += s;
                    if (label) binPositive[b]++;
                }
            }
            queries.Add(new QueryCalibration(group.Key, frames, positive, above, truePositive));
        }
        double[] precisions = [.. queries.Where(q => q.Fires).Select(q => q.Precision)];
        long allAbove = queries.Sum(q => q.FramesAbove);
        long allTrue = queries.Sum(q => q.TruePositivesAbove);
        long total = binFrames.Sum();
        var diagram = new ReliabilityBin[bins];
        var ece = 0.0;
        for (var b = 0; b < bins; b++)
        {
            var n = binFrames[b];
            var mean = n > 0 ? binSum[b] / n : double.NaN;
            var observed = n > 0 ? binPositive[b] / (double)n : double.NaN;
            diagram[b] = new ReliabilityBin(b / (double)bins, (b + 1) / (double)bins, n, mean, observed);
            if (n > 0) ece += n / (double)total * Math.Abs(mean - observed);
        }
        return new CalibrationResult(threshold, queries,
            precisions.Length > 0 ? precisions.Average() : double.NaN, Median(precisions), precisions.Length,
            allAbove > 0 ? allTrue / (double)allAbove : double.NaN, diagram, total > 0 ? ece : double.NaN);
    }

    /// <summary>Median (mean of the two middle values for an even count); NaN for no values.</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return double.NaN;
        double[] sorted = [.. values.Order()];
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
