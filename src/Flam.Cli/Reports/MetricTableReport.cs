using System.Text.Json.Nodes;

namespace Flam.Cli.Reports;

/// <summary>
/// Report folder of the clip-level evaluations (<c>flam eval retrieval</c>, <c>flam eval zeroshot</c>): report.json
/// holds the title, inputs, metric groups and optional per-class rows; report.md shows the same as tables.
/// </summary>
/// <param name="Title">Report heading.</param>
/// <param name="Inputs">What was evaluated (manifest, model, counts, notes).</param>
/// <param name="Groups">Named metric groups (e.g. text_to_audio), each metric name → value.</param>
/// <param name="PerClass">Optional per-class rows: class → (clips, top-1 accuracy).</param>
internal sealed record MetricTableReport(
    string Title, IReadOnlyDictionary<string, string> Inputs, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Groups,
    IReadOnlyList<(string Class, int Clips, double Accuracy)>? PerClass = null)
{
    /// <summary>Checks that both report files can be written before any work is done (creates the folder).</summary>
    public static void CheckWritable(string directory, bool overwrite) => ReportFolder.CheckWritable(directory, overwrite);

    /// <summary>Writes report.json and report.md atomically.</summary>
    public void Write(string directory, bool overwrite)
    {
        CheckWritable(directory, overwrite);
        var json = ReportFolder.Header(Title, Inputs);
        json["metrics"] = new JsonObject(Groups.Select(g => KeyValuePair.Create(g.Key,
            (JsonNode?)new JsonObject(g.Value.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))))));
        if (PerClass is not null)
        {
            json["per_class"] = new JsonObject(PerClass.Select(c => KeyValuePair.Create(c.Class,
                (JsonNode?)new JsonObject { ["clips"] = c.Clips, ["top1"] = c.Accuracy })));
        }
        ReportFolder.Write(directory, json, Markdown(), overwrite);
    }

    private string Markdown()
    {
        static string F(double x) => ReportFolder.Format(x);
        var md = ReportFolder.Markdown(Title, Inputs);
        var names = Groups.Values.SelectMany(g => g.Keys).Distinct().ToList();
        md.AppendLine().AppendLine("| | " + string.Join(" | ", names) + " |").AppendLine("|---|" + string.Concat(names.Select(_ => "---|")));
        foreach (var (group, values) in Groups)
        {
            md.AppendLine($"| {group} | " + string.Join(" | ", names.Select(n => values.TryGetValue(n, out var v) ? F(v) : "")) + " |");
        }
        if (PerClass is not null)
        {
            md.AppendLine().AppendLine("## Per class").AppendLine().AppendLine("| class | clips | top-1 accuracy |").AppendLine("|---|---|---|");
            foreach (var (cls, clips, accuracy) in PerClass) md.AppendLine($"| {cls} | {clips} | {F(accuracy)} |");
        }
        return md.ToString();
    }
}
