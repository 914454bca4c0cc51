
namespace Flam.Tests.Training;

/// <summary>
/// <c>flam train</c> in separate processes: the same seed gives the same bytes, and an interrupted run resumed by another
/// process equals an uninterrupted one. Catches seeds derived from per-process values (.NET randomises
/// <see cref="HashCode"/> per process).
/// </summary>
[Collection(TrainingCollection.Name)]
public class TrainingAcrossProcessesTests
{
    private static string[] TrainArguments(string manifest, string output, params string[] extra) =>
    [
        "train", "--train", manifest, "--config", TrainerTests.ShortClipConfig(Path.GetDirectoryName(manifest)!),
        "--tokenizer", FixturePaths.Get("tokenizer", "tiny"), "--stage", "2", "--steps", "4", "--batch-size", "2",
        "--seed", "3", "--lr", "1e-3", "--warmup", "2", "--checkpoint-every", "2", "--text-block", "2", "--workers", "1",
        "--out", output, .. extra,
    ];

    private static byte[] Weights(string output) => File.ReadAllBytes(Path.Combine(output, "model.safetensors"));

    [Fact]
    public void TheSameCommandInTwoProcessesWritesIdenticalWeights()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        CliProcess.Run(TrainArguments(manifest, Path.Combine(root, "first")));
        CliProcess.Run(TrainArguments(manifest, Path.Combine(root, "second")));
        Assert.True(Weights(Path.Combine(root, "first")).SequenceEqual(Weights(Path.Combine(root, "second"))),
            "two processes with the same --seed wrote different model.safetensors");
    }

    [Fact]
    public void StopAfterThenResumeInAnotherProcessEqualsAnUninterruptedRun()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 1);
        var straight = Path.Combine(root, "straight");
        var resumed = Path.Combine(root, "resumed");
        CliProcess.Run(TrainArguments(manifest, straight));
        CliProcess.Run(TrainArguments(manifest, resumed, "--stop-after", "2"));
        CliProcess.Run(TrainArguments(manifest, resumed, "--resume"));
        Assert.True(Weights(straight).SequenceEqual(Weights(resumed)),
            "--stop-after 2 then --resume in another process differs from an uninterrupted run");
    }
}
