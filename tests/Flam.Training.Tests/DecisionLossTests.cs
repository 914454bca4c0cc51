using Flam.Runtime;
using Flam.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Training;

/// <summary>The decision loss against a plain-loop twin, and its place in <see cref="FlamLoss"/>.</summary>
[Collection(TrainingCollection.Name)]
public class DecisionLossTests
{
    private const int B = 3, K = 4, T = 5, D = 6;

    private static (float[] Audio, float[] Text, float[] Scale, float[] Labels) Data(int seed)
    {
        var random = new Random(seed);
        float[] Unit(int rows, int d)
        {
            var v = new float[rows * d];
            for (var r = 0; r < rows; r++)
            {
                double norm = 0;
                for (var c = 0; c < d; c++) norm += Math.Pow(v[r * d + c] = (float)(random.NextDouble() * 2 - 1), 2);
                for (var c = 0; c < d; c++) v[r * d + c] /= (float)Math.Sqrt(norm);
            }
            return v;
        }
        var audio = Unit(B * T, D);
        var text = Unit(K, D);
        var scale = Enumerable.Range(0, K).Select(_ => (float)(1 + random.NextDouble() * 9)).ToArray();
        var labels = Enumerable.Range(0, B * K * T).Select(_ => random.NextDouble() < 0.3 ? 1f : 0f).ToArray();
        return (audio, text, scale, labels);
    }

    /// <summary>(mean softplus(−z) over positive frames + r·mean softplus(z) over negative frames) / (1 + r), masked pairs only.</summary>
    private static double Naive(float[] audio, float[] text, float[] scale, float[] labels, int[] audioMask, int[] textMask, double r)
    {
        double pos = 0, neg = 0;
        int nPos = 0, nNeg = 0;
        for (var i = 0; i < B; i++)
            for (var j = 0; j < K; j++)
            {
                if (audioMask[i] == 0 || textMask[j] == 0) continue;
                for (var t = 0; t < T; t++)
                {
                    double dot = 0;
                    for (var c = 0; c < D; c++) dot += audio[(i * T + t) * D + c] * text[j * D + c];
                    var z = scale[j] * dot;
                    if (labels[(i * K + j) * T + t] > 0) { pos += Math.Log(1 + Math.Exp(-z)); nPos++; }
                    else { neg += Math.Log(1 + Math.Exp(z)); nNeg++; }
                }
            }
        return ((nPos == 0 ? 0 : pos / nPos) + r * (nNeg == 0 ? 0 : neg / nNeg)) / (1 + r);
    }

    [Theory]
    [InlineData(1, new[] { 1, 1, 1 }, new[] { 1, 1, 1, 1 }, 1.0)]
    [InlineData(2, new[] { 1, 0, 1 }, new[] { 1, 1, 0, 1 }, 1.0)]
    [InlineData(3, new[] { 1, 1, 1 }, new[] { 1, 0, 1, 1 }, 4.0)]
    public void MatchesTheLoopTwin(int seed, int[] audioMask, int[] textMask, double negativeWeight)
    {
        var (audio, text, scale, labels) = Data(seed);
        using var scope = NewDisposeScope();
        var loss = DecisionLoss.Compute(tensor(audio, [B, T, D]), tensor(text, [K, D]), tensor(scale, [K]), tensor(labels, [B, K, T]),
            tensor(audioMask.Select(m => (long)m).ToArray()), tensor(textMask.Select(m => (long)m).ToArray()), negativeWeight);
        Assert.Equal(Naive(audio, text, scale, labels, audioMask, textMask, negativeWeight), loss.item<float>(), 5);
    }

    [Fact]
    public void NegativeFramesOfAbsentTextsArePushedBelowZero()
    {
        // One clip, one text absent everywhere, similarity 0.5: the gradient on the similarity must be positive (descent lowers z).
        using var scope = NewDisposeScope();
        var audio = tensor(new float[] { 1, 0 }, [1, 1, 2]);
        var text = tensor(new float[] { 0.5f, (float)Math.Sqrt(0.75) }, [1, 2]).requires_grad_(true);
        var loss = DecisionLoss.Compute(audio, text, tensor(new float[] { 10 }), zeros(1, 1, 1), ones(1, dtype: ScalarType.Int64), ones(1, dtype: ScalarType.Int64));
        loss.backward();
        Assert.True(text.grad!.data<float>()[0] > 0);
        Assert.Equal(Math.Log(1 + Math.Exp(5)) / 2, loss.item<float>(), 4);
    }

    [Fact]
    public void FlamLossAddsItOnlyWithAWeight()
    {
        var (audio, text, scale, labels) = Data(3);
        using var scope = NewDisposeScope();
        using var off = new FlamLoss(new FlamLossOptions()).Compute(null, SedInputs(audio, text, scale, labels));
        using var on = new FlamLoss(new FlamLossOptions(DecisionWeight: 2)).Compute(null, SedInputs(audio, text, scale, labels));
        Assert.Null(off.Decision);
        Assert.NotNull(on.Decision);
        Assert.Equal(off.Total.item<float>() + 2 * on.Decision!.item<float>(), on.Total.item<float>(), 3);
        Assert.Throws<ArgumentException>(() => new FlamLossOptions(DecisionWeight: -1).Validate());
        Assert.Throws<ArgumentException>(() => new FlamLossOptions(DecisionNegativeWeight: 0).Validate());
    }

    [Fact]
    public void FlamLossPassesTheNegativeWeightOn()
    {
        var (audio, text, scale, labels) = Data(4);
        using var scope = NewDisposeScope();
        using var weighted = new FlamLoss(new FlamLossOptions(DecisionWeight: 1, DecisionNegativeWeight: 3)).Compute(null, SedInputs(audio, text, scale, labels));
        var expected = Naive(audio, text, scale, labels, [1, 1, 1], [1, 1, 1, 1], 3);
        Assert.Equal(expected, weighted.Decision!.item<float>(), 5);
        Assert.NotEqual(Naive(audio, text, scale, labels, [1, 1, 1], [1, 1, 1, 1], 1), expected, 3);
    }

    // Every clip and text unmasked, fixed per-text biases, exp(aed_logit_scale) = 1.
    private static SedLossInputs SedInputs(float[] audio, float[] text, float[] scale, float[] labels) =>
        new(tensor(audio, [B, T, D]), tensor(text, [K, D]), tensor(scale, [K]), tensor(1f), tensor(new float[] { -3, -2, -4, -1 }),
            tensor(labels, [B, K, T]), ones(B, dtype: ScalarType.Int64), ones(K, dtype: ScalarType.Int64));
}
