using System.Text.Json.Nodes;
using Flam.Model;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>The module tree has exactly the official state-dict keys and shapes (base_manifest.json, state_dict_manifest.json).</summary>
[Collection(TorchCollection.Name)]
public sealed class StateDictContractTests
{
    private static (Dictionary<string, long[]> Keys, JsonObject Counts) ReadManifest(params string[] path)
    {
        var root = JsonNode.Parse(File.ReadAllText(FixturePaths.Get(path)))!.AsObject();
        var keys = root["keys"]!.AsArray().ToDictionary(k => k!["key"]!.GetValue<string>(), k => k!["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray());
        return (keys, root["parameter_counts"]!.AsObject());
    }

    private static void AssertMatchesManifest(FlamModel model, Dictionary<string, long[]> manifest)
    {
        var own = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var notInManifest = own.Keys.Where(k => !manifest.ContainsKey(k)).ToList();
        Assert.True(notInManifest.Count == 0, "keys the official model does not have: " + string.Join(", ", notInManifest));
        // The only official keys we do not hold are the ones derived from the shape or computed by the front end.
        var notInModel = manifest.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var underived = notInModel.Where(k => !FlamModel.IsDerivedEntry(k)).ToList();
        Assert.True(underived.Count == 0, "official keys missing from the model: " + string.Join(", ", underived));
        Assert.Contains(notInModel, k => k.EndsWith(".attn_mask"));
        Assert.Contains("audio_branch.logmel_extractor.melW", notInModel);
        foreach (var (key, shape) in own)
        {
            Assert.True(shape.SequenceEqual(manifest[key]), $"{key}: [{string.Join(",", shape)}], official [{string.Join(",", manifest[key])}]");
        }
    }

    [Fact]
    public void V1BaseHasTheKeysShapesAndParameterCountsOfTheReleasedModel()
    {
        var (manifest, counts) = ReadManifest("model", "base_manifest.json");
        using var model = FlamModel.Create(FlamConfig.V1Base);
        AssertMatchesManifest(model, manifest);
        long frozenFrontEnd = counts["audio_branch"]!["of_which_torchlibrosa_frontend_frozen"]!.GetValue<long>();
        Assert.Equal(counts["audio_branch"]!["parameters"]!.GetValue<long>() - frozenFrontEnd, model.CountParameters("audio_branch."));
        Assert.Equal(counts["audio_projection"]!["parameters"]!.GetValue<long>(), model.CountParameters("audio_projection."));
        Assert.Equal(counts["text_branch"]!["parameters"]!.GetValue<long>(), model.CountParameters("text_branch."));
        Assert.Equal(counts["text_projection"]!["parameters"]!.GetValue<long>(), model.CountParameters("text_projection."));
        Assert.Equal(counts["heads_per_text_mlps"]!["parameters"]!.GetValue<long>(), model.CountParameters("fc_per_text_"));
        Assert.Equal(counts["total"]!.GetValue<long>() - frozenFrontEnd, model.CountParameters());
        // aed_logit_scale is a frozen parameter in the official model.
        var aed = model.named_parameters().Single(p => p.name == "aed_logit_scale").parameter;
        Assert.False(aed.requires_grad);
    }

    [Fact]
    public void MicroConfigHasTheKeysAndShapesOfTheFixtureCheckpoint()
    {
        var (manifest, counts) = ReadManifest("model", "micro", "state_dict_manifest.json");
        using var model = FlamModel.Create(FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json")));
        AssertMatchesManifest(model, manifest);
        Assert.Equal(counts["total"]!.GetValue<long>() - counts["audio_branch"]!["of_which_torchlibrosa_frontend_frozen"]!.GetValue<long>(), model.CountParameters());
    }

    [Fact]
    public void CreateInitialisesLikeTheOfficialConstructors()
    {
        using var model = FlamModel.Create(FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json")));
        using var scope = NewDisposeScope();
        var state = model.state_dict();
        Assert.Equal(Math.Log(1 / 0.07), state["logit_scale_a"].item<float>(), 5);
        Assert.Equal(0f, state["aed_logit_scale"].item<float>());
        // Last biases: PyTorch default U(-1/sqrt(32), 1/sqrt(32)) shifted by -8 and log(10).
        Assert.InRange(state["fc_per_text_logit_bias.2.bias"].item<float>(), -8 - 0.18, -8 + 0.18);
        Assert.InRange(state["fc_per_text_logit_scale.2.bias"].item<float>(), Math.Log(10) - 0.18, Math.Log(10) + 0.18);
        Assert.Equal(0f, state["audio_branch.layers.0.blocks.0.attn.qkv.bias"].abs().max().item<float>());
        Assert.InRange(state["audio_branch.layers.0.blocks.0.attn.qkv.weight"].std().item<float>(), 0.015, 0.025);
        Assert.Equal(0f, state["text_branch.embeddings.word_embeddings.weight"][1].abs().max().item<float>());
    }
}
