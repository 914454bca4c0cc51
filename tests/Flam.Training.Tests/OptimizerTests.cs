using Flam.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flam.Tests.Training;

[Collection(TorchCollection.Name)]
public class OptimizerTests
{
    [Theory]
    [InlineData("audio_branch.layers.0.blocks.0.attn.qkv.weight", 2, true)]
    [InlineData("audio_branch.layers.0.blocks.0.attn.qkv.bias", 1, false)]
    [InlineData("audio_branch.layers.0.blocks.0.attn.relative_position_bias_table", 2, false)]
    [InlineData("audio_branch.layers.0.blocks.0.norm1.weight", 1, false)]
    [InlineData("logit_scale_a", 0, false)]
    public void WeightDecaySkipsNormsBiasesScalesAndPositionTables(string name, int dims, bool decays)
    {
        using var scope = NewDisposeScope();
        var shape = Enumerable.Repeat(3L, dims).ToArray();
        Assert.Equal(decays, AdamWOptimizer.Decays(name, zeros(shape)));
    }

    [Fact]
    public void UpdateMatchesTheAdamWFormulaWrittenOut()
    {
        using var scope = NewDisposeScope();
        // Two steps on one weight with decay, checked against the textbook update in doubles.
        var p = new Parameter(tensor(new float[] { 1f, -2f }, [1, 2]));
        using var adam = new AdamWOptimizer([("w", p)], 0.9, 0.999, 1e-8, 0.1);
        double[] w = [1, -2], m = [0, 0], v = [0, 0];
        double[][] grads = [[0.5, -1], [0.25, 2]];
        for (int step = 1; step <= 2; step++)
        {
            p.grad = tensor(grads[step - 1].Select(x => (float)x).ToArray(), [1, 2]);
            adam.Step(0.01);
            for (int i = 0; i < 2; i++)
            {
                w[i] *= 1 - 0.01 * 0.1;
                m[i] = 0.9 * m[i] + 0.1 * grads[step - 1][i];
                v[i] = 0.999 * v[i] + 0.001 * grads[step - 1][i] * grads[step - 1][i];
                double mHat = m[i] / (1 - Math.Pow(0.9, step)), vHat = v[i] / (1 - Math.Pow(0.999, step));
                w[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-8);
            }
        }
        var actual = p.data<float>().ToArray();
        for (int i = 0; i < 2; i++) Assert.Equal(w[i], actual[i], 5);
    }

    [Fact]
    public void ScheduleWarmsUpThenDecays()
    {
        Assert.Equal(0.25, LearningRateSchedule.At(0, 100, 1, 0, 4, LearningRateDecay.Cosine), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(3, 100, 1, 0, 4, LearningRateDecay.Cosine), 12);
        Assert.Equal(0.5, LearningRateSchedule.At(52, 100, 1, 0, 4, LearningRateDecay.Cosine), 12);
        Assert.Equal(0.5, LearningRateSchedule.At(52, 100, 1, 0, 4, LearningRateDecay.Linear), 12);
        Assert.Equal(0.1, LearningRateSchedule.At(100, 100, 1, 0.1, 4, LearningRateDecay.Linear), 12);
    }
}
