using Flam.IO;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>
/// SIGKILL of <c>flam corpus build</c> midway (offline: an unpacked fake package and a licensed folder; the built CLI
/// runs as a child process): every output file left behind is complete, and a re-run writes the corpus of an
/// uninterrupted run.
/// </summary>
public sealed class CorpusKillSafetyTests
{
    [Fact]
    public void CorpusBuildKilledTwiceThenRerunEqualsAnUninterruptedRun()
    {
        using var root = FixturePaths.NewTempDirectory();
        var folder = Path.Combine(root, "recordings");
        const int Recordings = 150;
        var table = new List<string> { "| file | content | author | licence |", "|---|---|---|---|" };
        for (var i = 0; i < Recordings; i++)
        {
            CorpusTestData.WriteWav(Path.Combine(folder, $"take-{(char)('a' + i % 26)}{i}.wav"), 0.5 + i % 7 * 0.5, 100 + 13 * i, 0.3);
            table.Add($"| take-{(char)('a' + i % 26)}{i}.wav | recording {i} | tester | CC0 |");
        }
        File.WriteAllLines(Path.Combine(folder, "LICENSES.md"), table);
        string[] Args(string run)
        {
            const string Package = "sound-theme-freedesktop";
            var cache = Path.Combine(root, run, "cache");
            if (!Directory.Exists(cache))
            {
                var package = CorpusTestData.FakePackage(cache, Package, "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: The ALSA developers\nLicense: GPL-2+\n");
                CorpusTestData.WriteWav(Path.Combine(package, "usr", "share", "sounds", "freedesktop", "stereo", "bell.wav"), 1.0, 880);
            }
            return ["corpus", "build", "--out", Path.Combine(root, run, "out"), "--cache", cache, "--packages", Package, "--folder", folder,
                "--offline", "--threads", "1"];
        }
        CliProcess.Run(Args("straight"));
        var expected = OutputFiles.Visible(Path.Combine(root, "straight", "out"));

        var killed = Path.Combine(root, "killed", "out");
        int Copied() => Directory.Exists(Path.Combine(killed, "audio")) ? Directory.GetFiles(Path.Combine(killed, "audio"), "*", SearchOption.AllDirectories).Length : 0;
        foreach (var copied in new[] { 5, 60 })
        {
            CliProcess.KillWhen(Args("killed"), () => Copied() >= copied);
            Assert.True(File.Exists(Path.Combine(killed, OutputLock.FileName)), "the run was not killed while it held its folder");
            OutputFiles.EachComplete(expected, OutputFiles.Visible(killed));
        }
        CliProcess.Run(Args("killed"));
        OutputFiles.Same(expected, OutputFiles.Visible(killed));
    }
}
