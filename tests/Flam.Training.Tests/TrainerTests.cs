using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.IO;
using Flam.Model;
using Flam.Model.Checkpoints;
using Flam.Model.Text;
using Flam.Training;
using TorchSharp;

namespace Flam.Tests.Training;

/// <summary>A tiny synthetic SED dataset written by the tests: tones and noise bursts at known times.</summary>
internal static class SyntheticSet
{
    /// <summary>Writes <paramref name="clips"/> short WAVs and a manifest; returns the manifest path.</summary>
    public static string Write(string dir, int clips, int seed, double seconds = 2.0)
    {
        Directory.CreateDirectory(dir);
        var random = new Random(seed);
        var entries = new List<ManifestEntry>();
        const int rate = 48000;
        for (int c = 0; c < clips; c++)
        {
            var samples = new float[(int)(seconds * rate)];
            for (int i = 0; i < samples.Length; i++) samples[i] = (float)(0.01 * (random.NextDouble() - 0.5));
            var events = new List<ManifestEvent>();
            bool tone = c % 2 == 0;
            double on = Math.Round(random.NextDouble() * seconds / 2, 2), off = Math.Round(on + seconds / 3, 2);
            for (int i = (int)(on * rate); i < (int)(off * rate); i++)
            {
                samples[i] += tone ? (float)(0.5 * Math.Sin(2 * Math.PI * 1000 * i / rate)) : (float)(0.6 * (random.NextDouble() - 0.5));
            }
            var label = tone ? "beep" : "hiss";
            events.Add(new ManifestEvent(label, on, off));
            var name = $"clip{c:D3}.wav";
            WavWriter.Write(Path.Combine(dir, name), samples, rate);
            entries.Add(new ManifestEntry(name, seconds, [tone ? "a high beep" : "a burst of hiss"], [label], events, tone ? "tones" : "noise"));
        }
        var manifest = Path.Combine(dir, "manifest.jsonl");
        Manifest.Write(manifest, entries);
        return manifest;
    }
}

[Collection(TrainingCollection.Name)]
public class TrainerTests
{
    private static readonly Lazy<RobertaTokenizer> Tokenizer = new(() => RobertaTokenizer.Load(FixturePaths.Get("tokenizer", "tiny")));

    /// <summary>The micro fixture model with a 2 s clip window (the encoder stretches any window to its image), for speed.</summary>
    internal static string ShortClipConfig(string dir)
    {
        var json = JsonNode.Parse(File.ReadAllText(FixturePaths.Get("model", "micro", "config.json")))!;
        json["audio_cfg"]!["clip_samples"] = 96000;
        var path = Path.Combine(dir, "micro-2s.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    internal static TrainingOptions Options(string manifest, string output, int steps) => new()
    {
        TrainManifests = [manifest],
        Config = ShortClipConfig(Path.GetDirectoryName(manifest)!),
        OutputDirectory = output,
        Stage = 2,
        Steps = steps,
        BatchSize = 2,
        GradientAccumulation = 1,
        Seed = 3,
        LearningRate = 1e-3,
        WarmupSteps = 2,
        CheckpointEvery = 5,
        KeepCheckpoints = 2,
        Workers = 1,
        Prefetch = 1,
        Loss = new FlamLossOptions(Blocking: new FramewiseBlocking(2)),
    };

    internal static TrainingSummary Train(TrainingOptions options, TextWriter? progress = null) =>
        new Trainer(options, progress ?? TextWriter.Null).Run(new TokenizedTextEncoder(Tokenizer.Value));

    [Fact]
    public void TenStepsEqualFivePlusResumePlusFive()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        var straight = Path.Combine(root, "straight");
        var resumed = Path.Combine(root, "resumed");
        Train(Options(manifest, straight, 10));
        Assert.Equal(5, Train(Options(manifest, resumed, 10) with { StopAfter = 5 }).Steps);
        var summary = Train(Options(manifest, resumed, 10) with { Resume = true });
        Assert.Equal(10, summary.Steps);

        using var scope = torch.NewDisposeScope();
        var a = SafeTensors.Load(Path.Combine(straight, "model.safetensors"));
        var b = SafeTensors.Load(Path.Combine(resumed, "model.safetensors"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, t) in a)
        {
            Assert.True(t.equal(b[name]).all().item<bool>(), $"{name} differs after resume");
        }
        var logA = File.ReadAllLines(Path.Combine(straight, "log.jsonl"));
        var logB = File.ReadAllLines(Path.Combine(resumed, "log.jsonl"));
        Assert.Equal(10, logA.Length);
        Assert.Equal(logA.Select(LossOf), logB.Select(LossOf));
        Assert.Equal(Enumerable.Range(1, 10), logB.Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()));
        // Components are logged, the SED ones included.
        var first = JsonNode.Parse(logA[0])!;
        Assert.NotNull(first["global"]);
        Assert.NotNull(first["framewise"]);
        Assert.NotNull(first["prior"]);
        // Only the last k checkpoints remain; the final model loads with its config.
        Assert.Equal(["step-00000005", "step-00000010"], Directory.GetDirectories(Path.Combine(resumed, "checkpoints")).Select(Path.GetFileName).Order());
        using var model = FlamModel.Load(Path.Combine(resumed, "model.safetensors"));
        Assert.Equal(24, model.Config.JointEmbedDim);
    }

    private static double LossOf(string line) => JsonNode.Parse(line)!["loss"]!.GetValue<double>();

    [Fact]
    public void StageOneTrainsTheGlobalLossOnlyAndValidationIsLogged()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 2);
        var output = Path.Combine(root, "out");
        var progress = new StringWriter();
        var summary = Train(Options(manifest, output, 2) with { Stage = 1, GradientAccumulation = 2, ValidationManifest = manifest, ValidateEvery = 1 }, progress);
        var log = File.ReadAllLines(Path.Combine(output, "log.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(2, log.Count);
        Assert.Null(log[0]["framewise"]);
        Assert.Equal(log[0]["loss"]!.GetValue<double>(), log[0]["global"]!.GetValue<double>(), 5);
        Assert.InRange(log[1]["val_frame_auroc"]!.GetValue<double>(), 0, 1);
        Assert.NotNull(summary.BestValidation);
        Assert.True(File.Exists(Path.Combine(output, "best", "model.safetensors")));
        Assert.Contains("step 2/2", progress.ToString());
        Assert.Contains("clips/s", progress.ToString());
    }
}
