using System.Text.Json.Nodes;
using Flam.Model;
using Flam.Model.Checkpoints;
using Flam.Model.Text;
using static TorchSharp.torch;

namespace Flam.Tests.Model.Text;

/// <summary>One ONNX session for the class: creating it loads the 90 MB model.</summary>
[Collection(TorchCollection.Name)]
public sealed class MiniLmTowerFixture : IDisposable
{
    /// <summary>The shared tower.</summary>
    public MiniLmTextTower Tower { get; } = new();

    /// <inheritdoc />
    public void Dispose() => Tower.Dispose();
}

[Collection(TorchCollection.Name)]
public class MiniLmTextTowerTests(MiniLmTowerFixture fixture) : IClassFixture<MiniLmTowerFixture>
{
    private MiniLmTextTower Tower => fixture.Tower;

    private static float[] Row(Tensor t, int i)
    {
        using var row = t[i];
        return row.data<float>().ToArray();
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public void GivesFiniteUnitNorm384DimensionalVectors()
    {
        using var scope = NewDisposeScope();
        using var u = Tower.EncodeTexts(["a dog barking", "glass breaking", "rain on a roof"]);
        Assert.Equal([3L, 384L], u.shape);
        Assert.Equal(ScalarType.Float32, u.dtype);
        for (int i = 0; i < 3; i++)
        {
            var v = Row(u, i);
            Assert.All(v, x => Assert.True(float.IsFinite(x)));
            // The package L2-normalises the mean-pooled embedding (sentence-transformers' Normalize module).
            Assert.InRange(Math.Sqrt(v.Sum(x => (double)x * x)), 0.999, 1.001);
        }
        Assert.False(u[0].equal(u[1]).all().item<bool>());
    }

    [Fact]
    public void ParaphrasesAreCloserThanUnrelatedTexts()
    {
        using var u = Tower.EncodeTexts(["a dog barking", "a dog barks loudly", "rain on a roof", "a car engine starting"]);
        double paraphrase = Cosine(Row(u, 0), Row(u, 1));
        Assert.True(paraphrase > Cosine(Row(u, 0), Row(u, 2)), $"cos(paraphrase) {paraphrase}");
        Assert.True(paraphrase > Cosine(Row(u, 0), Row(u, 3)), $"cos(paraphrase) {paraphrase}");
    }

    [Fact]
    public void CacheReturnsIdenticalVectorsAndLowerCases()
    {
        using var first = Tower.EncodeTexts(["a kettle whistling"]);
        int cached = Tower.CachedTexts;
        using var again = Tower.EncodeTexts(["  A Kettle WHISTLING ", "a kettle whistling"]);
        Assert.Equal(cached, Tower.CachedTexts);
        Assert.Equal(Row(first, 0), Row(again, 0));
        Assert.Equal(Row(first, 0), Row(again, 1));
    }

    [Fact]
    public void TokenizerIdsLookUpTheSameEmbeddings()
    {
        using var scope = NewDisposeScope();
        var batch = Tower.EncodeBatch(["a door slams", "birds singing"]);
        Assert.Equal(2, batch.Count);
        Assert.Equal(1, batch.Length);
        using var ids = tensor(batch.InputIds, [2, 1]);
        using var mask = tensor(batch.AttentionMask, [2, 1]);
        using var branch = Tower.EncodeBranch(ids, mask);
        using var direct = Tower.EncodeTexts(["a door slams", "birds singing"]);
        Assert.True(branch.equal(direct).all().item<bool>());
        using var unknown = tensor(new long[] { 1_000_000 }, [1, 1]);
        Assert.Throws<ArgumentException>(() => Tower.EncodeBranch(unknown, unknown));
    }

    [Fact]
    public void EmptyTextIsAFlamException()
    {
        var e = Assert.Throws<FlamException>(() => Tower.EncodeTexts(["a dog", "  "]));
        Assert.Contains("Text 2 is empty", e.Message);
    }

    [Fact]
    public void TowerHasNoStateDictEntries()
    {
        Assert.Empty(Tower.state_dict());
        Assert.Empty(Tower.parameters());
    }
}

[Collection(TorchCollection.Name)]
public class MiniLmConfigTests
{
    private static FlamConfig Micro() => FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json"));

