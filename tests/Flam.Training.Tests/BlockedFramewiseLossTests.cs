using Flam.Runtime;
using Flam.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Training;

/// <summary>The blocked frame-wise loss against the naive one (its slow, obviously-right twin).</summary>
[Collection(TrainingCollection.Name)]
public class BlockedFramewiseLossTests
{
    private sealed record Problem(Tensor RawAudio, Tensor RawText, Tensor Projection, Tensor RawScale, Tensor Bias, Tensor Labels, Tensor AudioMask, Tensor TextMask);

    private static Problem Make(int b, int k, int t, int d, int seed, bool masks)
    {
        var g = new Generator((ulong)seed);
        var audioMask = ones(b, dtype: ScalarType.Int64);
        var textMask = ones(k, dtype: ScalarType.Int64);
        if (masks)
        {
            audioMask[b - 1] = 0;
            using var zero = 0.ToScalar();
            textMask.narrow(0, k - 3, 3).fill_(zero);
        }
        using var biasSpread = 3.ToScalar();
        using var positiveRate = 0.2.ToScalar();
        return new Problem(
            randn([b, t, d], generator: g).requires_grad_(true),
            randn([k, d], generator: g).requires_grad_(true),
            randn([d, d], generator: g).requires_grad_(true),
            randn([k], generator: g).requires_grad_(true),
            (randn([k], generator: g) * biasSpread).requires_grad_(true),
            (rand([b, k, t], generator: g) < positiveRate).to_type(ScalarType.Float32),
            audioMask, textMask);
    }

    /// <summary>Loss with the encoders' tail in the graph (projection + normalisation + exp), so injected gradients must flow on.</summary>
    private static Tensor Loss(Problem p, FramewiseBlocking? blocking)
    {
        var audio = nn.functional.normalize(p.RawAudio.matmul(p.Projection), dim: -1);
        var text = nn.functional.normalize(p.RawText.matmul(p.Projection), dim: -1);
        using var ten = 10.ToScalar();
        var scale = p.RawScale.exp() * ten;
        return blocking is null
            ? FramewiseSigmoidLoss.Compute(audio, text, scale, p.Bias, p.Labels, p.AudioMask, p.TextMask)
            : FramewiseSigmoidLoss.ComputeBlocked(audio, text, scale, p.Bias, p.Labels, p.AudioMask, p.TextMask, blocking);
    }

    private static Tensor[] Gradients(Problem p, FramewiseBlocking? blocking, out Tensor loss)
    {
        Tensor[] leaves = [p.RawAudio, p.RawText, p.Projection, p.RawScale];
        foreach (var leaf in leaves) leaf.grad?.zero_();
        loss = Loss(p, blocking);
        loss.backward();
        Assert.True(p.Bias.grad is null || p.Bias.grad.abs().max().item<float>() == 0, "β must not receive a frame-wise gradient");
        return leaves.Select(l => l.grad!.clone()).ToArray();
    }

    [Theory]
    [InlineData(1, 0, false)]
    [InlineData(7, 0, true)]    // uneven last block (37 = 5·7 + 2)
    [InlineData(16, 3, true)]   // blocks over clips too, uneven
    [InlineData(37, 0, true)]   // one block
    [InlineData(100, 2, false)] // block larger than K
    public void BlockedEqualsNaive(int textBlock, int clipBlock, bool masks)
    {
        using var scope = NewDisposeScope();
        var p = Make(b: 5, k: 37, t: 8, d: 12, seed: textBlock * 31 + clipBlock, masks);
        var naive = Gradients(p, null, out var naiveLoss);
        var blocked = Gradients(p, new FramewiseBlocking(textBlock, clipBlock), out var blockedLoss);
        LossFixtureTests.AssertClose(naiveLoss, blockedLoss, "loss", rtol: 1e-6, atol: 1e-6);
        string[] names = ["audio", "text", "projection", "scale"];
        for (int i = 0; i < naive.Length; i++)
        {
            Assert.True(naive[i].abs().max().item<float>() > 0, names[i] + " gradient is zero: test would prove nothing");
            LossFixtureTests.AssertClose(naive[i], blocked[i], names[i] + " gradient", rtol: 1e-6, atol: 1e-6);
        }
    }

    [Fact]
    public void WithoutGradientsBlockedGivesTheSameValue()
    {
        using var scope = NewDisposeScope();
        var p = Make(b: 4, k: 10, t: 6, d: 5, seed: 3, masks: true);
        using var _ = no_grad();
        var naive = Loss(p, null);
        var blocked = Loss(p, new FramewiseBlocking(3));
        Assert.False(blocked.requires_grad);
        LossFixtureTests.AssertClose(naive, blocked, "loss", rtol: 1e-6, atol: 1e-7);
    }

    [Fact]
    public void ReceivedBlockAddsNegativesAndSkipsTextsEqualToLocalOnes()
    {
        using var scope = NewDisposeScope();
        // Local: 6 texts with labels; received from a "neighbour": 4 texts, the second one identical to local text 2.
        var g = new Generator(11);
        int b = 3, t = 5, d = 7;
        var audio = nn.functional.normalize(randn([b, t, d], generator: g), dim: -1);
        var local = nn.functional.normalize(randn([6, d], generator: g), dim: -1);
        var received = nn.functional.normalize(randn([4, d], generator: g), dim: -1);
        received[1] = local[2];
        using var one = 1.ToScalar();
        using var ten = 10.ToScalar();
        using var positiveRate = 0.3.ToScalar();
        var localScale = (rand([6], generator: g) * ten).add_(one, TorchScalars.One);
        var receivedScale = (rand([4], generator: g) * ten).add_(one, TorchScalars.One);
        var localBias = randn([6], generator: g);
        var receivedBias = randn([4], generator: g);
        var labels = (rand([b, 6, t], generator: g) < positiveRate).to_type(ScalarType.Float32);
        var audioMask = ones(b);
        var localMask = ones(6);
        var receivedMask = ones(4);

        // Slow twin: one naive loss over the concatenation, received texts negative, the duplicate masked out.
        var expectedMask = cat([localMask, tensor(new float[] { 1, 0, 1, 1 })]);
        var naiveAudio = audio.clone().requires_grad_(true);
        var naiveLocal = local.clone().requires_grad_(true);
        var expected = FramewiseSigmoidLoss.Compute(naiveAudio, cat([naiveLocal, received]), cat([localScale, receivedScale]), cat([localBias, receivedBias]),
            cat([labels, zeros(b, 4, t)], 1), audioMask, expectedMask);
        expected.backward();

        var validPairs = (audioMask.unsqueeze(1) * expectedMask.unsqueeze(0)).sum();
        using var accumulator = new FramewiseLossAccumulator(audio, audioMask, validPairs, clipBlockSize: 2, withGradients: true);
        var localGradients = accumulator.Add(new FramewiseTextBlock(local, localScale, localBias, localMask, labels))!;
        accumulator.Add(new FramewiseTextBlock(received, receivedScale, receivedBias, receivedMask, null));
        LossFixtureTests.AssertClose(expected, accumulator.Loss(), "loss", rtol: 1e-6, atol: 1e-7);
        LossFixtureTests.AssertClose(naiveAudio.grad!, accumulator.AudioGradient!, "audio gradient", rtol: 1e-6, atol: 1e-7);
        LossFixtureTests.AssertClose(naiveLocal.grad!, localGradients.Text, "local text gradient", rtol: 1e-6, atol: 1e-7);
    }
}
