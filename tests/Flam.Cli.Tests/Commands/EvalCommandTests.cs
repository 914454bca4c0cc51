using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.Cli;

namespace Flam.Tests.Evaluation;

/// <summary>
/// <c>flam eval sed</c> end to end on the micro fixture model (random weights: the test checks the report's shape,
/// its internal consistency and that <c>flam score</c> on the written score files gives the same numbers).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class EvalCommandTests
{
    /// <summary>A manifest of three 10 s noise clips with timed events of "people play a game" and "time", written in <paramref name="dir"/>.</summary>
    internal static string Manifest(string dir)
    {
        var random = new Random(5);
        var lines = new List<string>();
        (string Text, double On, double Off)[][] events =
        [
            [("people play a game", 1.0, 3.5), ("time", 2.0, 6.0)],
            [("time", 0.5, 1.5), ("time", 7.0, 9.0)],
            [("people play a game", 4.0, 9.5)],
        ];
        for (var c = 0; c < events.Length; c++)
        {
            var samples = Enumerable.Range(0, 10 * 48000).Select(_ => (float)(random.NextDouble() - 0.5) * 0.3f).ToArray();
            WavWriter.Write(Path.Combine(dir, $"clip{c}.wav"), samples, 48000);
            var ev = string.Join(", ", events[c].Select(e => $"{{\"text\": \"{e.Text}\", \"onset\": {e.On}, \"offset\": {e.Off}}}"));
            lines.Add($"{{\"audio\": \"clip{c}.wav\", \"duration\": 10.0, \"captions\": [], \"tags\": [], \"events\": [{ev}]}}");
        }
        var path = Path.Combine(dir, "test.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task ReportIsCompleteAndScoreFilesReproduceIt()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var manifest = Manifest(temp);
        var outDir = Path.Combine(temp, "report");
        var stderr = new StringWriter();
        var stdout = new StringWriter();
        var code = await FlamApp.RunAsync(["eval", "sed", "--manifest", manifest, "--out", outDir, "--absent-query", "xqzv blorf", .. FixturePaths.MicroModelArguments()], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("false alarms, --absent-query", stdout.ToString(), StringComparison.Ordinal);
        foreach (var name in new[] { "report.json", "report.md", "psd_roc.png", "f1_threshold.png", "ground_truth.tsv", "durations.tsv" })
        {
            Assert.True(File.Exists(Path.Combine(outDir, name)), name);
        }
        Assert.Equal(3, Directory.GetFiles(Path.Combine(outDir, "scores"), "*.tsv").Length);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")))!;
        foreach (var key in new[] { "open_vocabulary_auroc", "open_vocabulary_auroc_clip_mean", "spearman_alignment" })
        {
            var v = MetricFixture.Number(report["extra"]![key]);
            Assert.True(v is >= -1 and <= 1, $"{key} = {v}");
        }
        // The made-up query is scored on every clip but is no class: rates in [0, 1], and no score file of its own.
        foreach (var key in new[] { "absent_text_false_alarm_frames", "absent_text_false_alarm_pairs", "absent_query_false_alarm_frames", "absent_query_false_alarm_pairs" })
        {
            var v = MetricFixture.Number(report["extra"]![key]);
            Assert.True(v is >= 0 and <= 1, $"{key} = {v}");
        }
        Assert.Equal(19, report["threshold_curve"]!["f1"]!.AsArray().Count);

        var json = Path.Combine(outDir, "rescored.json");
        code = await FlamApp.RunAsync(["score", "--scores", Path.Combine(outDir, "scores"), "--ground-truth", Path.Combine(outDir, "ground_truth.tsv"),
            "--durations", Path.Combine(outDir, "durations.tsv"), "--json", json], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        var rescored = JsonNode.Parse(File.ReadAllText(json))!;
        foreach (var key in new[] { "psds1", "psds2" })
        {
            MetricFixture.Close(MetricFixture.Number(report["metrics"]![key]!["psds"]), MetricFixture.Number(rescored[key]!["psds"]), key);
        }
        MetricFixture.Close(MetricFixture.Number(report["metrics"]!["segment_auroc_1s"]!["auroc"]!["mean"]),
            MetricFixture.Number(rescored["segment_auroc_1s"]!["auroc"]!["mean"]), "segment AUROC");
    }

    [Fact]
    public async Task ManifestWithoutEventsIsRejectedBeforeLoadingTheModel()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir, "m.jsonl");
        WavWriter.Write(Path.Combine(dir, "a.wav"), new float[48000], 48000);
        File.WriteAllText(path, "{\"audio\": \"a.wav\", \"duration\": 1.0, \"captions\": [\"x\"], \"tags\": []}\n");
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["eval", "sed", "--manifest", path, "--out", Path.Combine(dir, "r"), "--checkpoint", Path.Combine(dir, "missing.pth")], new StringWriter(), stderr);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("no clip has timed events", stderr.ToString());
    }
}
