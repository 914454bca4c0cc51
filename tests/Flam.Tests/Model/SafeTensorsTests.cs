using Flam.Model.Checkpoints;
using TorchSharp;

namespace Flam.Tests.Model;

[Collection(TorchCollection.Name)]
public class SafeTensorsTests
{
    [Fact]
    public void ReadsReferenceFileWrittenByPython()
    {
        using var scope = torch.NewDisposeScope();
        var tensors = SafeTensors.Load(FixturePaths.Get("model", "frontend", "frontend.safetensors"));
        Assert.Equal(new long[] { 4, 480000 }, tensors["waveform_pcm16"].shape);
        Assert.Equal(torch.ScalarType.Int16, tensors["waveform_pcm16"].dtype);
        Assert.Equal(new long[] { 4, 1, 1001, 64 }, tensors["logmel"].shape);
        // The README states the silent clip's frames hit the amin clamp: exactly -100 dB.
        Assert.Equal(-100f, tensors["logmel"][2].min().item<float>());
    }

    [Fact]
    public void RoundTripsEveryDtypeAndMetadata()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir, "t.safetensors");
        var original = new Dictionary<string, torch.Tensor>
        {
            ["f32"] = torch.randn(3, 4),
            ["f64"] = torch.randn(2, dtype: torch.float64),
            ["i64"] = torch.tensor(new long[] { 0, 1, 2, 3, 4 }),
            ["transposed"] = torch.randn(4, 3).t(),
            ["scalar"] = torch.tensor(1.5f),
            ["bf16"] = torch.randn(7).to(torch.bfloat16),
        };
        SafeTensors.Save(path, original, new Dictionary<string, string> { ["format"] = "pt" });
        var loaded = SafeTensors.Load(path, out var meta);
        Assert.Equal("pt", meta["format"]);
        Assert.Equal(original.Keys, loaded.Keys);
        foreach (var (name, tensor) in original)
        {
            Assert.Equal(tensor.dtype, loaded[name].dtype);
            Assert.Equal(tensor.shape, loaded[name].shape);
            Assert.True(tensor.equal(loaded[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void TruncatedFileIsAClearError()
    {
        using var scope = torch.NewDisposeScope();
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir, "t.safetensors");
        SafeTensors.Save(path, new Dictionary<string, torch.Tensor> { ["x"] = torch.randn(100) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        var e = Assert.Throws<FlamException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }
}
