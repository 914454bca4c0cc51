using Flam.Audio;
using Flam.Cli;
using Flam.Model.Checkpoints;
using Flam.Tests.Audio;
using static TorchSharp.torch;

namespace Flam.Tests.Cli;

/// <summary><c>flam features</c> run in-process through <see cref="FlamApp.RunAsync"/>.</summary>
[Collection(TorchCollection.Name)]
public class FeaturesCommandTests(FrontendReference reference) : IClassFixture<FrontendReference>
{
    private static async Task<(int Exit, string Out, string Err)> Flam(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await FlamApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes fixture clip <paramref name="clip"/> (pcm / 32768) as a 32-bit float WAV.</summary>
    private string WriteClip(string dir, int clip, string name = "clip.wav")
    {
        var path = Path.Combine(dir, name);
        using var row = reference.Waveform[clip];
        WavWriter.Write(path, row.data<float>().ToArray(), 48000, WavSampleFormat.Float32);
        return path;
    }

    private static string[] FilesIn(string dir) => Directory.GetFiles(dir).Select(Path.GetFileName).Order().ToArray()!;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task FloatWavOfAFixtureClipReproducesTheReferenceLogMel(int clip)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = WriteClip(dir, clip);
        var output = Path.Combine(dir, "features.safetensors");
        var (exit, stdout, stderr) = await Flam("features", wav, "--out", output);
        Assert.True(exit == 0, stderr);
        Assert.Contains("[1001, 64]", stdout);
        // After the last await: a dispose scope is per thread, and the continuation may run on another.
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(output, out var metadata);
        var logMel = tensors["logmel"];
        Assert.Equal(float32, logMel.dtype);
        FrontendReference.AssertLogMelClose(reference.LogMel[clip], logMel, FrontendReference.ClipNames[clip]);
        Assert.Equal("48000", metadata["sample_rate"]);
        Assert.Equal("480", metadata["hop_length"]);
        Assert.Equal(Path.GetFullPath(wav), metadata["source"]);
        Assert.Equal(["clip.wav", "features.safetensors"], FilesIn(dir));
    }

    [Fact]
    public async Task PngOptionDrawsTheSpectrogram()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = WriteClip(dir, 3);
        var (exit, _, stderr) = await Flam("features", wav, "--out", Path.Combine(dir, "f.safetensors"), "--png", Path.Combine(dir, "f.png"));
        Assert.True(exit == 0, stderr);
        var png = File.ReadAllBytes(Path.Combine(dir, "f.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(["clip.wav", "f.png", "f.safetensors"], FilesIn(dir));
    }

    [Fact]
    public async Task MissingAudioFileIsAnErrorNamingIt()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var missing = Path.Combine(dir, "nope.wav");
        var (exit, _, stderr) = await Flam("features", missing, "--out", Path.Combine(dir, "f.safetensors"));
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains("nope.wav", stderr);
        Assert.Empty(FilesIn(dir));
    }

