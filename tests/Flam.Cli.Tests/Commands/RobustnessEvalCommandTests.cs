using System.Text.Json.Nodes;
using Flam.Cli;

namespace Flam.Tests.Evaluation;

/// <summary>
/// The calibration section of <c>flam eval sed</c> and <c>flam eval paraphrase</c> end to end on the micro fixture model
/// (random weights: the tests check the reports' fields and their consistency with each other and with the other
/// metrics of the same run, not the model's quality).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class RobustnessEvalCommandTests
{
    // The same three-clip manifest as `flam eval sed`'s tests: texts "people play a game" and "time".
    private static readonly Lazy<string> ManifestPath = new(() => EvalCommandTests.Manifest(FixturePaths.NewSharedTempDirectory()));

    private static string Table(string folder, params string[] lines)
    {
        var path = Path.Combine(folder, "paraphrases.tsv");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static async Task<(JsonNode Report, string Stdout, string Stderr)> Run(string[] args, string outDir)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync([.. args, "--out", outDir, .. FixturePaths.MicroModelArguments()], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        return (JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")))!, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task SedReportHoldsCalibrationConsistentWithTheThresholdCurve()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var outDir = Path.Combine(temp, "sed");
        var (report, stdout, _) = await Run(["eval", "sed", "--manifest", ManifestPath.Value], outDir);
        Assert.True(File.Exists(Path.Combine(outDir, "reliability.png")));
        Assert.Contains("## Calibration", File.ReadAllText(Path.Combine(outDir, "report.md")));
        Assert.Contains("calibration (precision p > 0.5)", stdout);

        var c = report["calibration"]!;
        Assert.Equal(2, (int)c["queries_total"]!);
        var perQuery = c["per_query"]!.AsArray();
        Assert.Equal(["people play a game", "time"], perQuery.Select(q => (string)q!["text"]!));
        // Every frame of every (clip, text) track: 3 clips of 32 frames, texts in 2 + 1 + 1 tracks.
        var frames = perQuery.Sum(q => (long)q!["frames"]!);
        Assert.Equal(4 * 32, frames);
        var bins = c["reliability"]!.AsArray();
        Assert.Equal(10, bins.Count);
        Assert.Equal(frames, bins.Sum(b => (long)b!["frames"]!));
        var firing = perQuery.Count(q => (long)q!["frames_above_threshold"]! > 0);
        Assert.Equal(firing, (int)c["queries_firing"]!);
        // The frame-pooled precision above 0.5 is the threshold curve's precision at 0.5 (same frames, same rule).
        var pooled = MetricFixture.Number(c["pooled_precision"]);
        var thresholds = MetricFixture.Numbers(report["threshold_curve"]!["thresholds"]);
        var atHalf = MetricFixture.Numbers(report["threshold_curve"]!["precision"])[Array.IndexOf(thresholds, 0.5)];
        if (firing > 0) MetricFixture.Close(atHalf, pooled, "pooled precision"); else Assert.True(double.IsNaN(pooled));
        MetricFixture.Close(pooled, MetricFixture.Number(report["extra"]!["calibration_pooled_precision"]), "extra");
        var ece = MetricFixture.Number(c["expected_calibration_error"]);
        Assert.True(ece is >= 0 and <= 1, $"ECE {ece}");
    }

    [Fact]
    public async Task ParaphraseReportHasEveryFieldAndMatchesTheSedAuroc()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var table = Table(temp,
            "# test table",
            "people play a game\tpeople play\ta game\tpeople talk",
            "time\ttime\ttime passes\ta long time",
            "nobody here\ta long game\tpeople");
        var outDir = Path.Combine(temp, "paraphrase");
        var (report, stdout, stderr) = await Run(["eval", "paraphrase", "--manifest", ManifestPath.Value, "--paraphrases", table], outDir);
        Assert.True(File.Exists(Path.Combine(outDir, "report.md")));
        Assert.Contains("warning:", stderr);
        Assert.Contains("nobody here", stderr);
        Assert.Contains("agreement", stdout);

        var m = report["metrics"]!;
        Assert.Equal(4, (int)m["items"]!);
        Assert.Equal(4 * 3, (int)m["pairs"]!);
        foreach (var key in new[] { "mean_agreement", "mean_jaccard", "mean_correlation", "auroc_event_text" })
        {
            var v = MetricFixture.Number(m[key]);
            Assert.True(double.IsNaN(v) && key == "mean_jaccard" || v is >= -1 and <= 1, $"{key} = {v}");
        }
        var agreement = MetricFixture.Number(m["mean_agreement"]);
        Assert.True(agreement is >= 0 and <= 1);
        Assert.Equal(3, m["auroc_per_phrasing"]!.AsArray().Count);
        Assert.True((int)m["pairs_both_empty"]! is >= 0 and <= 12);
        Assert.Equal(["nobody here"], report["unused_rows"]!.AsArray().Select(t => (string)t!));

        var perText = report["per_text"]!.AsArray();
        Assert.Equal(["people play a game", "time"], perText.Select(t => (string)t!["text"]!));
        Assert.Equal([2, 2], perText.Select(t => (int)t!["items"]!));
        // "time" lists itself as its first phrasing: that phrasing's AUROC is the event text's.
        var time = perText[1]!;
        MetricFixture.Close(MetricFixture.Number(time["auroc_event_text"]), MetricFixture.Numbers(time["auroc_per_phrasing"])[0], "time");

        // The event-text AUROC is eval sed's open-vocabulary AUROC: the same frames and outputs (every text has a row).
        var sedDir = Path.Combine(temp, "sed");
        var (sed, _, _) = await Run(["eval", "sed", "--manifest", ManifestPath.Value], sedDir);
        var expected = MetricFixture.Number(sed["extra"]!["open_vocabulary_auroc"]);
        var actual = MetricFixture.Number(m["auroc_event_text"]);
        Assert.True(Math.Abs(expected - actual) < 1e-3, $"eval sed {expected}, eval paraphrase {actual}");
    }

    [Fact]
    public async Task CorpusCaptionsStandForTheirLabelsRow()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var table = Table(temp, "game playing\tpeople play\ta game", "clock\ttime passes\ta long time");
        var meta = Path.Combine(temp, "events.test.jsonl");
        File.WriteAllLines(meta,
        [
            "{\"label\": \"game playing\", \"captions\": [\"people play a game\"], \"audio\": \"x.ogg\"}",
            "{\"label\": \"clock\", \"captions\": [\"time\", \"a clock\"]}",
        ]);
        var outDir = Path.Combine(temp, "aliases");
        var (report, _, _) = await Run(["eval", "paraphrase", "--manifest", ManifestPath.Value, "--paraphrases", table, "--corpus-meta", meta], outDir);
        var perText = report["per_text"]!.AsArray();
        Assert.Equal(["clock", "game playing"], perText.Select(t => (string)t!["text"]!));
        Assert.Equal([2, 2], perText.Select(t => (int)t!["items"]!));
        Assert.Equal(4 * 1, (int)report["metrics"]!["pairs"]!);
        Assert.Empty(report["unused_rows"]!.AsArray());
    }

    [Theory]
    [InlineData("1.5", "threshold must be between 0 and 1")]
    [InlineData("0", "threshold must be between 0 and 1")]
    public async Task BadThresholdIsRejected(string threshold, string message)
    {
        using var temp = FixturePaths.NewTempDirectory();
        var outDir = Path.Combine(temp, "r");
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["eval", "paraphrase", "--manifest", ManifestPath.Value, "--paraphrases", Table(temp, "time\ta\tb"),
            "--threshold", threshold, "--out", outDir, .. FixturePaths.MicroModelArguments()], new StringWriter(), stderr);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(message, stderr.ToString());
        Assert.False(File.Exists(Path.Combine(outDir, "report.json")));
    }

    [Theory]
    [InlineData("time\ttime passes", "paraphrases.tsv:2: 'time' has 1 phrasing(s)")]
    [InlineData("time\ta\tb\ntime\tc\td", "paraphrases.tsv:3: 'time' is already listed on line 2")]
    [InlineData("unrelated\ta\tb", "no row names an event text")]
    public async Task BadTablesAreRejectedBeforeLoadingTheModel(string rows, string message)
    {
        using var temp = FixturePaths.NewTempDirectory();
        var table = Table(temp, ["# header", .. rows.Split('\n')]);
        var outDir = Path.Combine(temp, "r");
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["eval", "paraphrase", "--manifest", ManifestPath.Value, "--paraphrases", table, "--out", outDir,
            "--checkpoint", Path.Combine(outDir, "missing.pth")], new StringWriter(), stderr);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(message, stderr.ToString());
        Assert.False(File.Exists(Path.Combine(outDir, "report.json")));
    }
}
