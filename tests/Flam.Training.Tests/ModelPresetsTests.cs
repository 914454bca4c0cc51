using Flam.Audio;
using Flam.Cli;
using Flam.Model;
using Flam.Model.Text;

namespace Flam.Tests.Training;

/// <summary>The preset registry (JSON configs embedded in the library) and that every command's --config goes through it.</summary>
[Collection(TrainingCollection.Name)]
public sealed class ModelPresetsTests
{
    [Theory]
    [InlineData("tiny")]
    [InlineData("base")]
    [InlineData("large")]
    [InlineData("base-12hz")]
    [InlineData("cpu-small")]
    public void EveryHtsatPresetIsThatEncoderWithTheV1TextSide(string name)
    {
        var config = FlamConfig.FromNameOrFile(name);
        Assert.Equal(name, config.Name);
        Assert.Equal(HtsatConfig.FromName(name), config.Audio);
        Assert.Equal(RobertaConfig.Base, config.Text);
        Assert.Equal((512, 768, 768), (config.JointEmbedDim, config.TextProjectionInFeatures, config.PerTextMlpWidth));
    }

    [Fact]
    public void TheRegistryListsEveryPresetAndNamesThemInErrors()
    {
        Assert.Equal(["base", "base-12hz", "cpu-small", "large", "tiny", "v1-base"], ModelPresets.Names);
        Assert.Same(FlamConfig.V1Base, ModelPresets.Get("V1-BASE"));
        var e = Assert.Throws<FlamException>(() => FlamConfig.FromNameOrFile("cpu-huge"));
        Assert.Contains("cpu-huge", e.Message);
        Assert.Contains("base-12hz, cpu-small", e.Message);
    }

    private static string Micro(string file) => FixturePaths.Get("model", "micro", file);

    /// <summary>
    /// The micro checkpoint with <c>--config cpu-small</c>: the preset is found (not "neither a preset nor a file") and
    /// the strict load then reports that the checkpoint does not match it, which shows the command built that preset.
    /// </summary>
    public static TheoryData<string> Families => ["detect", "embed", "eval", "train"];

    [Theory]
    [MemberData(nameof(Families))]
    public async Task EveryCommandFamilyResolvesAPresetName(string family)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var wav = Path.Combine(dir, "a.wav");
        WavWriter.Write(wav, new float[48000], 48000);
        string[] model = ["--checkpoint", Micro("state_dict.pth"), "--config", "cpu-small", "--tokenizer", FixturePaths.Get("tokenizer", "tiny")];
        string[] args = family switch
        {
            "detect" => ["detect", wav, "-q", "time", .. model],
            "embed" => ["embed", "--audio", wav, "--out", Path.Combine(dir, "e.safetensors"), .. model],
            "eval" => ["eval", "sed", "--manifest", SyntheticSet.Write(Path.Combine(dir, "eval"), clips: 1, seed: 2), "--out", Path.Combine(dir, "report"), .. model],
            _ => ["train", "--train", SyntheticSet.Write(Path.Combine(dir, "data"), clips: 1, seed: 1), "--config", "cpu-small",
                "--init", Micro("state_dict.pth"), "--tokenizer", FixturePaths.Get("tokenizer", "tiny"), "--steps", "1", "--batch-size", "1", "--out", Path.Combine(dir, "run")],
        };
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, new StringWriter(), stderr);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("does not match config 'cpu-small'", stderr.ToString());
    }
}
