using Flam.Model.Checkpoints;
using Flam.Runtime;
using Flam.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Training;

/// <summary>Every loss value and gradient of Fixtures/model/micro/losses.safetensors (official openflam code).</summary>
[Collection(TrainingCollection.Name)]
public class LossFixtureTests
{
    // Loaded once for the process: kept out of the dispose scope of the test that happens to load them first.
    private static readonly Lazy<(Dictionary<string, Tensor> Outputs, Dictionary<string, Tensor> Inputs, Dictionary<string, Tensor> Losses)> Data = new(() => (
        Kept(SafeTensors.Load(FixturePaths.Get("model", "micro", "outputs.safetensors"))),
        Kept(SafeTensors.Load(FixturePaths.Get("model", "micro", "inputs.safetensors"))),
        Kept(SafeTensors.Load(FixturePaths.Get("model", "micro", "losses.safetensors")))));

    private static Dictionary<string, Tensor> Kept(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.DetachFromDisposeScope();
        return tensors;
    }

    public static TheoryData<string, bool> Variants => new()
    {
        { "v_all", false }, { "v_text_last_masked", false }, { "v_audio_last_masked", false },
        { "v_all", true }, { "v_text_last_masked", true }, { "v_audio_last_masked", true },
    };

    internal static void AssertClose(Tensor expected, Tensor actual, string name, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = NewDisposeScope();
        var e = expected.to_type(ScalarType.Float64);
        var a = actual.detach().to_type(ScalarType.Float64);
        using var absolute = atol.ToScalar();
        using var relative = rtol.ToScalar();
        var excess = ((a - e).abs() - (e.abs() * relative).add_(absolute, TorchScalars.One)).max().item<double>();
        Assert.True(excess <= 0, $"{name}: max |diff| {(a - e).abs().max().item<double>():E3} exceeds tolerance (max |expected| {e.abs().max().item<double>():E3})");
    }

    [Fact]
    public void GlobalLossAndGradientsMatchReference()
    {
        var (outputs, _, losses) = Data.Value;
        using var scope = NewDisposeScope();
        var audio = outputs["audio.global_features_mean_of_local"].clone().requires_grad_(true);
        long n = audio.shape[0];
        var text = outputs["text.features"].narrow(0, 0, n).clone().requires_grad_(true);
        var loss = GlobalContrastiveLoss.Compute(audio, text, outputs["scalar.logit_scale_a_exp"]);
        loss.backward();
        AssertClose(losses["clip.loss"], loss, "clip.loss");
        AssertClose(losses["clip.grad.global_audio_features"], audio.grad!, "clip.grad.global_audio_features");
        AssertClose(losses["clip.grad.text_features"], text.grad!, "clip.grad.text_features");
    }

    private sealed record Leaves(Tensor Audio, Tensor Text, Tensor Scale, Tensor Bias, SedLossInputs Sed);

    private static Leaves MakeSed(string variant)
    {
        var (outputs, inputs, losses) = Data.Value;
        var audio = outputs["audio.local_features"].clone().requires_grad_(true);
        var text = outputs["text.features"].clone().requires_grad_(true);
        var scale = outputs["text.per_text_logit_scale"].clone().requires_grad_(true);
        var bias = outputs["text.per_text_logit_bias"].clone().requires_grad_(true);
        var sed = new SedLossInputs(audio, text, scale, outputs["scalar.aed_logit_scale_exp"], bias,
            inputs["framewise_label"], losses[variant + ".audio_mask"], losses[variant + ".text_mask"]);
        return new Leaves(audio, text, scale, bias, sed);
    }

    private static FramewiseBlocking? Blocking(bool blocked) => blocked ? new FramewiseBlocking(TextBlockSize: 3, ClipBlockSize: 2) : null;

