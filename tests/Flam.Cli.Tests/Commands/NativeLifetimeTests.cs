using Flam.Audio;
using Flam.Cli;
using TorchSharp;

namespace Flam.Tests.Cli;

/// <summary>
/// A command run in-process leaves no more TorchSharp tensors alive on its thread for more work: the same command on
/// one short file and on several files (more windows, batches and queries' frames) ends with the same count. A
/// tensor left per window or per file is freed later by the finalizer on the GC thread, possibly while libtorch still
/// reads it: the crash under volume. Counting live tensors finds such a temporary deterministically instead of waiting
/// for a collection at the wrong moment. (What every run leaves once, TorchSharp's own construction leftovers, cancels
/// out; loading a checkpoint is held to zero by CheckpointLoadingTests.)
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class NativeLifetimeTests
{
    private static readonly Lazy<string> Audio = new(() =>
    {
        var dir = FixturePaths.NewSharedTempDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "one"));
        Directory.CreateDirectory(Path.Combine(dir, "many"));
        var random = new Random(11);
        float[] Noise(double seconds) => [.. Enumerable.Range(0, (int)(seconds * 48000)).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f)];
        WavWriter.Write(Path.Combine(dir, "one", "four.wav"), Noise(4), 48000);
        foreach (var (name, seconds) in new[] { ("a", 4.0), ("b", 23.0), ("c", 0.2), ("d", 12.0) })
        {
            WavWriter.Write(Path.Combine(dir, "many", name + ".wav"), Noise(seconds), 48000);
        }
        return dir;
    });

    public static TheoryData<string> Commands() => ["detect micro", "detect micro frames", "detect default", "embed micro", "features"];

    private static string[] Arguments(string command, string input, string output) => command switch
    {
        "detect micro" => ["detect", input, "-q", "time", "-q", "people", .. FixturePaths.MicroModelArguments()],
        "detect micro frames" => ["detect", input, "-q", "time", "--frames", "--out-dir", output, .. FixturePaths.MicroModelArguments()],
        "detect default" => ["detect", input, "-q", "a dog barking", "-q", "rain"],
        "embed micro" => ["embed", "--audio", .. Directory.GetFiles(input).Where(f => Path.GetFileName(f) is "four.wav" or "a.wav" or "c.wav").Order(), "--text", "time", "-o", Path.Combine(output, "e.safetensors"), .. FixturePaths.MicroModelArguments()],
        "features" => ["features", input, "-o", output],
        _ => throw new ArgumentOutOfRangeException(nameof(command)),
    };

    /// <summary>Runs the command on this thread and returns how many more tensors are alive on it afterwards.</summary>
    private static async Task<long> TensorsLeftBy(string[] args)
    {
        var statistics = DisposeScopeManager.Statistics;
        var stderr = new StringWriter();
        long before = statistics.ThreadTotalLiveCount;
        var run = FlamApp.RunAsync(args, new StringWriter(), stderr);
        long left = statistics.ThreadTotalLiveCount - before;
        // These commands do not await before their work, so all of it ran on this thread by now.
        Assert.True(run.IsCompleted, "the command returned before finishing; its tensors are not all counted on this thread");
        Assert.True(await run == 0, stderr.ToString());
        return left;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task More_work_leaves_no_more_tensors_alive(string command)
    {
        using var dir = FixturePaths.NewTempDirectory();
        Directory.CreateDirectory(dir["one"]);
        Directory.CreateDirectory(dir["many"]);
        long one = await TensorsLeftBy(Arguments(command, Path.Combine(Audio.Value, "one"), dir["one"]));
        long many = await TensorsLeftBy(Arguments(command, Path.Combine(Audio.Value, "many"), dir["many"]));
        Assert.True(many == one, $"'{command}' left {one} tensor(s) alive after one file and {many} after four: a temporary per window or file is left to the finalizer");
    }
}
