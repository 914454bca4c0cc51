using Flam.Audio;
using Flam.Cli;

namespace Flam.Tests.Inference;

/// <summary>
/// Mistakes of the user or the environment end in <c>error: …</c> (exit 1) saying what is wrong and what to do,
/// never in <c>internal error</c> (exit 3) or a message blaming the wrong thing (issue 16, cases 9 and 11).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class UserErrorTests
{
    private static async Task<(int Code, string Out, string Err)> Run(TextWriter? stdout, params string[] args)
    {
        stdout ??= new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString() ?? "", stderr.ToString());
    }

    private static string Noise(string dir)
    {
        var path = Path.Combine(dir, "noise.wav");
        var random = new Random(5);
        WavWriter.Write(path, Enumerable.Range(0, 48000).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f).ToArray(), 48000);
        return path;
    }

    [Fact]
    public async Task Cuda_on_a_cpu_only_build_says_to_use_the_cpu()
    {
        Runtime.TorchRuntime.EnsureLoaded();
        if (TorchSharp.torch.cuda.is_available()) return; // the case exists only on a CPU build
        using var dir = FixturePaths.NewTempDirectory();
        var (code, _, error) = await Run(null, ["detect", Noise(dir), "-q", "a dog barks", "--device", "cuda", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == FlamApp.UserError, error);
        Assert.StartsWith("error: Device 'cuda'", error);
        Assert.Contains("--device cpu", error);
    }

    [Fact]
    public async Task Standard_output_on_a_full_disk_says_no_space_and_what_to_do()
    {
        // /dev/full fails every write with ENOSPC, as a full disk behind `flam … > file` does; only writes are tried.
        // Unbuffered, like Console.Out: the writer is not disposed, as its failed bytes would be flushed (and fail) again.
        using var device = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        var full = new StreamWriter(device) { AutoFlush = true };
        var (code, _, error) = await Run(full, ["info"]);
        Assert.True(code == FlamApp.UserError, error);
        Assert.StartsWith("error: Cannot write to standard output", error);
        Assert.Contains("No space left on device", error);
        Assert.Contains("redirect", error);
    }

    [Fact]
    public async Task Absurd_sample_values_name_the_audio_not_the_weights()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var samples = new float[48000];
        samples[24000] = 3e38f; // finite, so the NaN/Inf check passes it; the log-mel power overflows
        var path = Path.Combine(dir, "absurd.wav");
        WavWriter.Write(path, samples, 48000, WavSampleFormat.Float32);
        var (code, _, error) = await Run(null, ["detect", path, "-q", "a dog barks", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == FlamApp.UserError, error);
        Assert.Contains("absurd.wav", error);
        Assert.Contains("absurd sample value", error);
        Assert.Contains("0.5 s", error);
        Assert.DoesNotContain("weights", error);
    }
}
