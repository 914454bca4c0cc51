using System.Text.Json.Nodes;
using Flam.Cli.Plots;
using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;

namespace Flam.Cli.Reports;

/// <summary>What an SED evaluation report shows.</summary>
/// <param name="Title">Heading of report.md and the plots.</param>
/// <param name="Inputs">Input description (name → value), recorded in both files.</param>
/// <param name="Entries">The standard metrics.</param>
/// <param name="Psds">PSDS result drawn as the PSD-ROC (usually PSDS1).</param>
/// <param name="Curve">Precision/recall/F1 against threshold.</param>
/// <param name="CurveDescription">What the curve is computed over.</param>
/// <param name="Extra">Further named results (e.g. open-vocabulary AUROC, Spearman alignment) for report.json and a table row each.</param>
/// <param name="Calibration">Frame calibration (precision above the threshold per query, reliability diagram), when frame outputs were available.</param>
internal sealed record SedReport(string Title, IReadOnlyDictionary<string, string> Inputs, List<StandardSedMetrics.Entry> Entries,
    PsdsResult Psds, ThresholdCurve Curve, string CurveDescription, IReadOnlyDictionary<string, double>? Extra = null,
    CalibrationResult? Calibration = null)
{
    public const string PsdRocFile = "psd_roc.png";
    public const string ThresholdFile = "f1_threshold.png";
    public const string ReliabilityFile = "reliability.png";

    /// <summary>Checks that every report file can be written before any work is done.</summary>
    public static void CheckWritable(string directory, bool overwrite, bool calibration = false) =>
        ReportFolder.CheckWritable(directory, overwrite, [PsdRocFile, ThresholdFile, .. calibration ? new[] { ReliabilityFile } : []]);

    /// <summary>Writes report.json, report.md, psd_roc.png, f1_threshold.png and (with calibration) reliability.png into <paramref name="directory"/>.</summary>
    public void Write(string directory, bool overwrite)
    {
        CheckWritable(directory, overwrite, Calibration is not null);
        EvaluationPlots.SavePsdRoc(Path.Combine(directory, PsdRocFile), Psds, Title + " - PSD-ROC", overwrite);
        EvaluationPlots.SaveThresholdCurve(Path.Combine(directory, ThresholdFile), Curve, Title + " - " + CurveDescription, overwrite);
        if (Calibration is not null)
        {
            EvaluationPlots.SaveReliability(Path.Combine(directory, ReliabilityFile), Calibration, "Reliability diagram (frames of all queries pooled)", overwrite);
        }
        var json = ReportFolder.Header(Title, Inputs);
        json["metrics"] = StandardSedMetrics.ToJson(Entries);
        json["threshold_curve"] = new JsonObject
        {
            ["description"] = CurveDescription,
            ["thresholds"] = Array(Curve.Thresholds),
            ["precision"] = Array(Curve.Precision),
            ["recall"] = Array(Curve.Recall),
            ["f1"] = Array(Curve.F1),
        };
        if (Extra is not null)
        {
            json["extra"] = new JsonObject(Extra.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        }
        if (Calibration is not null) json["calibration"] = CalibrationJson(Calibration);
        ReportFolder.Write(directory, json, Markdown(), overwrite);
    }

    private string Markdown()
    {
        static string F(double x) => ReportFolder.Format(x);
        var md = ReportFolder.Markdown(Title, Inputs);
        md.AppendLine().AppendLine("| metric | value | |").AppendLine("|---|---|---|");
        foreach (var e in Entries) md.AppendLine($"| {e.Key} | {F(e.Value)} | {e.Headline} |");
        foreach (var (k, v) in Extra ?? new Dictionary<string, double>()) md.AppendLine($"| {k} | {F(v)} | |");
        md.AppendLine().AppendLine("## Per class").AppendLine();
        md.AppendLine("| class | PSDS (single class) | " + string.Join(" | ", Entries.Where(e => e.Output["auroc"] is not null).Select(e => e.Key)) + " |");
        md.AppendLine("|---|---|" + string.Concat(Entries.Where(e => e.Output["auroc"] is not null).Select(_ => "---|")));
        for (var k = 0; k < Psds.EventClasses.Count; k++)
        {
            var cls = Psds.EventClasses[k];
            var aurocs = Entries.Where(e => e.Output["auroc"] is not null).Select(e => F(e.Output["auroc"]![cls]!.GetValue<double>()));
            md.AppendLine($"| {cls} | {F(Psds.SingleClassPsds[k])} | {string.Join(" | ", aurocs)} |");
        }
        if (Calibration is { } c) CalibrationMarkdown(md, c);
        md.AppendLine().AppendLine("## Plots").AppendLine();
        md.AppendLine($"![PSD-ROC]({PsdRocFile})").AppendLine();
        md.AppendLine($"![{CurveDescription}]({ThresholdFile})").AppendLine();
        if (Calibration is not null) md.AppendLine($"![reliability diagram]({ReliabilityFile})").AppendLine();
        return md.ToString();
    }

    private static JsonObject CalibrationJson(CalibrationResult c) => new()
    {
        ["definition"] = "precision = frames with output > threshold that are truly positive / frames with output > threshold, per query text over "
            + "all frames of the clips it occurs in (the open-vocabulary AUROC's frames); queries that never fire are counted, not averaged",
        ["threshold"] = c.Threshold,
        ["mean_precision"] = c.MeanPrecision,
        ["median_precision"] = c.MedianPrecision,
        ["queries_firing"] = c.QueriesFiring,
        ["queries_total"] = c.QueriesTotal,
        ["pooled_precision"] = c.PooledPrecision,
        ["expected_calibration_error"] = c.ExpectedCalibrationError,
        ["reliability"] = new JsonArray([.. c.Bins.Select(b => (JsonNode?)new JsonObject
        {
            ["lower"] = b.Lower,
            ["upper"] = b.Upper,
            ["frames"] = b.Frames,
            ["mean_predicted"] = b.MeanPredicted,
            ["observed_positive"] = b.ObservedPositive,
        })]),
        ["per_query"] = new JsonArray([.. c.Queries.Select(q => (JsonNode?)new JsonObject
        {
            ["text"] = q.Text,
            ["frames"] = q.Frames,
            ["frames_above_threshold"] = q.FramesAbove,
            ["precision"] = q.Precision,
            ["positive_frame_rate"] = q.PositiveRate,
        })]),
    };

    private static void CalibrationMarkdown(System.Text.StringBuilder md, CalibrationResult c)
    {
        static string F(double x) => ReportFolder.Format(x);
        md.AppendLine().AppendLine("## Calibration").AppendLine();
        md.AppendLine($"Precision of frames with output > {c.Threshold:0.###} (truly positive / above threshold), per query text over the frames of the clips it occurs in.").AppendLine();
        md.AppendLine($"- mean over queries that fire: {F(c.MeanPrecision)} (median {F(c.MedianPrecision)}; {c.QueriesFiring} of {c.QueriesTotal} queries fire)");
        md.AppendLine($"- frame-pooled over all queries: {F(c.PooledPrecision)}");
        md.AppendLine($"- expected calibration error ({c.Bins.Count} bins): {F(c.ExpectedCalibrationError)}").AppendLine();
        md.AppendLine("| predicted p | frames | mean predicted | observed positive |").AppendLine("|---|---|---|---|");
        foreach (var b in c.Bins) md.AppendLine($"| {b.Lower:0.0}–{b.Upper:0.0} | {b.Frames} | {F(b.MeanPredicted)} | {F(b.ObservedPositive)} |");
        md.AppendLine().AppendLine("| query | frames > threshold | precision | positive-frame rate |").AppendLine("|---|---|---|---|");
        foreach (var q in c.Queries) md.AppendLine($"| {q.Text} | {q.FramesAbove} | {F(q.Precision)} | {F(q.PositiveRate)} |");
    }

    private static JsonArray Array(double[] values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
