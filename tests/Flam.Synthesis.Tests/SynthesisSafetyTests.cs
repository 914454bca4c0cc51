using Flam.Cli;
using Flam.Synthesis;
using static Flam.Tests.Synthesis.SynthesisTestData;

namespace Flam.Tests.Synthesis;

/// <summary>Two runs into one folder, and failed runs: no interleaved sets, no leftovers (docs/safety.md).</summary>
public class SynthesisSafetyTests
{
    [Fact]
    public async Task TwoForcedRunsWithDifferentSeedsIntoOneFolderNeverInterleave()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var shared = Path.Combine(root, "set");
        using var firstIsMixing = new ManualResetEventSlim();
        using var secondHasRun = new ManualResetEventSlim();
        // The first run pauses after its first mixture, holding the folder, until the second run has tried.
        var first = Task.Run(() => Synthesizer.Run(SynthesizerTests.Request(events, backgrounds, shared, count: 6, seed: 1, force: true), (phase, done, _) =>
        {
            if (phase == "mixing" && done == 1)
            {
                firstIsMixing.Set();
                secondHasRun.Wait(TimeSpan.FromSeconds(60));
            }
        }));
        Assert.True(firstIsMixing.Wait(TimeSpan.FromSeconds(60)), "the first run never started mixing");
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["synthesize", "--events", events, "--backgrounds", backgrounds, "--count", "6", "--seed", "2",
            "--out", shared, "--force", "--threads", "1"], new StringWriter(), stderr);
        secondHasRun.Set();
        await first;

        Assert.Equal(1, code);
        Assert.Contains($"'{shared}' is in use by another process (PID {Environment.ProcessId}, 'flam synthesize'", stderr.ToString());
        // The folder holds exactly the first run's set, as an undisturbed run with its seed makes it.
        Synthesizer.Run(SynthesizerTests.Request(events, backgrounds, Path.Combine(root, "alone"), count: 6, seed: 1));
        var alone = SynthesisTestData.Snapshot(Path.Combine(root, "alone"));
        var together = SynthesisTestData.Snapshot(shared);
        Assert.Equal(alone.Keys.Order(), together.Keys.Order());
        foreach (var (name, bytes) in alone)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(together[name]), $"{name} differs from an undisturbed seed-1 run");
        }
    }

    [Fact]
    public void AFailedRunRemovesTheFoldersItCreatedAndNothingElse()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, _) = WriteSourceFolders(root);
        var emptyBackgrounds = Path.Combine(root, "no-backgrounds");
        Directory.CreateDirectory(emptyBackgrounds);
        var fresh = Path.Combine(root, "fresh");
        Assert.Throws<FlamException>(() => Synthesizer.Run(SynthesizerTests.Request(events, emptyBackgrounds, fresh)));
        Assert.False(Directory.Exists(fresh), "the failed run left its new output folder");

        // An existing folder stays, with the user's file; only the index cache the run made goes.
        var existing = Path.Combine(root, "existing");
        Directory.CreateDirectory(existing);
        File.WriteAllText(Path.Combine(existing, "notes.txt"), "mine");
        Assert.Throws<FlamException>(() => Synthesizer.Run(SynthesizerTests.Request(events, emptyBackgrounds, existing)));
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(existing).Select(Path.GetFileName));
    }
}
