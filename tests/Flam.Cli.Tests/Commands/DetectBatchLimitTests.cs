using Flam.Audio;
using Flam.Cli;
using Flam.Inference;
using Flam.Model;

namespace Flam.Tests.Inference;

/// <summary>
/// <c>detect --batch</c> is fitted to the data and the machine (issue 16, case 7): a batch larger than the
/// recording's windows is lowered (with a note when chosen), and one whose estimated memory exceeds what is
/// available is refused before it is allocated, saying how much it would need.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DetectBatchLimitTests
{
    private static string Noise(string folder, double seconds, int rate = 48000)
    {
        var path = Path.Combine(folder, $"noise{seconds}.wav");
        var random = new Random(9);
        WavWriter.Write(path, Enumerable.Range(0, (int)(seconds * rate)).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f).ToArray(), rate);
        return path;
    }

    private static async Task<(int Code, string Err)> Detect(params string[] args)
    {
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["detect", .. args, .. FixturePaths.MicroModelArguments()], new StringWriter(), stderr);
        return (code, stderr.ToString());
    }

    [Fact]
    public async Task A_chosen_batch_larger_than_the_recording_is_lowered_with_a_note()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var (code, error) = await Detect(Noise(temp, 3), "-q", "a dog barks", "--batch", "100000");
        Assert.True(code == 0, error);
        Assert.Contains("note: --batch 100000 is more than the 1 window(s) of the recording; using 1.", error);
    }

    [Fact]
    public async Task The_default_batch_is_lowered_silently()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var (code, error) = await Detect(Noise(temp, 3), "-q", "a dog barks");
        Assert.True(code == 0, error);
        Assert.DoesNotContain("note:", error);
    }

    [Fact]
    public void A_batch_for_twenty_minutes_with_the_released_model_needs_gigabytes_and_is_refused_on_one()
    {
        // The issue's case: --batch 100000 on a 20-minute file with v1-base (240 windows of ~23 MB: over 5 GB).
        var options = DetectionOptions.Default with { WindowBatchSize = 100000 };
        var notes = new List<string>();
        var e = Assert.Throws<FlamException>(() => options.FitBatch([1200], chosen: true, HtsatConfig.Base.InferenceBytesPerClip, 1L << 30, notes.Add));
        Assert.Equal(["--batch 100000 is more than the 239 window(s) of the recording; using 239."], notes);
        Assert.Matches(@"A batch of 239 windows would need about 5\.\d GB \(\d+ MB per window\), more than the 1 GB of memory available; use --batch \d+ or less\.", e.Message);
    }

    [Fact]
    public void A_batch_that_fits_in_memory_is_kept()
    {
        var options = DetectionOptions.Default with { WindowBatchSize = 8 };
        var fitted = options.FitBatch([1200, double.NaN], chosen: true, HtsatConfig.Base.InferenceBytesPerClip, 1L << 30, _ => Assert.Fail("no note expected"));
        Assert.Equal(8, fitted.WindowBatchSize);
    }

    [Fact]
    public async Task The_built_cli_refuses_a_batch_beyond_its_memory_limit_before_allocating_it()
    {
        // A 256 MB GC heap limit is what the runtime reports as available; 35 windows of the micro model need ~300 MB.
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Noise(temp, 180, 16000);
        using var process = CliProcess.Start(new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x10000000" },
            ["detect", audio, "-q", "a dog barks", "--batch", "64", .. FixturePaths.MicroModelArguments()]);
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        await process.WaitForExitAsync();
        var error = await stderr;
        Assert.True(process.ExitCode == FlamApp.UserError, error);
        Assert.Contains("note: --batch 64 is more than the 35 window(s) of the recording; using 35.", error);
        Assert.Matches(@"error: A batch of 35 windows would need about \d+ MB \(\d+ MB per window\), more than the 256 MB of memory available; use --batch \d+ or less\.", error);
    }
}
