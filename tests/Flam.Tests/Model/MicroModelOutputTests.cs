using Flam.Inference;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>Every reference tensor of the micro fixture, reproduced within 1e-4 from the shipped state_dict.pth.</summary>
[Collection(MicroModelCollection.Name)]
public sealed class MicroModelOutputTests(MicroModelFixture fixture, ITestOutputHelper log)
{
    private double Check(string name, Tensor actual)
    {
        double max = MicroModelFixture.AssertClose(name, fixture.Outputs[name], actual);
        log.WriteLine($"{name}: max |diff| {max:E2}");
        return max;
    }

    [Fact]
    public void AudioIntermediatesOfClip0MatchTheReferenceStageByStage()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var branch = fixture.Model.AudioBranch;
        var bn0Input = fixture.Outputs["audio.bn0_input.clip0"];
        Check("audio.bn0_output.clip0", branch.Normalize(bn0Input));
        var image = branch.ToImage(bn0Input.squeeze(1));
        Check("audio.intermediate.reshape_wav2img.clip0", image);
        var stages = new Dictionary<int, Tensor>();
        var tokens = branch.ForwardTokens(image, (i, x) => stages[i] = x.alias());
        Check("audio.intermediate.patch_embed.clip0", stages[-1]);
        for (int i = 0; i < 4; i++) Check($"audio.intermediate.layer{i}.clip0", stages[i]);
        Check("audio.intermediate.final_norm.clip0", tokens);
        var (fine, embedding) = branch.Regroup(tokens);
        MicroModelFixture.AssertClose("audio.fine_grained_embedding[0]", fixture.Outputs["audio.fine_grained_embedding"][..1], fine);
        MicroModelFixture.AssertClose("audio.embedding[0]", fixture.Outputs["audio.embedding"][..1], embedding);
    }

    [Fact]
    public void TextBranchMatchesHuggingFaceSemantics()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = fixture.Inputs["text.input_ids"];
        var mask = fixture.Inputs["text.attention_mask"];
        var roberta = (Flam.Model.Text.RobertaModel)fixture.Model.TextBranch;
        Check("text.embeddings_output", roberta.Embed(ids));
        Check("text.last_hidden_state", roberta.LastHiddenState(ids, mask));
        using var text = fixture.Model.EncodeText(ids, mask);
        Check("text.branch_output", text.BranchOutput);
        Check("text.features", text.Features);
        Check("text.features_flam_get_features", text.Features);
        Check("text.per_text_logit_bias", text.LogitBias);
        Check("text.per_text_logit_scale", text.LogitScale);
    }

    [Fact]
    public void ScalarsMatch()
    {
        Check("scalar.aed_logit_scale_exp", fixture.Model.AedLogitScaleExp);
        Check("scalar.logit_scale_a_exp", fixture.Model.LogitScaleAExp);
    }

    [Fact]
    public void FrameMapsOfTheReferenceFeaturesMatchHookPy()
    {
        using var scope = NewDisposeScope();
        var o = fixture.Outputs;
        var local = o["audio.local_features"];
        var text = o["text.features"];
        var scale = o["maps.logit_scale_combined"];
        var bias = o["text.per_text_logit_bias"];
        Check("maps.unbiased.cross", FrameMaps.Unbiased(local, text, scale, bias, crossProduct: true));
        Check("maps.approximate.cross", FrameMaps.Approximate(local, text, scale, crossProduct: true));
        Check("maps.unbiased.matched", FrameMaps.Unbiased(local, text[..3], scale[..3], bias[..3], crossProduct: false));
        Check("maps.approximate.matched", FrameMaps.Approximate(local, text[..3], scale[..3], crossProduct: false));
    }

    [Fact]
    public void FrameMapsOfSyntheticFeaturesTellTheTwoFormulasApart()
    {
        using var scope = NewDisposeScope();
        var i = fixture.Inputs;
        var local = i["maps_synthetic.local_audio_features"];
        var text = i["maps_synthetic.text_features"];
        var scale = i["maps_synthetic.logit_scale"];
        var bias = i["maps_synthetic.logit_bias"];
        Check("maps_synthetic.unbiased.cross", FrameMaps.Unbiased(local, text, scale, bias, crossProduct: true));
        Check("maps_synthetic.approximate.cross", FrameMaps.Approximate(local, text, scale, crossProduct: true));
        Check("maps_synthetic.unbiased.matched", FrameMaps.Unbiased(local, text[..2], scale[..2], bias[..2], crossProduct: false));
        Check("maps_synthetic.approximate.matched", FrameMaps.Approximate(local, text[..2], scale[..2], crossProduct: false));
    }
}
