using Flam.Model;

namespace Flam.Tests.Model;

/// <summary>A shipped model whose files are missing or damaged is reported by name, never as a TorchSharp crash.</summary>
[Collection(TorchCollection.Name)]
public class ModelBundleTests
{
    private static TempDirectory SavedMiniLmModel()
    {
        var dir = FixturePaths.NewTempDirectory();
        using var model = FlamModel.Create(FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json")).WithMiniLmText());
        model.Save(dir);
        return dir;
    }

    [Fact]
    public void ShippedModelLoadsWithoutTokenizerFiles()
    {
        using var dir = SavedMiniLmModel();
        var bundle = ModelBundle.Shipped(dir);
        using var model = bundle.LoadModel();
        Assert.Equal("minilm", model.Config.TextModelType);
        Assert.Same(model.TextBranch, bundle.LoadTokenizer(model));
        Assert.Contains(ModelBundle.ModelCardFileName, bundle.Provenance);
    }

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("config.json")]
    public void MissingFileIsNamed(string file)
    {
        using var dir = SavedMiniLmModel();
        File.Delete(Path.Combine(dir, file));
        var e = Assert.Throws<FlamException>(() => ModelBundle.Shipped(dir));
        Assert.Contains(Path.Combine(dir, file), e.Message);
        Assert.Contains("--checkpoint", e.Message);
    }

    [Fact]
    public void TruncatedWeightsAreNamed()
    {
        using var dir = SavedMiniLmModel();
        var weights = Path.Combine(dir, FlamModel.WeightsFileName);
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<FlamException>(() => ModelBundle.Shipped(dir).LoadModel());
        Assert.Contains(weights, e.Message);
    }

    [Fact]
    public void GarbageWeightsAreNamed()
    {
        using var dir = SavedMiniLmModel();
        var weights = Path.Combine(dir, FlamModel.WeightsFileName);
        File.WriteAllText(weights, "this is not a safetensors file at all");
        var e = Assert.Throws<FlamException>(() => ModelBundle.Shipped(dir).LoadModel());
        Assert.Contains(weights, e.Message);
    }

    [Fact]
    public void CorruptConfigIsNamed()
    {
        using var dir = SavedMiniLmModel();
        var config = Path.Combine(dir, FlamModel.ConfigFileName);
        File.WriteAllText(config, "{ \"audio_cfg\": ");
        var e = Assert.Throws<FlamException>(() => ModelBundle.Shipped(dir).LoadModel());
        Assert.Contains(config, e.Message);
    }
}