    [Fact]
    public void JsonRoundTripKeepsTheMiniLmTower()
    {
        var config = Micro().WithMiniLmText();
        var back = FlamConfig.FromJson(config.ToJson(), "minilm.json");
        Assert.Equal("minilm", back.TextModelType);
        Assert.Equal(384, back.TextProjectionInFeatures);
        Assert.Equal(384, back.PerTextMlpWidth);
        Assert.Contains("minilm h=384", back.Describe());
    }

    [Fact]
    public void WrongProjectionWidthForMiniLmIsRejected()
    {
        var json = JsonNode.Parse(Micro().WithMiniLmText().ToJson())!;
        json["text_projection_in_features"] = 768;
        var e = Assert.Throws<FlamException>(() => FlamConfig.FromJson(json.ToJsonString(), "bad.json"));
        Assert.Contains("'bad.json'", e.Message);
        Assert.Contains("384", e.Message);
    }

    [Fact]
    public void ModelSavesOnlyTrainablePartsAndReloadsWithIdenticalTextFeatures()
    {
        using var scope = NewDisposeScope();
        using var dir = FixturePaths.NewTempDirectory();
        var texts = new[] { "a dog barking", "glass breaking" };
        float[] before;
        using (var model = FlamModel.Create(Micro().WithMiniLmText()))
        {
            Assert.IsType<MiniLmTextTower>(model.TextBranch);
            Assert.DoesNotContain(model.state_dict().Keys, k => k.StartsWith("text_branch.", StringComparison.Ordinal));
            before = Features(model, texts);
            model.Save(dir);
        }
        Assert.DoesNotContain(SafeTensors.Load(Path.Combine(dir, FlamModel.WeightsFileName)).Keys, k => k.StartsWith("text_branch.", StringComparison.Ordinal));
        using var reloaded = FlamModel.Load(dir);
        Assert.Equal("minilm", reloaded.Config.TextModelType);
        // The saved weights reload exactly; the frozen ONNX tower may round the last bit differently from one
        // session to the next (its kernels split work by thread), so the features agree to float32 precision.
        var after = Features(reloaded, texts);
        Assert.Equal(before.Length, after.Length);
        Assert.All(before.Zip(after), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 1e-6, $"{pair.First} vs {pair.Second}"));

        // Detection needs no tokenizer files for such a model: the tower is the tokenizer.
        var bundle = ModelBundle.Resolve(dir, null, null);
        Assert.Same(reloaded.TextBranch, bundle.LoadTokenizer(reloaded));
    }

    [Fact]
    public void FrameScorerDetectsWithTheTowerAsTokenizer()
    {
        using var model = FlamModel.Create(Micro().WithMiniLmText());
        using var scorer = new Flam.Inference.FlamFrameScorer(model, (ITextTokenizer)model.TextBranch);
        var window = new float[model.Config.Audio.ClipSamples];
        for (int i = 0; i < window.Length; i++) window[i] = (float)(0.1 * Math.Sin(i * 0.05));
        var probabilities = scorer.Score([window], ["a dog barking", "glass breaking"]);
        Assert.Equal(1, probabilities.GetLength(0));
        Assert.Equal(2, probabilities.GetLength(1));
        Assert.True(probabilities.GetLength(2) > 0);
        foreach (var p in probabilities) Assert.InRange(p, 0f, 1f);
        Assert.Equal(2, scorer.CachedQueryCount);
    }

    private static float[] Features(FlamModel model, string[] texts)
    {
        using var noGrad = no_grad();
        var batch = ((ITextTokenizer)model.TextBranch).EncodeBatch(texts);
        using var ids = tensor(batch.InputIds, [batch.Count, batch.Length]);
        using var mask = tensor(batch.AttentionMask, [batch.Count, batch.Length]);
        using var f = model.EncodeText(ids, mask);
        var values = f.Features.data<float>().Concat(f.LogitBias.data<float>()).Concat(f.LogitScale.data<float>()).ToArray();
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        return values;
    }
}
