using System.Text.Json.Nodes;
using Flam.Training;

namespace Flam.Tests.Training;

/// <summary>A run's folder is never silently replaced or mixed with another run (docs/safety.md).</summary>
[Collection(TrainingCollection.Name)]
public class TrainerSafetyTests
{
    private static int[] LoggedSteps(string output) =>
        File.ReadAllLines(Path.Combine(output, "log.jsonl")).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()).ToArray();

    private static string[] Checkpoints(string output) =>
        Directory.GetDirectories(Path.Combine(output, "checkpoints")).Select(d => Path.GetFileName(d)!).Order().ToArray();

    [Fact]
    public void AFinishedRunIsRefusedWithoutResumeOrForceAndForceReplacesItWhole()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        var output = Path.Combine(root, "run");
        TrainerTests.Train(TrainerTests.Options(manifest, output, 6));
        var weights = File.ReadAllBytes(Path.Combine(output, "model.safetensors"));

        var e = Assert.Throws<FlamException>(() => TrainerTests.Train(TrainerTests.Options(manifest, output, 3)));
        Assert.Contains($"'{output}' holds a training run; use --resume", e.Message);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
        Assert.Equal([1, 2, 3, 4, 5, 6], LoggedSteps(output));

        // --force: the old run's log, checkpoints and best are gone, and a later --resume continues the new run.
        TrainerTests.Train(TrainerTests.Options(manifest, output, 3) with { Force = true });
        Assert.Equal([1, 2, 3], LoggedSteps(output));
        Assert.Equal(["step-00000003"], Checkpoints(output));
        TrainerTests.Train(TrainerTests.Options(manifest, output, 4) with { Resume = true });
        Assert.Equal([1, 2, 3, 4], LoggedSteps(output));
    }

    // A run of 4 steps stopped after 2, in root/run; returns its options, for a --resume.
    private static TrainingOptions StoppedRun(string root)
    {
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        var options = TrainerTests.Options(manifest, Path.Combine(root, "run"), 4);
        TrainerTests.Train(options with { StopAfter = 2 });
        return options;
    }

    [Fact]
    public void ResumeRefusesARunMadeWithOtherSettings()
    {
        using var root = FixturePaths.NewTempDirectory();
        var run = StoppedRun(root);
        var e = Assert.Throws<FlamException>(() => TrainerTests.Train(run with { Resume = true, Seed = 4, LearningRate = 2e-3 }));
        Assert.Contains($"the run in '{run.OutputDirectory}' was made with different settings (Seed, LearningRate, see run.json)", e.Message);
        Assert.Equal([1, 2], LoggedSteps(run.OutputDirectory));
    }

    [Fact]
    public void ResumeTakesASettingMissingFromAnOlderRecordAsItsDefault()
    {
        using var root = FixturePaths.NewTempDirectory();
        var run = StoppedRun(root);
        // What an earlier Flam wrote: no entry for settings added since (a top-level one and a nested one).
        var path = Path.Combine(run.OutputDirectory, "run.json");
        var record = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.True(record["settings"]!.AsObject().Remove("Frozen"));
        Assert.True(record["settings"]!["Batches"]!.AsObject().Remove("HardNegativeFraction"));
        File.WriteAllText(path, record.ToJsonString());

        var e = Assert.Throws<FlamException>(() => TrainerTests.Train(run with { Resume = true, Frozen = ["text_projection"] }));
        Assert.Contains("was made with different settings (Frozen, see run.json)", e.Message);
        Assert.Equal(4, TrainerTests.Train(run with { Resume = true }).Steps);
        Assert.Equal([1, 2, 3, 4], LoggedSteps(run.OutputDirectory));
    }

    [Fact]
    public void ResumeSkipsACorruptNewestCheckpointAndRemovesKilledCheckpointWrites()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        var output = Path.Combine(root, "run");
        TrainerTests.Train(TrainerTests.Options(manifest, output, 12) with { StopAfter = 10 });
        Assert.Equal(["step-00000005", "step-00000010"], Checkpoints(output));
        var newest = Path.Combine(output, "checkpoints", "step-00000010");
        var weights = Path.Combine(newest, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..1000]);
        // What a kill during a checkpoint write leaves: a hidden temporary folder.
        var killedWrite = Path.Combine(output, "checkpoints", ".step-00000015.tmp-0badf00d");
        Directory.CreateDirectory(killedWrite);
        File.WriteAllBytes(Path.Combine(killedWrite, "model.safetensors"), new byte[4096]);

        var progress = new StringWriter();
        Assert.Equal(12, TrainerTests.Train(TrainerTests.Options(manifest, output, 12) with { Resume = true }, progress).Steps);
        Assert.Contains($"warning: checkpoint '{newest}' is corrupt (", progress.ToString());
        Assert.Contains("Resuming from '" + Path.Combine(output, "checkpoints", "step-00000005") + "' at step 5.", progress.ToString());
        Assert.Equal(Enumerable.Range(1, 12), LoggedSteps(output));
        Assert.False(Directory.Exists(killedWrite), "the killed write's temporary folder survived a successful resume");
    }

    [Fact]
    public void AFailedRunRemovesTheFolderItCreatedButNotOneThatExisted()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        var fresh = Path.Combine(root, "fresh");
        Assert.Throws<FlamException>(() => TrainerTests.Train(TrainerTests.Options(manifest, fresh, 3) with { Config = Path.Combine(root, "missing.json") }));
        Assert.False(Directory.Exists(fresh), "the failed run left its new output folder");

        var existing = Path.Combine(root, "existing");
        Directory.CreateDirectory(existing);
        File.WriteAllText(Path.Combine(existing, "notes.txt"), "mine");
        Assert.Throws<FlamException>(() => TrainerTests.Train(TrainerTests.Options(manifest, existing, 3) with { Config = Path.Combine(root, "missing.json") }));
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(existing).Select(Path.GetFileName));
    }

    [Fact]
    public void ABatchLargerThanTheManifestIsRefusedBeforeAnyAllocation()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        // 50, not the 100 000 of the report: without the check this trains (and fails the test) instead of exhausting memory.
        var e = Assert.Throws<FlamException>(() => TrainerTests.Train(TrainerTests.Options(manifest, Path.Combine(root, "run"), 3) with { BatchSize = 50 }));
        Assert.Contains("--batch-size 50 is larger than the 4 training clips", e.Message);
        Assert.Contains("use at most 4", e.Message);
    }
}
