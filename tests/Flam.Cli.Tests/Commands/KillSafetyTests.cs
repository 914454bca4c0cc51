using Flam.Audio;
using Flam.IO;
using Flam.Tests.Evaluation;

namespace Flam.Tests.Inference;

/// <summary>
/// SIGKILL of <c>flam detect --out-dir</c> and <c>flam eval sed</c> midway (the built CLI runs as a child process with
/// the micro fixture model): every output file left behind is complete, and a re-run finishes with the outputs of an
/// uninterrupted run.
/// </summary>
public sealed class KillSafetyTests
{
    [Fact]
    public void DetectOutDirKilledTwiceThenSkipExistingEqualsAnUninterruptedRun()
    {
        using var root = FixturePaths.NewTempDirectory();
        var input = Directory.CreateDirectory(Path.Combine(root, "in")).FullName;
        var random = new Random(4);
        const int Files = 12;
        for (var i = 0; i < Files; i++)
        {
            WavWriter.Write(Path.Combine(input, $"clip{i:00}.wav"), [.. Enumerable.Range(0, 3 * 48000).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f)], 48000);
        }
        string[] Args(string output) => ["detect", input, "-q", "time", "-q", "people play a game", "--frames", "--out-dir", output, "--skip-existing",
            .. FixturePaths.MicroModelArguments()];
        var straight = Path.Combine(root, "straight");
        CliProcess.Run(Args(straight));
        var expected = OutputFiles.Visible(straight);
        Assert.Equal(Files, expected.Count);

        var killed = Path.Combine(root, "killed");
        foreach (var reports in new[] { 2, 7 })
        {
            CliProcess.KillWhen(Args(killed), () => OutputFiles.Visible(killed).Count >= reports);
            var left = OutputFiles.Visible(killed);
            Assert.True(left.Count < Files, "the run had written every report when it was killed");
            OutputFiles.EachComplete(expected, left);
        }
        CliProcess.Run(Args(killed));
        OutputFiles.Same(expected, OutputFiles.Visible(killed));
        OutputFiles.NoTemporaries(killed);
    }

    [Fact]
    public void EvalSedKilledBeforeAndWhileWritingThenRerunEqualsAnUninterruptedRun()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = EvalCommandTests.Manifest(root);
        string[] Args(string output, params string[] extra) => ["eval", "sed", "--manifest", manifest, "--out", output, .. extra, .. FixturePaths.MicroModelArguments()];
        var straight = Path.Combine(root, "straight");
        CliProcess.Run(Args(straight));
        var expected = OutputFiles.Visible(straight);

        // Killed while it detects (it holds the folder, nothing is written yet): a plain re-run completes it.
        var killed = Path.Combine(root, "killed");
        CliProcess.KillWhen(Args(killed), () => File.Exists(Path.Combine(killed, OutputLock.HolderFileName)));
        Assert.Empty(OutputFiles.Visible(killed));
        CliProcess.Run(Args(killed));
        OutputFiles.Same(expected, OutputFiles.Visible(killed));

        // Killed once it has begun writing: what is there is complete, and a --force re-run completes it.
        var again = Path.Combine(root, "again");
        CliProcess.KillWhen(Args(again), () => Directory.Exists(Path.Combine(again, "scores")));
        OutputFiles.EachComplete(expected, OutputFiles.Visible(again));
        CliProcess.Run(Args(again, "--force"));
        OutputFiles.Same(expected, OutputFiles.Visible(again));
        OutputFiles.NoTemporaries(again);
    }
}