    [Theory]
    [MemberData(nameof(Variants))]
    public void FramewiseLossAndGradientsMatchReference(string variant, bool blocked)
    {
        var losses = Data.Value.Losses;
        using var scope = NewDisposeScope();
        var l = MakeSed(variant);
        var scale = l.Sed.AedLogitScaleExp * l.Scale;
        var loss = Blocking(blocked) is { } b
            ? FramewiseSigmoidLoss.ComputeBlocked(l.Audio, l.Text, scale, l.Bias, l.Sed.Labels, l.Sed.AudioMask, l.Sed.TextMask, b)
            : FramewiseSigmoidLoss.Compute(l.Audio, l.Text, scale, l.Bias, l.Sed.Labels, l.Sed.AudioMask, l.Sed.TextMask);
        loss.backward();
        AssertClose(losses[variant + ".framewise.loss"], loss, variant + ".framewise.loss");
        AssertClose(losses[variant + ".framewise.grad.local_audio_features"], l.Audio.grad!, variant + ".framewise.grad.local_audio_features");
        AssertClose(losses[variant + ".framewise.grad.text_features"], l.Text.grad!, variant + ".framewise.grad.text_features");
        AssertClose(losses[variant + ".framewise.grad.per_text_logit_scale"], l.Scale.grad!, variant + ".framewise.grad.per_text_logit_scale");
        // Stop-gradient: the frame-wise loss never reaches β.
        Assert.True(l.Bias.grad is null || l.Bias.grad.abs().max().item<float>() == 0);
    }

    [Theory]
    [InlineData("v_all")]
    [InlineData("v_text_last_masked")]
    [InlineData("v_audio_last_masked")]
    public void PriorLossAndGradientMatchReference(string variant)
    {
        var losses = Data.Value.Losses;
        using var scope = NewDisposeScope();
        var l = MakeSed(variant);
        var loss = PriorLoss.Compute(l.Bias, l.Sed.Labels, l.Sed.AudioMask, l.Sed.TextMask);
        loss.backward();
        AssertClose(losses[variant + ".prior.loss"], loss, variant + ".prior.loss");
        AssertClose(losses[variant + ".prior.grad.per_text_logit_bias"], l.Bias.grad!, variant + ".prior.grad.per_text_logit_bias");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void LocalTotalAndFlamTotalMatchReference(string variant, bool blocked)
    {
        var (outputs, _, losses) = Data.Value;
        using var scope = NewDisposeScope();
        var flam = new FlamLoss(new FlamLossOptions(Blocking: Blocking(blocked)));

        // local_total = 200·framewise + prior, with the gradients of all four inputs.
        var l = MakeSed(variant);
        using var sedWeight = 200.0.ToScalar();
        using (var local = flam.Compute(null, l.Sed))
        {
            local.Total.backward();
            AssertClose(losses[variant + ".local_total"], local.Total, variant + ".local_total");
            AssertClose(losses[variant + ".local_contrastive_weighted"], local.Framewise! * sedWeight, variant + ".local_contrastive_weighted");
            AssertClose(losses[variant + ".total.grad.local_audio_features"], l.Audio.grad!, variant + ".total.grad.local_audio_features");
            AssertClose(losses[variant + ".total.grad.text_features"], l.Text.grad!, variant + ".total.grad.text_features");
            AssertClose(losses[variant + ".total.grad.per_text_logit_scale"], l.Scale.grad!, variant + ".total.grad.per_text_logit_scale");
            AssertClose(losses[variant + ".total.grad.per_text_logit_bias"], l.Bias.grad!, variant + ".total.grad.per_text_logit_bias");
            // The stop-gradient made visible: the total gradient of β is the prior gradient alone.
            AssertClose(losses[variant + ".prior.grad.per_text_logit_bias"], l.Bias.grad!, variant + " β grad = prior grad");
        }

        var s = MakeSed(variant);
        long n = outputs["audio.global_features_mean_of_local"].shape[0];
        var global = new GlobalLossInputs(outputs["audio.global_features_mean_of_local"], outputs["text.features"].narrow(0, 0, n), outputs["scalar.logit_scale_a_exp"]);
        using var all = flam.Compute(global, s.Sed);
        AssertClose(losses[variant + ".flam_loss_total"], all.Total, variant + ".flam_loss_total");
        AssertClose(losses["clip.loss"], all.Global!, "clip.loss via FlamLoss");
    }

    [Fact]
    public void ClampKeepsLogitScaleWithinClapRange()
    {
        using var p = tensor(new float[] { -1f, 2f, 7f });
        GlobalContrastiveLoss.ClampLogitScale(p);
        Assert.Equal(new[] { 0f, 2f, (float)Math.Log(100) }, p.data<float>().ToArray());
        Assert.Equal(Math.Log(1 / 0.07), GlobalContrastiveLoss.InitialLogitScale, 12);
    }
}
