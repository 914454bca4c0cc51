using System.Text.Json.Nodes;
using Flam.Evaluation;

namespace Flam.Cli.Reports;

/// <summary>Report folder of <c>flam eval paraphrase</c>: report.json and report.md.</summary>
/// <param name="Title">Report heading.</param>
/// <param name="Inputs">What was evaluated.</param>
/// <param name="Result">The robustness measurements.</param>
/// <param name="UnusedRows">Texts of table rows that occur in no event of the manifest.</param>
internal sealed record ParaphraseReport(string Title, IReadOnlyDictionary<string, string> Inputs, ParaphraseRobustnessResult Result, IReadOnlyList<string> UnusedRows)
{
    /// <summary>Checks that both report files can be written before any work is done (creates the folder).</summary>
    public static void CheckWritable(string directory, bool overwrite) => ReportFolder.CheckWritable(directory, overwrite);

    /// <summary>Writes report.json and report.md atomically.</summary>
    public void Write(string directory, bool overwrite)
    {
        CheckWritable(directory, overwrite);
        var r = Result;
        var json = ReportFolder.Header(Title, Inputs);
        json["metrics"] = new JsonObject
        {
            ["threshold"] = r.Threshold,
            ["items"] = r.Tracks,
            ["pairs"] = r.Pairs,
            ["mean_agreement"] = r.MeanAgreement,
            ["mean_jaccard"] = r.MeanJaccard,
            ["pairs_both_empty"] = r.PairsBothEmpty,
            ["mean_correlation"] = r.MeanCorrelation,
            ["pairs_without_correlation"] = r.PairsWithoutCorrelation,
            ["auroc_event_text"] = r.OriginalAuroc,
            ["auroc_per_phrasing"] = Array(r.PhrasingAuroc),
        };
        json["per_text"] = new JsonArray([.. r.PerText.Select(t => (JsonNode?)new JsonObject
        {
            ["text"] = t.Text,
            ["items"] = t.Tracks,
            ["phrasings"] = t.Phrasings,
            ["agreement"] = t.Agreement,
            ["jaccard"] = t.Jaccard,
            ["correlation"] = t.Correlation,
            ["auroc_event_text"] = t.OriginalAuroc,
            ["auroc_per_phrasing"] = Array(t.PhrasingAuroc),
        })]);
        json["unused_rows"] = new JsonArray([.. UnusedRows.Select(t => (JsonNode?)t)]);
        ReportFolder.Write(directory, json, Markdown(), overwrite);
    }

    private string Markdown()
    {
        static string F(double x) => ReportFolder.Format(x);
        var r = Result;
        var md = ReportFolder.Markdown(Title, Inputs);
        md.AppendLine().AppendLine($"Pairs of phrasings of the same event in the same clip; a frame is detected when its output is > {r.Threshold:0.###}.").AppendLine();
        md.AppendLine("| metric | value | |").AppendLine("|---|---|---|");
        md.AppendLine($"| (clip, text) items | {r.Tracks} | {r.Pairs} phrasing pairs |");
        md.AppendLine($"| mean agreement of frame decisions | {F(r.MeanAgreement)} | |");
        md.AppendLine($"| mean Jaccard of detected frames | {F(r.MeanJaccard)} | {r.PairsBothEmpty} pairs where neither detects left out |");
        md.AppendLine($"| mean Pearson correlation of outputs | {F(r.MeanCorrelation)} | {r.PairsWithoutCorrelation} pairs with a constant output left out |");
        md.AppendLine($"| frame AUROC, event text | {F(r.OriginalAuroc)} | |");
        for (var k = 0; k < r.PhrasingAuroc.Length; k++) md.AppendLine($"| frame AUROC, phrasing {k + 1} | {F(r.PhrasingAuroc[k])} | |");
        var n = r.PhrasingAuroc.Length;
        md.AppendLine().AppendLine("## Per text").AppendLine();
        md.AppendLine("| text | items | agreement | Jaccard | correlation | AUROC text | " + string.Join(" | ", Enumerable.Range(1, n).Select(k => $"AUROC {k}")) + " |");
        md.AppendLine("|---|---|---|---|---|---|" + string.Concat(Enumerable.Repeat("---|", n)));
        foreach (var t in r.PerText)
        {
            md.AppendLine($"| {t.Text} | {t.Tracks} | {F(t.Agreement)} | {F(t.Jaccard)} | {F(t.Correlation)} | {F(t.OriginalAuroc)} | "
                + string.Join(" | ", Enumerable.Range(0, n).Select(k => k < t.PhrasingAuroc.Length ? F(t.PhrasingAuroc[k]) : "")) + " |");
        }
        if (UnusedRows.Count > 0)
        {
            md.AppendLine().AppendLine("## Unused table rows").AppendLine().AppendLine("Texts that occur in no event of the manifest: " + string.Join(", ", UnusedRows.Select(t => $"`{t}`")));
        }
        return md.ToString();
    }

    private static JsonArray Array(double[] values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
