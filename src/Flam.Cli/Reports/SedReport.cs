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
internal sealed record SedReport(string Title, IReadOnlyDictionary<string, string> Inputs, List<StandardSedMetrics.Entry> Entries,
    PsdsResult Psds, ThresholdCurve Curve, string CurveDescription, IReadOnlyDictionary<string, double>? Extra = null)
{
    public const string PsdRocFile = "psd_roc.png";
    public const string ThresholdFile = "f1_threshold.png";

    /// <summary>Checks that every report file can be written before any work is done.</summary>
    public static void CheckWritable(string directory, bool overwrite) =>
        ReportFolder.CheckWritable(directory, overwrite, PsdRocFile, ThresholdFile);

    /// <summary>Writes report.json, report.md, psd_roc.png and f1_threshold.png into <paramref name="directory"/>.</summary>
    public void Write(string directory, bool overwrite)
    {
        CheckWritable(directory, overwrite);
        EvaluationPlots.SavePsdRoc(Path.Combine(directory, PsdRocFile), Psds, Title + " - PSD-ROC", overwrite);
        EvaluationPlots.SaveThresholdCurve(Path.Combine(directory, ThresholdFile), Curve, Title + " - " + CurveDescription, overwrite);
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
        md.AppendLine().AppendLine("## Plots").AppendLine();
        md.AppendLine($"![PSD-ROC]({PsdRocFile})").AppendLine();
        md.AppendLine($"![{CurveDescription}]({ThresholdFile})").AppendLine();
        return md.ToString();
    }

    private static JsonArray Array(double[] values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
