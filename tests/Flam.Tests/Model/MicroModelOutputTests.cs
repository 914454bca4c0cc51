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
        using var scope = NewDisposeScope();
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

/// <summary>The whole audio path from the 16-bit PCM clips through the log-mel front end.</summary>
[Collection(MicroModelCollection.Name)]
public sealed class MicroModelAudioTests(MicroModelFixture fixture, ITestOutputHelper log)
{
    private void Check(string name, Tensor actual)
    {
        double max = MicroModelFixture.AssertClose(name, fixture.Outputs[name], actual);
        log.WriteLine($"{name}: max |diff| {max:E2}");
    }

    [Fact]
    public void WaveformsGiveTheReferenceAudioFeaturesAndMaps()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = fixture.Model;
        using var audio = model.EncodeAudio(fixture.Waveforms());
        Check("audio.fine_grained_embedding", audio.FineGrained);
        Check("audio.embedding", audio.Embedding);
        Check("audio.local_features", audio.Local);
        Check("audio.local_features_flam_get_features", audio.Local);
        Check("audio.global_features_mean_of_local", audio.GlobalMeanOfLocal);
        Check("audio.global_features_embedding_path", audio.GlobalEmbeddingPath);
        Check("audio.global_embedding_mean_of_local_unprojected", audio.FineGrained.mean([1]));

        using var text = model.EncodeText(fixture.Inputs["text.input_ids"], fixture.Inputs["text.attention_mask"]);
        var scale = text.LogitScale * model.AedLogitScaleExp;
        Check("maps.logit_scale_combined", scale);
        Check("maps.unbiased.cross", FrameMaps.Unbiased(audio.Local, text.Features, scale, text.LogitBias, crossProduct: true));
        Check("maps.approximate.cross", FrameMaps.Approximate(audio.Local, text.Features, scale, crossProduct: true));
        Check("maps.unbiased.matched", FrameMaps.Unbiased(audio.Local, text.Features[..3], scale[..3], text.LogitBias[..3], crossProduct: false));
        Check("maps.approximate.matched", FrameMaps.Approximate(audio.Local, text.Features[..3], scale[..3], crossProduct: false));
    }

    [Fact]
    public void SilenceGivesFiniteFeaturesAndProbabilities()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var model = fixture.Model;
        using var audio = model.EncodeAudio(zeros(2, 480000));
        using var text = model.EncodeText(fixture.Inputs["text.input_ids"], fixture.Inputs["text.attention_mask"]);
        var map = FrameMaps.Unbiased(audio.Local, text.Features, text.LogitScale * model.AedLogitScaleExp, text.LogitBias, crossProduct: true);
        Assert.True(audio.Local.isfinite().all().item<bool>());
        Assert.True(audio.GlobalMeanOfLocal.isfinite().all().item<bool>());
        Assert.True(map.isfinite().all().item<bool>());
        using var zero = 0.ToScalar();
        using var one = 1.ToScalar();
        Assert.True(map.ge(zero).all().item<bool>() && map.le(one).all().item<bool>());
        // Silence is the same in every frame position of both clips, so the clips agree exactly.
        Assert.Equal(0.0, (audio.Local[0] - audio.Local[1]).abs().max().item<float>(), 6);
    }
}
