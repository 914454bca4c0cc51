using Flam.Model;
using Flam.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>The fast paths of the Swin blocks against their obviously-right twins.</summary>
[Collection(TorchCollection.Name)]
public sealed class HtsatComponentTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void FusedWindowAttentionEqualsTheStepByStepFormula(int windowsPerClip)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var q = randn(2 * windowsPerClip, 4, 64, 8);
        var k = randn(2 * windowsPerClip, 4, 64, 8);
        var v = randn(2 * windowsPerClip, 4, 64, 8);
        // A bias that differs per window, as the shifted-window mask makes it.
        using var maskedShare = 0.7.ToScalar();
        var bias = randn(windowsPerClip, 4, 64, 64).add_(where(rand(windowsPerClip, 1, 64, 64).gt(maskedShare), -100f, 0f), TorchScalars.One);
        var fused = WindowAttention.Attend(q, k, v, bias);
        var naive = WindowAttention.AttendNaive(q, k, v, bias);
        Assert.True((fused - naive).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void ShiftedWindowMaskSeparatesTheWrappedRegions()
    {
        using var scope = NewDisposeScope();
        // 16x16 grid, window 8, shift 4: brute force — two tokens of a window may attend to each other exactly when
        // they come from the same one of the nine regions of the rolled image.
        using var mask = SwinBlock.ShiftedWindowMask(16, 8, 4);
        Assert.Equal(new long[] { 4, 64, 64 }, mask.shape);
        int Region(int i) => i < 8 ? 0 : i < 12 ? 1 : 2;
        for (int w = 0; w < 4; w++)
        {
            for (int i = 0; i < 64; i++)
            {
                for (int j = 0; j < 64; j++)
                {
                    int hi = w / 2 * 8 + i / 8, wi = w % 2 * 8 + i % 8, hj = w / 2 * 8 + j / 8, wj = w % 2 * 8 + j % 8;
                    bool same = Region(hi) == Region(hj) && Region(wi) == Region(wj);
                    Assert.Equal(same ? 0f : -100f, mask[w, i, j].item<float>());
                }
            }
        }
    }

    [Fact]
    public void RelativePositionIndexCountsOffsetsRowMajor()
    {
        using var scope = NewDisposeScope();
        using var index = WindowAttention.RelativePositionIndex(8);
        // Query (0,0) against key (7,7): offset (-7,-7) -> (0,0) -> 0; key against query: (14,14) -> 14*15+14.
        Assert.Equal(0L, index[0, 63].item<long>());
        Assert.Equal(14L * 15 + 14, index[63, 0].item<long>());
        Assert.Equal(7L * 15 + 7, index[10, 10].item<long>());
    }

    [Fact]
    public void BFloat16ModeStaysCloseToFloat32()
    {
        using var scope = NewDisposeScope();
        using var model = FlamModel.Create(FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json")));
        using var noGrad = no_grad();
        manual_seed(5);
        using var level = 0.1.ToScalar();
        var waves = randn(1, 480000) * level;
        using var fp32 = model.EncodeAudio(waves);
        model.AudioComputeType = ScalarType.BFloat16;
        using var bf16 = model.EncodeAudio(waves);
        Assert.Equal(ScalarType.Float32, bf16.Local.dtype);
        Assert.True((bf16.Local - fp32.Local).abs().max().item<float>() < 0.05);
    }
}
