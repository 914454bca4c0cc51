using Flam.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>The packed text encoding (no padding, last layer only for the first tokens) equals the padded HF computation.</summary>
[Collection(TorchCollection.Name)]
public sealed class RobertaPackingTests
{
    [Fact]
    public void PackedPoolerOutputEqualsPaddedOne()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var roberta = new RobertaModel(new RobertaConfig(300, 48, 3, 4, 96, 80));
        roberta.eval();
        // Scale weights up so that the output depends clearly on tokens, positions and masking.
        using (no_grad())
        using (var factor = 8.ToScalar())
        {
            foreach (var p in roberta.parameters()) p.mul_(factor);
        }
        int[] lengths = [5, 17, 2, 77, 9];
        using var padId = 1L.ToScalar();
        var ids = full(lengths.Length, 77, padId, ScalarType.Int64);
        var mask = zeros(lengths.Length, 77, ScalarType.Int64);
        for (int i = 0; i < lengths.Length; i++)
        {
            ids[i, ..lengths[i]] = randint(3, 300, [lengths[i]]);
            ids[i, 0] = 0;
            mask[i, ..lengths[i]] = 1;
        }
        using var noGrad = no_grad();
        var padded = roberta.PooledPadded(ids, mask);
        var packed = roberta.PooledPacked(ids, mask);
        float packedDiff = (padded - packed).abs().max().item<float>();
        Assert.True(packedDiff < 1e-4, $"packed vs padded: {packedDiff}");
        Assert.True(padded.std(0).mean().item<float>() > 0.1, "texts should give different outputs");
        // forward picks the packed path; trimming the padding columns changes nothing either.
        var trimmed = roberta.forward(ids[.., ..77], mask);
        float trimmedDiff = (padded - trimmed).abs().max().item<float>();
        Assert.True(trimmedDiff < 1e-4, $"forward vs padded: {trimmedDiff}");
    }
}
