using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.Cli;
using Flam.Model.Checkpoints;
using Flam.Tests.Model;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Flam.Tests.Cli;

/// <summary><c>flam embed</c> reproduces the micro fixture from WAV files and token ids, and rejects bad input cleanly.</summary>
[Collection(MicroModelCollection.Name)]
public sealed class EmbedCommandTests(MicroModelFixture fixture, ITestOutputHelper log)
{
    private static readonly string Checkpoint = FixturePaths.Get("model", "micro", "state_dict.pth");
    private static readonly string Config = FixturePaths.Get("model", "micro", "config.json");

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await FlamApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] FixtureTokenIds() =>
        JsonNode.Parse(File.ReadAllText(Config))!["texts_token_ids"]!.AsArray()
            .Select(row => string.Join(" ", row!.AsArray().Select(id => id!.GetValue<long>()))).ToArray();

    private string[] WriteFixtureClips(string dir)
    {
        using var waves = fixture.Waveforms();
        var paths = new string[waves.shape[0]];
        for (int i = 0; i < paths.Length; i++)
        {
            paths[i] = Path.Combine(dir, $"clip{i}.wav");
            using var row = waves[i];
            WavWriter.Write(paths[i], row.data<float>().ToArray(), 48000, WavSampleFormat.Float32);
        }
        return paths;
    }

    [Fact]
    public async Task ReproducesTheMicroFixtureFromWavFilesAndTokenIds()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var clips = WriteFixtureClips(dir);
        var output = Path.Combine(dir, "embed.safetensors");
        var args = new List<string> { "embed", "--checkpoint", Checkpoint, "--config", Config, "--out", output, "--audio" };
        args.AddRange(clips);
        foreach (var ids in FixtureTokenIds()) args.AddRange(["--token-ids", ids]);
        var (code, stdout, stderr) = await Run([.. args]);
        Assert.True(code == 0, stderr);
        Assert.Contains("unbiased_map [3,4,32]", stdout);

        // After the last await: a dispose scope is per thread, and the continuation may run on another.
        using var scope = NewDisposeScope();
        var got = SafeTensors.Load(output);
        var expected = new Dictionary<string, string>
        {
            ["local_audio_features"] = "audio.local_features",
            ["global_audio_features"] = "audio.global_features_mean_of_local",
            ["fine_grained_embedding"] = "audio.fine_grained_embedding",
            ["embedding"] = "audio.embedding",
            ["text_branch_output"] = "text.branch_output",
            ["text_features"] = "text.features",
            ["per_text_logit_bias"] = "text.per_text_logit_bias",
            ["per_text_logit_scale"] = "text.per_text_logit_scale",
            ["unbiased_map"] = "maps.unbiased.cross",
            ["approximate_map"] = "maps.approximate.cross",
        };
        Assert.Equal(expected.Keys.Order(), got.Keys.Order());
        foreach (var (name, reference) in expected)
        {
            Assert.Equal(ScalarType.Float32, got[name].dtype);
            double max = MicroModelFixture.AssertClose(name, fixture.Outputs[reference], got[name]);
            log.WriteLine($"{name}: max |diff| {max:E2}");
        }
    }

    [Fact]
    public async Task AudioFolderIsEncodedInOrdinalOrderSkippingOtherFiles()
    {
        using var dir = FixturePaths.NewTempDirectory();
        WriteFixtureClips(dir);
        File.WriteAllText(Path.Combine(dir, ".notes.wav"), "hidden");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not audio");
        using var temp = FixturePaths.NewTempDirectory();
        var output = Path.Combine(temp, "embed.safetensors");
        var (code, _, stderr) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--out", output, "--audio", dir);
        Assert.True(code == 0, stderr);
        Assert.Contains("skipped 2 file(s) in the given folder(s): 1 hidden, 1 not audio", stderr);
        using var scope = NewDisposeScope();
        var got = SafeTensors.Load(output, out var metadata);
        Assert.Equal("clip0.wav\nclip1.wav\nclip2.wav", metadata["audio"]);
        MicroModelFixture.AssertClose("local_audio_features", fixture.Outputs["audio.local_features"], got["local_audio_features"]);
    }

    [Fact]
    public async Task TextOnlyExportNeedsNoTokenizerWithTokenIds()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var output = Path.Combine(temp, "text.safetensors");
        var (code, _, stderr) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--token-ids", "0 713 16 10 2", "--out", output);
        Assert.True(code == 0, stderr);
        using var scope = NewDisposeScope();
        var got = SafeTensors.Load(output);
        Assert.Equal(["per_text_logit_bias", "per_text_logit_scale", "text_branch_output", "text_features"], got.Keys.Order());
        MicroModelFixture.AssertClose("text_features", fixture.Outputs["text.features"][..1], got["text_features"]);
    }

    [Fact]
    public async Task TextGoesThroughTheTokenizerLikeItsTokenIds()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var tokenizerDir = FixturePaths.Get("tokenizer", "tiny");
        var ids = Flam.Model.Text.RobertaTokenizer.Load(tokenizerDir).Encode("A Dog barks");
        var viaText = Path.Combine(dir, "text.safetensors");
        var viaIds = Path.Combine(dir, "ids.safetensors");
        var (code1, _, err1) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--tokenizer", tokenizerDir, "--text", "A Dog barks", "--out", viaText);
        var (code2, _, err2) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--token-ids", string.Join(" ", ids), "--out", viaIds);
        Assert.True(code1 == 0, err1);
        Assert.True(code2 == 0, err2);
        using var scope = NewDisposeScope();
        var a = SafeTensors.Load(viaText);
        var b = SafeTensors.Load(viaIds);
        foreach (var name in a.Keys) Assert.True(a[name].allclose(b[name], 0, 0), name);
    }

    [Theory]
    [InlineData("0 713 x 2", "not an integer token id")]
    [InlineData("0 5000 2", "outside the vocabulary")]
    [InlineData(" ", "at least one id")]
    public async Task BadTokenIdsFailWithoutWritingOutput(string ids, string message)
    {
        using var temp = FixturePaths.NewTempDirectory();
        var output = Path.Combine(temp, "bad.safetensors");
        var (code, _, stderr) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--token-ids", ids, "--out", output);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(message, stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task TooManyTokensAreRejected()
    {
        var ids = string.Join(" ", Enumerable.Repeat("5", 78));
        using var temp = FixturePaths.NewTempDirectory();
        var (code, _, stderr) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--token-ids", ids, "--out", Path.Combine(temp, "x.safetensors"));
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("78 tokens", stderr);
    }

    [Fact]
    public async Task NothingToEmbedIsAnError()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var (code, _, stderr) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--out", Path.Combine(temp, "x.safetensors"));
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("Nothing to embed", stderr);
    }

    [Fact]
    public async Task TextWithoutTokenizerFilesIsAClearError()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var (code, _, stderr) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--text", "a dog barks", "--out", Path.Combine(temp, "x.safetensors"));
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("--tokenizer", stderr);
    }

    [Fact]
    public async Task ClipsLongerThanTenSecondsAreRejected()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = Path.Combine(dir, "long.wav");
        WavWriter.Write(wav, new float[48000 * 11], 48000);
        var output = Path.Combine(dir, "x.safetensors");
        var (code, _, stderr) = await Run("embed", "--checkpoint", Checkpoint, "--config", Config, "--audio", wav, "--out", output);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("at most 10 s", stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task MissingCheckpointIsAnError()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var missing = Path.Combine(temp, "none.pth");
        var (code, _, stderr) = await Run("embed", "--checkpoint", missing, "--config", Config, "--token-ids", "0 2", "--out", Path.Combine(temp, "x.safetensors"));
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(missing, stderr);
    }
}
