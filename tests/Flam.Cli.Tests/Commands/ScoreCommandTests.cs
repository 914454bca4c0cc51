using System.Text.Json.Nodes;
using Flam.Cli;
using static Flam.Tests.Evaluation.MetricFixture;

namespace Flam.Tests.Evaluation;

/// <summary><c>flam score</c> reproduces the fixtures' expected.json through its JSON output.</summary>
[Collection(TorchCollection.Name)]
public class ScoreCommandTests
{
    private static readonly string[] Keys =
    [
        "psds1", "psds2", "segment_auroc_1s", "segment_pauroc_1s_maxfpr0.1", "segment_pauroc_1s_maxfpr0.1_mcclish",
        "segment_auroc_0.3125s", "segment_f1_1s_thr0.5", "collar_f1_thr0.5", "intersection_f1_thr0.5",
    ];

    public static IEnumerable<object[]> Cases => CaseNames.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ScoreCommandReproducesExpectedJson(string name)
    {
        var f = Load(name);
        using var temp = FixturePaths.NewTempDirectory();
        var json = Path.Combine(temp, "scores.json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["score", "--scores", Path.Combine(f.Folder, "scores"),
            "--ground-truth", Path.Combine(f.Folder, "ground_truth.tsv"), "--durations", Path.Combine(f.Folder, "durations.tsv"),
            "--json", json, "--mcclish"], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("psds1", stdout.ToString());
        var actual = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(Keys.Order(), actual.AsObject().Select(kv => kv.Key).Order());
        foreach (var key in Keys)
        {
            var entry = f.Result(key);
            var expected = entry["output"]!.DeepClone();
            if (entry["output_stable_argsort"] is { } stable)
            {
                expected["auroc"] = stable["auroc"]!.DeepClone();
            }
            CompareJson(expected, actual[key], $"{name}/{key}");
        }
    }

    [Fact]
    public async Task BadInputGivesErrorAndNoJson()
    {
        var f = Load("case03");
        using var temp = FixturePaths.NewTempDirectory();
        var json = Path.Combine(temp, "out.json");
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["score", "--scores", Path.Combine(f.Folder, "scores"),
            "--ground-truth", Path.Combine(f.Folder, "ground_truth_overlapping.tsv"), "--durations", Path.Combine(f.Folder, "durations.tsv"),
            "--json", json], new StringWriter(), stderr);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("Connected/overlapping Speech events found for clip clip_005", stderr.ToString());
        Assert.False(File.Exists(json));
    }

    [Fact]
    public async Task MergeOverlappingFlagAcceptsOverlappingGroundTruth()
    {
        var f = Load("case03");
        var code = await FlamApp.RunAsync(["score", "--scores", Path.Combine(f.Folder, "scores"),
            "--ground-truth", Path.Combine(f.Folder, "ground_truth_overlapping.tsv"), "--durations", Path.Combine(f.Folder, "durations.tsv"),
            "--merge-overlapping"], new StringWriter(), new StringWriter());
        Assert.Equal(0, code);
    }

    [Fact]
    public async Task MedianFilterOptionFiltersBeforeScoring()
    {
        var f = Load("case02");
        async Task<JsonNode> Run(params string[] extra)
        {
            using var temp = FixturePaths.NewTempDirectory();
            var json = Path.Combine(temp, "s.json");
            var code = await FlamApp.RunAsync(["score", "--scores", Path.Combine(f.Folder, "scores"), "--ground-truth", Path.Combine(f.Folder, "ground_truth.tsv"),
                "--durations", Path.Combine(f.Folder, "durations.tsv"), "--json", json, "--fine-segment-length", "0", .. extra], new StringWriter(), new StringWriter());
            Assert.Equal(0, code);
            return JsonNode.Parse(File.ReadAllText(json))!;
        }
        var plain = await Run();
        var identity = await Run("--median-filter", "0");
        var filtered = await Run("--median-filter", "0.96");
        Assert.Equal(Number(plain["psds1"]!["psds"]), Number(identity["psds1"]!["psds"]));
        // The 3-frame median of the fixture changes the scores, so the segment ROC changes.
        Assert.NotEqual(Number(plain["segment_auroc_1s"]!["auroc"]!["mean"]), Number(filtered["segment_auroc_1s"]!["auroc"]!["mean"]));
        Assert.Null(plain["segment_auroc_0.3125s"]);
    }

    [Fact]
    public async Task ReportFolderHasJsonMarkdownAndPlots()
    {
        var f = Load("case04");
        using var temp = FixturePaths.NewTempDirectory();
        var dir = Path.Combine(temp, "report");
        var code = await FlamApp.RunAsync(["score", "--scores", Path.Combine(f.Folder, "scores"),
            "--ground-truth", Path.Combine(f.Folder, "ground_truth.tsv"), "--durations", Path.Combine(f.Folder, "durations.tsv"),
            "--report", dir], new StringWriter(), new StringWriter());
        Assert.Equal(0, code);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "report.json")))!;
        Close(Number(f.Result("psds1")["output"]!["psds"]), Number(report["metrics"]!["psds1"]!["psds"]), "report psds1");
        // The curve's point at 0.5 is the macro segment F1 at threshold 0.5.
        var curve = report["threshold_curve"]!;
        var i = Array.IndexOf(Numbers(curve["thresholds"]), 0.5);
        Close(Number(f.Result("segment_f1_1s_thr0.5")["output"]!["fscore"]!["macro_average"]), Numbers(curve["f1"])[i], "curve F1 at 0.5");
        Assert.Contains("| psds1 | 0.4041 | PSDS |", File.ReadAllText(Path.Combine(dir, "report.md")));
        foreach (var png in new[] { "psd_roc.png", "f1_threshold.png" })
        {
            var bytes = File.ReadAllBytes(Path.Combine(dir, png));
            Assert.True(bytes.Length > 10_000, png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    private static void CompareJson(JsonNode? expected, JsonNode? actual, string path)
    {
        Assert.True(actual is not null, $"{path}: missing");
        switch (expected)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    CompareJson(v, actual![k], $"{path}.{k}");
                }
                break;
            case JsonArray a:
                var b = actual!.AsArray();
                Assert.True(a.Count == b.Count, $"{path}: length {b.Count}, expected {a.Count}");
                for (var i = 0; i < a.Count; i++)
                {
                    CompareJson(a[i], b[i], $"{path}[{i}]");
                }
                break;
            default:
                Close(Number(expected), Number(actual), path);
                break;
        }
    }
}
