using Flam.Model;
using Flam.Model.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>
/// Every HTSAT preset, freshly created, must give finite and non-degenerate audio features for a random waveform in
/// eval and in train mode. Regression: HTSAT weights were initialised with TorchSharp's <c>trunc_normal_(std: 0.02)</c>,
/// which fills the tensor with the constant 0.02 (its mean and std arguments are swapped), so every block collapsed
/// to a channel-constant signal that shrank by ~100× per stage and turned NaN in the deeper presets (tiny in the
/// trainer: "non-finite loss" at step 1).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class PresetFinitenessTests
{
    // The text side does not touch the audio branch; a two-layer RoBERTa keeps Create fast.
    private static readonly RobertaConfig SmallText = new(1000, 32, 2, 2, 64, 100);

    /// <summary>
    /// tiny and cpu-small at full size; base, large and base-12hz (9–13 s each at full depth on 2 cores) with at most
    /// two blocks per stage: same widths, heads, windows, shifted-window masks and patch merging, fewer repeats.
    /// </summary>
    public static TheoryData<string, bool> Presets => new()
    {
        { "tiny", false }, { "cpu-small", false }, { "base", true }, { "large", true }, { "base-12hz", true },
    };

    [Theory]
    [MemberData(nameof(Presets))]
    public void FreshPresetGivesFiniteNonDegenerateAudioFeaturesInEvalAndTrainMode(string preset, bool shallow)
    {
        var audio = HtsatConfig.FromName(preset)!;
        if (shallow)
        {
            audio = audio with { Depths = audio.Depths.Select(d => Math.Min(d, 2)).ToArray() };
        }
        var config = FlamConfig.V1Base with { Name = preset, Audio = audio, Text = SmallText, TextProjectionInFeatures = 32, PerTextMlpWidth = 32 };
        using var model = FlamModel.Create(config);
        using var scope = NewDisposeScope();
        manual_seed(11);
        // One second: the encoder stretches it to the full image, so every stage runs at full size.
        using var level = 0.1.ToScalar();
        var waves = randn(1, 48000) * level;
        foreach (bool train in new[] { false, true })
        {
            model.train(train);
            using var noGrad = no_grad();
            using var features = model.EncodeAudio(waves);
            string where = $"{preset} (train={train})";
            Assert.Equal(new long[] { 1, audio.Frames, audio.NumFeatures }, features.FineGrained.shape);
            Assert.True(features.FineGrained.isfinite().all().item<bool>(), $"{where}: FineGrained has non-finite values");
            Assert.True(features.Local.isfinite().all().item<bool>(), $"{where}: Local has non-finite values");
            Assert.True(features.Embedding.isfinite().all().item<bool>(), $"{where}: Embedding has non-finite values");
            // The final LayerNorm gives every token unit spread over its channels; a collapsed encoder gives ~0.
            float spread = features.FineGrained.std(2).min().item<float>();
            Assert.True(spread > 0.1f, $"{where}: frame features are channel-constant (smallest per-frame std {spread})");
        }
    }

    [Fact]
    public void ResetParametersDrawsLinearWeightsAndBiasTablesFromNormal002()
    {
        using var encoder = new HtsatAudioEncoder(HtsatConfig.CpuSmall);
        manual_seed(2);
        encoder.ResetParameters();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var drawn = encoder.modules().OfType<Linear>().Select(l => (Name: "Linear", Weight: (Tensor)l.weight!))
            .Concat(encoder.named_parameters().Where(p => p.name.EndsWith("relative_position_bias_table", StringComparison.Ordinal)).Select(p => (p.name, (Tensor)p.parameter)))
            .ToList();
        Assert.NotEmpty(drawn);
        foreach (var (name, weight) in drawn)
        {
            // ≥ 900 elements each: the sample std of N(0, 0.02) is within ±0.003 with overwhelming probability.
            double std = weight.std().item<float>(), mean = weight.mean().item<float>();
            Assert.InRange(std, 0.017, 0.023);
            Assert.InRange(mean, -0.003, 0.003);
            Assert.True(weight.abs().max().item<float>() < 0.2, $"{name}: a draw beyond 10σ");
        }
    }
}
