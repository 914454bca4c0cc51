using Flam.Audio;
using Flam.Cli;
using Flam.Model;
using Flam.Training;
using TorchSharp;

namespace Flam.Tests.Training;

/// <summary>Every bad-input case of the training issue: a clear error naming the file and the problem, exit code 1.</summary>
[Collection(TrainingCollection.Name)]
public class TrainerBadInputTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await FlamApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Args(string manifest, string output, params string[] more) =>
    [
        "train", "--train", manifest, "--config", TrainerTests.ShortClipConfig(Path.GetDirectoryName(manifest)!), "--tokenizer", FixturePaths.Get("tokenizer", "tiny"),
        "--out", output, "--batch-size", "2", "--workers", "1", "--text-block", "2", .. (more.Contains("--steps") ? more : [.. more, "--steps", "1"]),
    ];

    private static string WriteLines(string dir, params string[] lines)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "bad.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string GoodLine(string audio = "clip000.wav") =>
        $$"""{"audio": "{{audio}}", "duration": 2, "captions": ["a beep"], "tags": ["beep"], "events": [{"text": "beep", "onset": 0.5, "offset": 1.0}]}""";

    [Fact]
    public async Task LineThatIsNotJsonIsReportedWithItsNumber()
    {
        using var root = FixturePaths.NewTempDirectory();
        SyntheticSet.Write(root, clips: 1, seed: 1);
        var manifest = WriteLines(root, GoodLine(), "{not json");
        var (code, _, err) = await Run(Args(manifest, Path.Combine(root, "out")));
        Assert.Equal(1, code);
        Assert.Contains($"'{manifest}' line 2", err);
    }

    [Theory]
    [InlineData(1.5, 2.5, "outside the clip")]
    [InlineData(1.0, 1.0, "onset 1 ≥ offset 1")]
    public async Task BadEventTimesAreReported(double onset, double offset, string expected)
    {
        using var root = FixturePaths.NewTempDirectory();
        SyntheticSet.Write(root, clips: 1, seed: 1);
        var line = $$"""{"audio": "clip000.wav", "duration": 2, "captions": ["x"], "tags": [], "events": [{"text": "beep", "onset": {{onset}}, "offset": {{offset}}}]}""";
        var manifest = WriteLines(root, line);
        var (code, _, err) = await Run(Args(manifest, Path.Combine(root, "out")));
        Assert.Equal(1, code);
        Assert.Contains("line 1", err);
        Assert.Contains(expected, err);
    }

    [Fact]
    public async Task A_frozen_name_that_matches_no_parameter_is_reported()
    {
        using var root = FixturePaths.NewTempDirectory();
        SyntheticSet.Write(root, clips: 2, seed: 1);
        var manifest = WriteLines(root, GoodLine(), GoodLine("clip001.wav"));
        var (code, _, err) = await Run(Args(manifest, Path.Combine(root, "out"), "--freeze", "text_projectio"));
        Assert.Equal(1, code);
        Assert.Contains("--freeze 'text_projectio' names no parameter", err);
    }

    [Fact]
    public async Task A_decision_negative_weight_that_is_not_positive_is_reported_and_nothing_is_written()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(root, clips: 2, seed: 1);
        var output = Path.Combine(root, "out");
        var (code, _, err) = await Run(Args(manifest, output, "--stage", "2", "--decision-weight", "1", "--decision-negative-weight", "0"));
        Assert.Equal(1, code);
        Assert.Contains("error: The decision loss's negative-frame weight must be a finite positive number, got 0.", err);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Mined_and_hard_negatives_that_add_up_to_more_than_all_negatives_are_reported_and_nothing_is_written()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(root, clips: 2, seed: 1);
        var output = Path.Combine(root, "out");
        var (code, _, err) = await Run(Args(manifest, output, "--stage", "2", "--negative-texts", "2", "--hard-negatives", "0.5", "--mined-negatives", "0.75"));
        Assert.Equal(1, code);
        Assert.Contains("error: Hard and mined negatives are parts of the negative texts: 0.5 + 0.75 is more than 1.", err);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Frozen_parameters_keep_their_values_through_an_optimiser_step_and_the_others_move()
    {
        using var root = FixturePaths.NewTempDirectory();
        using var model = FlamModel.Create(FlamConfig.FromNameOrFile(TrainerTests.ShortClipConfig(root)));
        // A prefix freezes its module only: "text_projection.0" must not take "text_projection.2" with it.
        Trainer.Freeze(model, ["text_projection.0"]);
        using var scope = torch.NewDisposeScope();
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var optimizer = new AdamWOptimizer(model.named_parameters(), 0.9, 0.999, 1e-8, 0.01);
        foreach (var (_, p) in model.named_parameters().Where(p => p.parameter.requires_grad)) p.grad = torch.ones_like(p);
        optimizer.Step(1e-2);
        var changed = model.named_parameters().Where(p => !p.parameter.detach().allclose(before[p.name], 0, 0)).Select(p => p.name).ToHashSet();
        Assert.Contains("text_projection.0.weight", before.Keys);
        Assert.DoesNotContain(changed, n => n.StartsWith("text_projection.0.", StringComparison.Ordinal));
        Assert.Contains("text_projection.2.weight", changed);
        Assert.Contains(changed, n => n.StartsWith("audio_branch", StringComparison.Ordinal));
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public async Task A_frozen_batch_norm_keeps_its_running_statistics_and_an_unfrozen_one_moves()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(root, clips: 2, seed: 1);
        float[] RunningMean(string output, params string[] more)
        {
            var (code, _, err) = Run(Args(manifest, output, [.. more, "--steps", "2"])).GetAwaiter().GetResult();
            Assert.True(code == 0, err);
            var state = Flam.Model.Checkpoints.SafeTensors.Load(Path.Combine(output, FlamModel.WeightsFileName));
            var mean = state["audio_branch.bn0.running_mean"].data<float>().ToArray();
            foreach (var t in state.Values) t.Dispose();
            return mean;
        }
        // A fresh model's running mean is 0; two training steps move it towards the log-mel's mean unless bn0 is frozen.
        Assert.All(RunningMean(Path.Combine(root, "frozen"), "--freeze", "audio_branch.bn0"), m => Assert.Equal(0f, m));
        Assert.Contains(RunningMean(Path.Combine(root, "trained")), m => Math.Abs(m) > 1);
    }

    [Fact]
    public async Task Resuming_a_finished_run_says_no_step_was_left_instead_of_a_NaN_loss()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(root, clips: 2, seed: 1);
        var output = Path.Combine(root, "run");
        Assert.Equal(0, (await Run(Args(manifest, output, "--steps", "1"))).Code);
        var (code, stdout, err) = await Run(Args(manifest, output, "--steps", "1", "--resume"));
        Assert.True(code == 0, err);
        Assert.Contains("done: 1 steps, no step left to run,", stdout);
        Assert.DoesNotContain("NaN", stdout);
    }

    [Fact]
    public async Task EmptyManifestIsReported()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = WriteLines(root, "", "  ");
        var (code, _, err) = await Run(Args(manifest, Path.Combine(root, "out")));
        Assert.Equal(1, code);
        Assert.Contains($"'{manifest}' is empty", err);
    }

    [Fact]
    public async Task MissingAudioFailsFastOrIsSkippedAndCounted()
    {
        using var root = FixturePaths.NewTempDirectory();
        var good = SyntheticSet.Write(root, clips: 2, seed: 1);
        var manifest = WriteLines(root, [.. File.ReadAllLines(good), GoodLine("gone1.wav"), GoodLine("gone2.wav")]);
        var (code, _, err) = await Run(Args(manifest, Path.Combine(root, "out")));
        Assert.Equal(1, code);
        Assert.Contains("2 audio file(s) missing", err);
        Assert.Contains("gone1.wav", err);
        Assert.False(Directory.Exists(Path.Combine(root, "out", "checkpoints")));

        (code, var output, err) = await Run(Args(manifest, Path.Combine(root, "out2"), "--skip-missing"));
        Assert.True(code == 0, err);
        Assert.Contains("Skipped 2 manifest entries", output);
        Assert.True(File.Exists(Path.Combine(root, "out2", "model.safetensors")));
    }

    [Fact]
    public async Task UnwritableOutputFolderIsReported()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(root, clips: 2, seed: 1);
        var blocker = Path.Combine(root, "a-file");
        File.WriteAllText(blocker, "");
        var (code, _, err) = await Run(Args(manifest, Path.Combine(blocker, "out")));
        Assert.Equal(1, code);
        Assert.Contains("Cannot write to the output folder", err);
        Assert.Contains(Path.Combine(blocker, "out"), err);
    }

    [Fact]
    public async Task NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(root, clips: 2, seed: 1);
        var output = Path.Combine(root, "out");
        // A learning rate of 1e30 throws the weights far out in the first update, so the second step's loss is not
        // finite (broken audio can no longer do it: samples beyond ±1e6 are refused when read, docs/safety.md).
        var (code, _, err) = await Run(Args(manifest, output, "--checkpoint-every", "1", "--lr", "1e30"));
        Assert.True(code == 0, err);
        var checkpoint = Path.Combine(output, "checkpoints", "step-00000001");
        var before = Directory.GetFiles(checkpoint).ToDictionary(f => f, File.ReadAllBytes);

        (code, _, err) = await Run(Args(manifest, output, "--resume", "--checkpoint-every", "1", "--lr", "1e30", "--steps", "2"));
        Assert.Equal(1, code);
        Assert.Contains("The loss became", err);
        Assert.Contains("at step 2", err);
        Assert.Contains(checkpoint, err);
        foreach (var (file, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(file));
        Assert.Equal(["step-00000001"], Directory.GetDirectories(Path.Combine(output, "checkpoints")).Select(Path.GetFileName));
    }

    [Fact]
    public void CrashDuringCheckpointWriteNeverCorruptsThePreviousOne()
    {
        using var root = FixturePaths.NewTempDirectory();
        var config = FlamConfig.FromNameOrFile(TrainerTests.ShortClipConfig(root));
        using var model = FlamModel.Create(config);
        using var optimizer = new AdamWOptimizer(model.named_parameters(), 0.9, 0.999, 1e-8, 0.01);
        var store = new CheckpointStore(root, keep: 3);
        var first = store.Save(model, optimizer, new TrainerState(1, 0, 2, 10, null));
        var before = Directory.GetFiles(first).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

        // The "process dies" after the weights of checkpoint 2 are on disk but before the rest.
        store.AfterFileWritten = file => { if (file == FlamModel.WeightsFileName) throw new OperationCanceledException("killed"); };
        Assert.Throws<OperationCanceledException>(() => store.Save(model, optimizer, new TrainerState(2, 0, 2, 10, null)));

        Assert.Equal(first, store.Latest());
        Assert.False(Directory.Exists(store.PathOf(2)));
        Assert.Equal([Path.GetFileName(first)], Directory.GetFileSystemEntries(Path.Combine(root, "checkpoints")).Select(Path.GetFileName));
        foreach (var (name, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(first, name)));
        // And the surviving checkpoint loads.
        Assert.Equal(1, CheckpointStore.LoadState(first, optimizer).Step);
    }
}
