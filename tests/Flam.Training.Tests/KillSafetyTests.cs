using System.Text.Json.Nodes;
using Flam.IO;
using Flam.Model.Checkpoints;
using Flam.Tests.Synthesis;
using TorchSharp;

namespace Flam.Tests.Training;

/// <summary>
/// SIGKILL at several points of a writing command, then the same command again: it completes, and its outputs equal
/// those of an uninterrupted run (the built CLI runs as a child process). In the Torch collection: the trained weights
/// are compared in this process with libtorch.
/// </summary>
[Collection(TorchCollection.Name)]
public class KillSafetyTests
{
    private static int FilesIn(string folder, string pattern) => Directory.Exists(folder) ? Directory.GetFiles(folder, pattern).Length : 0;

    [Fact]
    public void SynthesizeKilledTwiceThenRerunEqualsAnUninterruptedRun()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = SynthesisTestData.WriteSourceFolders(root);
        string[] Args(string output) => ["synthesize", "--events", events, "--backgrounds", backgrounds, "--count", "100", "--duration", "4",
            "--seed", "9", "--threads", "1", "--out", output];
        var killed = Path.Combine(root, "killed");
        foreach (var finished in new[] { 3, 30 })
        {
            CliProcess.KillWhen(Args(killed), () => FilesIn(Path.Combine(killed, "recipes"), "*.json") >= finished);
            // Killed mid-run: the lock of the dead process is still there, and mixtures are missing.
            Assert.True(File.Exists(Path.Combine(killed, OutputLock.FileName)), "the run was not killed while it held its folder");
            Assert.True(FilesIn(Path.Combine(killed, "recipes"), "*.json") < 100, "the run had finished mixing when it was killed");
        }
        CliProcess.Run(Args(killed));
        CliProcess.Run(Args(Path.Combine(root, "straight")));

        var expected = SynthesisTestData.Snapshot(Path.Combine(root, "straight"));
        var actual = SynthesisTestData.Snapshot(killed);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} differs from the uninterrupted run");
        }
    }

    [Fact]
    public void TrainKilledTwiceThenRerunEqualsAnUninterruptedRun()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        var config = TrainerTests.ShortClipConfig(root);
        string[] Args(string output) => ["train", "--train", manifest, "--config", config, "--tokenizer", FixturePaths.Get("tokenizer", "tiny"),
            "--stage", "2", "--steps", "12", "--batch-size", "2", "--seed", "3", "--lr", "1e-3", "--warmup", "2", "--checkpoint-every", "2",
            "--keep", "2", "--workers", "1", "--prefetch", "1", "--text-block", "2", "--resume", "--out", output];
        var killed = Path.Combine(root, "killed");
        var log = Path.Combine(killed, "log.jsonl");
        int LoggedSteps() => File.Exists(log) ? File.ReadAllLines(log).Length : 0;
        foreach (var steps in new[] { 3, 8 })
        {
            CliProcess.KillWhen(Args(killed), () => LoggedSteps() >= steps);
            Assert.True(File.Exists(Path.Combine(killed, OutputLock.FileName)), "the run was not killed while it held its folder");
        }
        CliProcess.Run(Args(killed));
        var straight = Path.Combine(root, "straight");
        CliProcess.Run(Args(straight));

        // Weights compared tensor by tensor: the header's config name of a resumed model comes from its checkpoint.
        using var scope = torch.NewDisposeScope();
        var expected = SafeTensors.Load(Path.Combine(straight, "model.safetensors"));
        var actual = SafeTensors.Load(Path.Combine(killed, "model.safetensors"));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            Assert.True(tensor.equal(actual[name]).all().item<bool>(), $"{name} differs from the uninterrupted run");
        }
        static (int, double)[] StepsAndLosses(string folder) => File.ReadAllLines(Path.Combine(folder, "log.jsonl"))
            .Select(l => JsonNode.Parse(l)!).Select(n => (n["step"]!.GetValue<int>(), n["loss"]!.GetValue<double>())).ToArray();
        Assert.Equal(StepsAndLosses(straight), StepsAndLosses(killed));
        static string[] Entries(string folder) => Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
            .Select(e => Path.GetRelativePath(folder, e)).Order().ToArray();
        Assert.Equal(Entries(straight), Entries(killed));
    }
}
