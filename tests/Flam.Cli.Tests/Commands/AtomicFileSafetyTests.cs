using System.Diagnostics;
using Flam.Audio;
using Flam.Cli;
using Flam.IO;

namespace Flam.Tests.IO;

/// <summary>Outputs that are not plain files: symbolic links, devices and pipes are written, never replaced (Linux, root).</summary>
/// <remarks>In the Torch collection: one test runs <c>flam features</c> (libtorch) in this process.</remarks>
[Collection(TorchCollection.Name)]
public class AtomicFileSafetyTests
{
    /// <summary>The kind of <paramref name="path"/> as stat(1) names it, independent of the code under test.</summary>
    private static string StatKind(string path)
    {
        using var stat = Process.Start(new ProcessStartInfo("stat", ["-c", "%F", path]) { RedirectStandardOutput = true })!;
        var kind = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return kind;
    }

    private static string FullDevice(string dir)
    {
        // A private twin of /dev/full (char 1:7), so a failing test cannot damage the machine's own.
        var path = Path.Combine(dir, "full");
        using var mknod = Process.Start("mknod", [path, "c", "1", "7"]);
        mknod.WaitForExit();
        Assert.True(mknod.ExitCode == 0, "mknod failed (the test needs root)");
        return path;
    }

    [Fact]
    public void ASymbolicLinkIsWrittenThroughToItsTarget()
    {
        using var dir = FixturePaths.NewTempDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "elsewhere"));
        var target = Path.Combine(dir, "elsewhere", "real.txt");
        File.WriteAllText(target, "old");
        var link = Path.Combine(dir, "link.txt");
        File.CreateSymbolicLink(link, target);

        AtomicFile.WriteAllText(link, "new");

        Assert.Equal("symbolic link", StatKind(link));
        Assert.Equal("new", File.ReadAllText(target));
    }

    [Fact]
    public void ATemporaryLeftByAKilledWriterIsRemovedByTheNextWriteAndALiveOneIsKept()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var target = dir["report.json"];
        // Named as a killed AtomicFile.Write leaves them: one abandoned, one still held (locked) by a running writer.
        var stale = dir[".report.json.0badc0de.tmp"];
        var live = dir[".report.json.1badc0de.tmp"];
        var other = dir[".other.json.2badc0de.tmp"];
        foreach (var tmp in new[] { stale, live, other })
        {
            File.WriteAllText(tmp, "half");
        }
        using (new FileStream(live, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            AtomicFile.WriteAllText(target, "whole");
        }

        Assert.Equal("whole", File.ReadAllText(target));
        Assert.False(File.Exists(stale), "the abandoned temporary is still there");
        Assert.True(File.Exists(live), "the temporary of a running writer was deleted");
        Assert.True(File.Exists(other), "a temporary of another output was deleted");
    }

    [Fact]
    public async Task AFifoIsWrittenAsAStreamToItsReader()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var fifo = Path.Combine(dir, "pipe");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
        using var reader = Process.Start(new ProcessStartInfo("cat", [fifo]) { RedirectStandardOutput = true })!;
        var received = reader.StandardOutput.ReadToEndAsync();

        var writer = Task.Run(() => AtomicFile.WriteAllText(fifo, "hello through the pipe"));
        var first = await Task.WhenAny(received, Task.Delay(TimeSpan.FromSeconds(20)));
        if (first != received)
        {
            reader.Kill();
        }
        Assert.True(first == received, "the reader of the FIFO got nothing");
        await writer.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("hello through the pipe", await received);
        Assert.Equal("fifo", StatKind(fifo));
    }

    [Fact]
    public async Task ForcedOutputToAFullDeviceIsAnErrorAndTheDeviceStays()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var device = FullDevice(dir);
        var wav = Path.Combine(dir, "clip.wav");
        WavWriter.Write(wav, new float[48000], 48000);
        var stderr = new StringWriter();

        var code = await FlamApp.RunAsync(["features", wav, "--out", device, "--force"], new StringWriter(), stderr);

        Assert.Equal(1, code);
        Assert.Contains($"error: Cannot write '{device}': No space left on device", stderr.ToString());
        Assert.Equal("character special file", StatKind(device));
    }
}