    [Fact]
    public async Task OutputInAMissingFolderIsRefusedBeforeAnythingIsWritten()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = WriteClip(dir, 0);
        var output = Path.Combine(dir, "no-such-folder", "f.safetensors");
        var (exit, _, stderr) = await Flam("features", wav, "--out", output);
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains("f.safetensors", stderr);
        Assert.Contains("does not exist", stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "no-such-folder")));
        Assert.Equal(["clip.wav"], FilesIn(dir));
    }

    [Fact]
    public async Task ExistingOutputIsKeptWithoutForceAndReplacedWithIt()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = WriteClip(dir, 2);
        var output = Path.Combine(dir, "f.safetensors");
        File.WriteAllText(output, "precious");

        var (exit, _, stderr) = await Flam("features", wav, "--out", output);
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains("f.safetensors", stderr);
        Assert.Contains("--force", stderr);
        Assert.Equal("precious", File.ReadAllText(output));

        (exit, _, stderr) = await Flam("features", wav, "--out", output, "--force");
        Assert.True(exit == 0, stderr);
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 1001, 64 }, SafeTensors.Load(output)["logmel"].shape);
        Assert.Equal(["clip.wav", "f.safetensors"], FilesIn(dir));
    }

    [Fact]
    public async Task ExistingPngIsRefusedBeforeTheFeaturesAreWritten()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = WriteClip(dir, 2);
        File.WriteAllText(Path.Combine(dir, "f.png"), "precious");
        var (exit, _, stderr) = await Flam("features", wav, "--out", Path.Combine(dir, "f.safetensors"), "--png", Path.Combine(dir, "f.png"));
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains("f.png", stderr);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(dir, "f.png")));
        Assert.Equal(["clip.wav", "f.png"], FilesIn(dir));
    }

    [Fact]
    public async Task UndecodableInputLeavesAnExistingOutputAndNoTemporaryFile()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var bogus = Path.Combine(dir, "notes.wav");
        File.WriteAllText(bogus, "this is text, not audio");
        var output = Path.Combine(dir, "f.safetensors");
        File.WriteAllText(output, "precious");
        var (exit, _, stderr) = await Flam("features", bogus, "--out", output, "--force");
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains("notes.wav", stderr);
        Assert.Equal("precious", File.ReadAllText(output));
        Assert.Equal(["f.safetensors", "notes.wav"], FilesIn(dir));
    }

    [Fact]
    public async Task WavWithoutSamplesIsAnErrorNamingIt()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = Path.Combine(dir, "silent.wav");
        WavWriter.Write(wav, ReadOnlySpan<float>.Empty, 48000, WavSampleFormat.Float32);
        var (exit, _, stderr) = await Flam("features", wav, "--out", Path.Combine(dir, "f.safetensors"));
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains("silent.wav", stderr);
        Assert.Equal(["silent.wav"], FilesIn(dir));
    }

    [Fact]
    public async Task AudioShorterThanOneFrameIsZeroPadded()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = Path.Combine(dir, "short.wav");
        using var excerpt = reference.Waveform[1, 5000..5100];
        var samples = excerpt.data<float>().ToArray(); // 100 samples, about 2 ms
        WavWriter.Write(wav, samples, 48000, WavSampleFormat.Float32);
        var output = Path.Combine(dir, "f.safetensors");
        var (exit, _, stderr) = await Flam("features", wav, "--out", output);
        Assert.True(exit == 0, stderr);
        using var scope = NewDisposeScope();
        var logMel = SafeTensors.Load(output)["logmel"];
        // 100 samples are zero-padded to 513 (the least reflect padding accepts): 1 + 513 / 480 = 2 frames.
        Assert.Equal(new long[] { 2, 64 }, logMel.shape);
        Assert.True(logMel.max().item<float>() > -60f, "the short clip's energy is in the output");
    }

    [Fact]
    public async Task OtherSampleRatesCapTheTopFilterAtNyquist()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = WriteClip(dir, 1);
        var output = Path.Combine(dir, "f.safetensors");
        var (exit, _, stderr) = await Flam("features", wav, "--out", output, "--sample-rate", "16000");
        Assert.True(exit == 0, stderr);
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(output, out var metadata);
        Assert.Equal(new long[] { 1 + 160000 / 480, 64 }, tensors["logmel"].shape);
        Assert.Equal("8000", metadata["fmax"]);
    }

    [Fact]
    public async Task UnknownDeviceIsRefusedBeforeAnythingIsWritten()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = WriteClip(dir, 0);
        var (exit, _, stderr) = await Flam("features", wav, "--out", Path.Combine(dir, "f.safetensors"), "--device", "tpu");
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains("'tpu'", stderr);
        Assert.Equal(["clip.wav"], FilesIn(dir));
    }

    [Fact]
    public async Task HelpDescribesTheOptions()
    {
        var (exit, stdout, _) = await Flam("features", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "--out", "--sample-rate", "--png", "--force", "--device" })
        {
            Assert.Contains(option, stdout);
        }
    }

    [Fact]
    public async Task FolderGivesOneOutputPerAudioFileBelowTheSameRelativePath()
    {
        using var dir = FixturePaths.NewTempDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        WriteClip(dir, 3, "a.wav");
        WriteClip(dir, 1, Path.Combine("sub", "b.wav"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not audio");
        using var temp = FixturePaths.NewTempDirectory();
        var outDir = Path.Combine(temp, "features");
        var pngDir = Path.Combine(temp, "pictures");
        var (exit, _, stderr) = await Flam("features", dir, "--out", outDir, "--png", pngDir);
        Assert.True(exit == 0, stderr);
        Assert.Contains("skipped 1 file(s) in the given folder(s): 0 hidden, 1 not audio", stderr);
        Assert.Equal(["a.wav.safetensors", "sub/b.wav.safetensors"],
            Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(outDir, f)).Order(StringComparer.Ordinal));
        Assert.Equal(["a.wav.png", "sub/b.wav.png"],
            Directory.GetFiles(pngDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(pngDir, f)).Order(StringComparer.Ordinal));
        using var scope = NewDisposeScope();
        var tensors = SafeTensors.Load(Path.Combine(outDir, "sub", "b.wav.safetensors"), out var metadata);
        Assert.Equal(Path.GetFullPath(Path.Combine(dir, "sub", "b.wav")), metadata["source"]);
        FrontendReference.AssertLogMelClose(reference.LogMel[1], tensors["logmel"], FrontendReference.ClipNames[1]);
    }

    [Fact]
    public async Task FolderRunRefusesAnExistingOutputBeforeComputingAnything()
    {
        using var dir = FixturePaths.NewTempDirectory();
        WriteClip(dir, 3, "a.wav");
        WriteClip(dir, 1, "b.wav");
        using var outDir = FixturePaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(outDir, "b.wav.safetensors"), "keep me");
        var (exit, _, stderr) = await Flam("features", dir, "--out", outDir);
        Assert.Equal(FlamApp.UserError, exit);
        Assert.Contains(Path.Combine(outDir, "b.wav.safetensors"), stderr);
        Assert.Equal(["b.wav.safetensors"], FilesIn(outDir));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(outDir, "b.wav.safetensors")));
    }
}
