using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Flam.Evaluation;
using Flam.IO;

namespace Flam.Cli.Reports;

/// <summary>The parts every evaluation report folder shares: the file names, the up-front writability check,
/// the JSON/Markdown pair written atomically, and the Markdown heading with the inputs.</summary>
internal static class ReportFolder
{
    public const string JsonFile = "report.json";
    public const string MarkdownFile = "report.md";

    /// <summary>Creates the folder and checks that report.json, report.md and <paramref name="extraFiles"/> can be written.</summary>
    public static void CheckWritable(string directory, bool overwrite, params string[] extraFiles)
    {
        if (File.Exists(directory)) throw new FlamException($"Report folder '{directory}' is a file.");
        Directory.CreateDirectory(directory);
        foreach (var file in new[] { JsonFile, MarkdownFile }.Concat(extraFiles))
        {
            AtomicFile.CheckWritable(Path.Combine(directory, file), overwrite);
        }
    }

    /// <summary>The JSON object every report starts with: title and inputs.</summary>
    public static JsonObject Header(string title, IReadOnlyDictionary<string, string> inputs) => new()
    {
        ["title"] = title,
        ["inputs"] = new JsonObject(inputs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
    };

    /// <summary>Writes report.json and report.md atomically.</summary>
    public static void Write(string directory, JsonObject json, string markdown, bool overwrite)
    {
        AtomicFile.WriteAllText(Path.Combine(directory, JsonFile), StandardSedMetrics.Serialize(json), overwrite);
        AtomicFile.WriteAllText(Path.Combine(directory, MarkdownFile), markdown, overwrite);
    }

    /// <summary>A Markdown document started with the title and the list of inputs.</summary>
    public static StringBuilder Markdown(string title, IReadOnlyDictionary<string, string> inputs)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        foreach (var (k, v) in inputs) md.AppendLine($"- {k}: `{v}`");
        return md;
    }

    /// <summary>A metric value for a table: four decimals, "n/a" for NaN.</summary>
    public static string Format(double x) => double.IsNaN(x) ? "n/a" : x.ToString("F4", CultureInfo.InvariantCulture);
}
