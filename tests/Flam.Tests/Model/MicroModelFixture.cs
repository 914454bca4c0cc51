using Flam.Model;
using Flam.Model.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>
/// The micro FLAM fixture (tests/Flam.Tests/Fixtures/model/micro): the model loaded once from the shipped
/// state_dict.pth with its config.json, and the reference inputs and outputs written by the official code.
/// </summary>
public sealed class MicroModelFixture : IDisposable
{
    public FlamModel Model { get; }
    public Dictionary<string, Tensor> Inputs { get; }
    public Dictionary<string, Tensor> Outputs { get; }

    public MicroModelFixture()
    {
        var config = FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json"));
        Model = FlamModel.Load(FixturePaths.Get("model", "micro", "state_dict.pth"), config);
        Inputs = SafeTensors.Load(FixturePaths.Get("model", "micro", "inputs.safetensors"));
        Outputs = SafeTensors.Load(FixturePaths.Get("model", "micro", "outputs.safetensors"));
    }

    /// <summary>The three clips as float32 waveforms (pcm / 32768, exact).</summary>
    public Tensor Waveforms()
    {
        using var fullScale = 32768f.ToScalar();
        using var pcm = Inputs["waveform_pcm16"].to(ScalarType.Float32);
        return pcm / fullScale;
    }

    public void Dispose()
    {
        Model.Dispose();
        foreach (var t in Inputs.Values.Concat(Outputs.Values)) t.Dispose();
    }

    /// <summary>Largest absolute difference; fails with the tensor name when shapes differ or the tolerance is exceeded.</summary>
    public static double AssertClose(string name, Tensor expected, Tensor actual, double tolerance = 1e-4)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{name}: shape [{string.Join(",", actual.shape)}], expected [{string.Join(",", expected.shape)}]");
        using var scope = NewDisposeScope();
        var diff = (expected.to(ScalarType.Float64) - actual.detach().cpu().to(ScalarType.Float64)).abs();
        double max = diff.numel() == 0 ? 0 : diff.max().item<double>();
        Assert.True(actual.isfinite().all().item<bool>(), $"{name}: non-finite values");
        Assert.True(max <= tolerance, $"{name}: max |difference| {max:G3} exceeds {tolerance:G3}");
        return max;
    }
}

/// <summary>Tests sharing the micro model; they run alone, like the <see cref="TorchCollection"/>'s classes do among themselves.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MicroModelCollection : ICollectionFixture<MicroModelFixture>
{
    public const string Name = "micro model";
}
