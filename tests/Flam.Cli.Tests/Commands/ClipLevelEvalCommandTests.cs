using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.Cli;
using Flam.Evaluation;
using Flam.Model;
using Flam.Model.Text;
using Flam.Runtime;
using static TorchSharp.torch;

namespace Flam.Tests.Evaluation;

/// <summary>
/// <c>flam eval retrieval</c> and <c>flam eval zeroshot</c> end to end on the micro fixture model (random weights):
/// the reported numbers must equal the metric core applied to a similarity matrix the test computes itself, window
/// by window, straight from <see cref="FlamModel"/> (the slow twin of <c>EmbeddingExtractor</c>).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ClipLevelEvalCommandTests
{
    private const int Rate = 48000;

    // Clip lengths cover padding (< 10 s), exactly one window and two windows whose last one is end-aligned (12 s).
    private static readonly (string Name, double Seconds, string[] Captions, string[] Tags)[] Clips =
    [
        ("a", 3, ["people play a game", "a game"], ["Game", "time"]),
        ("b", 10, ["time passes"], ["time"]),
        ("c", 12, ["people talk", "people play", "a long time"], ["speech"]),
        ("d", 2, [], ["unknown"]),
    ];

    private static readonly Lazy<string> ManifestPath = new(() =>
    {
        var dir = FixturePaths.NewSharedTempDirectory();
        var random = new Random(11);
        var lines = new List<string>();
        foreach (var (name, seconds, captions, tags) in Clips)
        {
            var samples = Enumerable.Range(0, (int)(seconds * Rate)).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f).ToArray();
            WavWriter.Write(Path.Combine(dir, name + ".wav"), samples, Rate);
            static string List(string[] items) => "[" + string.Join(", ", items.Select(i => $"\"{i}\"")) + "]";
            lines.Add($"{{\"audio\": \"{name}.wav\", \"duration\": {seconds}, \"captions\": {List(captions)}, \"tags\": {List(tags)}}}");
        }
        var path = Path.Combine(dir, "m.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    });

    private static FlamModel LoadModel() =>
        FlamModel.Load(FixturePaths.Get("model", "micro", "state_dict.pth"), FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json")));

    private static ITextTokenizer LoadTokenizer(FlamModel model) =>
        ModelBundle.Resolve(FixturePaths.Get("model", "micro", "state_dict.pth"), FixturePaths.Get("model", "micro", "config.json"),
            FixturePaths.Get("tokenizer", "tiny")).LoadTokenizer(model.Config);

    private static string Wav(string name) => Path.Combine(Path.GetDirectoryName(ManifestPath.Value)!, name + ".wav");

    /// <summary>
    /// Global audio features [clips][d] and text features [texts][d] computed without the extractor: explicit 10 s
    /// windows (the last one ending at the file's end), one window and one text per model call.
    /// </summary>
    private static (float[][] Audio, float[][] Text) TwinFeatures(FlamModel model, IReadOnlyList<string> audioNames, IReadOnlyList<string> texts)
    {
        var tokenizer = LoadTokenizer(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var clip = model.Config.Audio.ClipSamples;
        var audio = new List<float[]>();
        foreach (var name in audioNames)
        {
            var samples = AudioFile.Load(Wav(name), Rate);
            var starts = new List<int>();
            for (var s = 0; s < samples.Length; s += clip) starts.Add(Math.Max(0, Math.Min(s, samples.Length - clip)));
            Tensor? sum = null;
            foreach (var start in starts)
            {
                var window = new float[clip];
                Array.Copy(samples, start, window, 0, Math.Min(clip, samples.Length - start));
                var feature = model.EncodeAudio(tensor(window).unsqueeze(0)).GlobalMeanOfLocal[0];
                sum = sum is null ? feature : sum.add(feature, TorchScalars.One);
            }
            audio.Add((sum! / sum!.norm()).data<float>().ToArray());
        }
        var text = texts.Select(t =>
        {
            var tokens = tokenizer.EncodeBatch([t], TokenPadding.ContextLength);
            return model.EncodeText(tensor(tokens.InputIds, [1, tokens.Length]), tensor(tokens.AttentionMask, [1, tokens.Length])).Features[0].data<float>().ToArray();
        }).ToArray();
        return ([.. audio], text);
    }

    /// <summary>Cosine similarities audio x text of the twin features, row-major.</summary>
    private static double[] TwinSimilarity(IReadOnlyList<string> audioNames, IReadOnlyList<string> texts)
    {
        using var model = LoadModel();
        var (audio, text) = TwinFeatures(model, audioNames, texts);
        var result = new double[audio.Length * text.Length];
        for (var a = 0; a < audio.Length; a++)
        {
            for (var t = 0; t < text.Length; t++) result[a * text.Length + t] = audio[a].Zip(text[t], (x, y) => (double)x * y).Sum();
        }
        return result;
    }

    [Fact]
    public void ExtractorFeaturesEqualTheTwin()
    {
        using var model = LoadModel();
        string[] names = ["a", "b", "c"];
        string[] texts = ["people play a game", "time", "a long time passes"];
        var (audio, text) = TwinFeatures(model, names, texts);
        // Batch 2: the three windows of a and b and the two of c are encoded in mixed batches.
        var extractor = new Flam.Inference.EmbeddingExtractor(model, LoadTokenizer(model), batchSize: 2);
        using var scope = NewDisposeScope();
        var fastAudio = extractor.GlobalAudioFeatures([.. names.Select(Wav)]);
        using var fastText = extractor.EncodeTexts(texts);
        for (var i = 0; i < names.Length; i++)
        {
            var row = fastAudio[i].data<float>().ToArray();
            for (var d = 0; d < row.Length; d++) Assert.True(Math.Abs(row[d] - audio[i][d]) < 1e-5, $"audio {names[i]}[{d}]: {row[d]} vs {audio[i][d]}");
        }
        for (var i = 0; i < texts.Length; i++)
        {
            var row = fastText.Features[i].data<float>().ToArray();
            for (var d = 0; d < row.Length; d++) Assert.True(Math.Abs(row[d] - text[i][d]) < 1e-5, $"text {i}[{d}]");
        }
    }

    private static async Task<(int Code, string Err)> Run(params string[] args)
    {
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, new StringWriter(), stderr);
        return (code, stderr.ToString());
    }

    private static void Equal(double expected, JsonNode? node, string what) =>
        Assert.True(Math.Abs(expected - MetricFixture.Number(node)) <= 1e-9, $"{what}: expected {expected}, reported {MetricFixture.Number(node)}");

    [Fact]
    public async Task RetrievalReportEqualsTheMetricCoreOnTheTwinSimilarities()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var outDir = Path.Combine(temp, "retrieval");
        var (code, err) = await Run(["eval", "retrieval", "--manifest", ManifestPath.Value, "--out", outDir, .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, err);
        Assert.Contains("text_to_audio", File.ReadAllText(Path.Combine(outDir, "report.md")));
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")))!;
        Assert.Equal("1", report["inputs"]!["clips skipped (no caption)"]!.GetValue<string>());

        var captioned = Clips.Where(c => c.Captions.Length > 0).ToList();
        string[] texts = [.. captioned.SelectMany(c => c.Captions)];
        int[] audioOfText = [.. captioned.SelectMany((c, i) => c.Captions.Select(_ => i))];
        var (t2a, a2t) = RetrievalMetrics.Bidirectional(TwinSimilarity([.. captioned.Select(c => c.Name)], texts), captioned.Count, audioOfText);
        foreach (var (group, expected) in new[] { ("text_to_audio", t2a), ("audio_to_text", a2t) })
        {
            var m = report["metrics"]![group]!;
            Assert.Equal(6, m.AsObject().Count);
            Equal(expected.RecallAt1, m["R@1"], group + " R@1");
            Equal(expected.RecallAt5, m["R@5"], group + " R@5");
            Equal(expected.RecallAt10, m["R@10"], group + " R@10");
            Equal(expected.MeanAveragePrecisionAt10, m["mAP@10"], group + " mAP@10");
            Equal(expected.MeanRank, m["mean_rank"], group + " mean rank");
            Equal(expected.MedianRank, m["median_rank"], group + " median rank");
        }

        // Existing report files are only replaced with --force, as in `flam eval sed`.
        (code, err) = await Run(["eval", "retrieval", "--manifest", ManifestPath.Value, "--out", outDir, .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("report.json", err);
    }

    [Fact]
    public async Task ZeroShotReportEqualsTheMetricCoreOnTheTwinSimilarities()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var classesFile = Path.Combine(dir, "classes.txt");
        string[] classes = ["game", "time", "speech", "rain", "dog", "car"];
        File.WriteAllLines(classesFile, [.. classes, ""]);
        var outDir = Path.Combine(dir, "zeroshot");
        var (code, err) = await Run(["eval", "zeroshot", "--manifest", ManifestPath.Value, "--classes", classesFile, "--template", "the sound of {0}",
            "--out", outDir, .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, err);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")))!;
        Assert.Equal("1", report["inputs"]!["clips skipped (no tag names a class)"]!.GetValue<string>());
        Assert.Contains("## Per class", File.ReadAllText(Path.Combine(outDir, "report.md")));

        // First matching tag, case-insensitive: a → game ("Game"), b → time, c → speech; d has no class.
        int[] truth = [0, 1, 2];
        var logits = TwinSimilarity(["a", "b", "c"], [.. classes.Select(c => "the sound of " + c)]);
        var expected = ZeroShotMetrics.TopKAccuracy(logits, classes.Length, truth, 1, 5);
        Equal(expected[0], report["metrics"]!["zero_shot"]!["top1"], "top1");
        Equal(expected[1], report["metrics"]!["zero_shot"]!["top5"], "top5");
        for (var k = 0; k < truth.Length; k++)
        {
            var row = logits.AsSpan(k * classes.Length, classes.Length).ToArray();
            var correct = row.Count(v => v > row[truth[k]]) == 0 ? 1.0 : 0.0;
            Equal(correct, report["per_class"]![classes[truth[k]]]!["top1"], classes[truth[k]]);
            Assert.Equal(1, report["per_class"]![classes[truth[k]]]!["clips"]!.GetValue<int>());
        }
        Assert.Equal(0, report["per_class"]!["rain"]!["clips"]!.GetValue<int>());
    }

    [Fact]
    public async Task ZeroShotWithoutClassesFileUsesTheClipsFirstTags()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var outDir = Path.Combine(dir, "zeroshot");
        var (code, err) = await Run(["eval", "zeroshot", "--manifest", ManifestPath.Value, "--ways", "2", "--ways", "3", "--out", outDir, .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, err);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "report.json")))!;
        Assert.Equal("4", report["inputs"]!["classes"]!.GetValue<string>());
        Assert.Equal("0", report["inputs"]!["clips skipped (no tag names a class)"]!.GetValue<string>());

        string[] classes = ["Game", "time", "speech", "unknown"];
        var logits = TwinSimilarity(["a", "b", "c", "d"], classes);
        var expected = ZeroShotMetrics.TopKAccuracy(logits, classes.Length, [0, 1, 2, 3], 1, 5);
        Equal(expected[0], report["metrics"]!["zero_shot"]!["top1"], "top1");
        Equal(ZeroShotMetrics.EpisodeTop1(logits, classes.Length, [0, 1, 2, 3], 2), report["metrics"]!["zero_shot"]!["top1_2way"], "top1_2way");
        Equal(ZeroShotMetrics.EpisodeTop1(logits, classes.Length, [0, 1, 2, 3], 3), report["metrics"]!["zero_shot"]!["top1_3way"], "top1_3way");
        Assert.Equal(1, report["per_class"]!["unknown"]!["clips"]!.GetValue<int>());
    }

    [Fact]
    public async Task MissingManifestIsNamed()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var missing = Path.Combine(dir, "none.jsonl");
        var (code, err) = await Run(["eval", "retrieval", "--manifest", missing, "--out", Path.Combine(dir, "r"), .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(missing, err);
        Assert.False(File.Exists(Path.Combine(dir, "r", "report.json")));
    }

    [Fact]
    public async Task OneWayEpisodesAreRefused()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var (code, err) = await Run(["eval", "zeroshot", "--manifest", ManifestPath.Value, "--ways", "1", "--out", Path.Combine(dir, "z"), .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("--ways 1", err);
        Assert.False(File.Exists(Path.Combine(dir, "z", "report.json")));
    }

    [Theory]
    [InlineData("\n  \n", "holds no class names")]
    [InlineData("rain\ndog\n", "no clip has a tag naming a class")]
    public async Task BadClassesFileIsNamed(string content, string message)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var classesFile = Path.Combine(dir, "classes.txt");
        File.WriteAllText(classesFile, content);
        var (code, err) = await Run(["eval", "zeroshot", "--manifest", ManifestPath.Value, "--classes", classesFile, "--out", Path.Combine(dir, "z"), .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(message, err);
        Assert.Contains(classesFile, err);
        Assert.False(File.Exists(Path.Combine(dir, "z", "report.json")));
    }
}
