using Flam.Inference;
using Flam.Model.Text;
using Flam.Tests.Model;

namespace Flam.Tests.Inference;

/// <summary><see cref="FlamFrameScorer"/> on the micro fixture model: text caching and batch independence.</summary>
[Collection(MicroModelCollection.Name)]
public sealed class FlamFrameScorerTests(MicroModelFixture micro)
{
    /// <summary>Counts what the scorer asks the tokenizer for.</summary>
    private sealed class CountingTokenizer(ITextTokenizer inner) : ITextTokenizer
    {
        public List<string[]> Requests { get; } = [];

        public TokenBatch EncodeBatch(IReadOnlyList<string> texts, TokenPadding padding = TokenPadding.ContextLength, Action<string>? warn = null)
        {
            Requests.Add([.. texts]);
            return inner.EncodeBatch(texts, padding, warn);
        }
    }

    private static float[] Noise(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, DetectionOptions.Default.WindowSamples).Select(_ => (float)(random.NextDouble() - 0.5) * 0.5f).ToArray();
    }

    [Fact]
    public void Text_features_are_computed_once_per_distinct_query()
    {
        var tokenizer = new CountingTokenizer(RobertaTokenizer.Load(FixturePaths.Get("tokenizer", "tiny")));
        using var scorer = new FlamFrameScorer(micro.Model, tokenizer);
        var window = Noise(1);
        var first = scorer.Score([window], ["time", "people", "time"]);
        var second = scorer.Score([window], ["people", "time"]);
        scorer.Score([window], ["people", "a game"]);

        Assert.Equal([["time", "people"], ["a game"]], tokenizer.Requests);
        Assert.Equal(3, scorer.CachedQueryCount);
        for (var k = 0; k < 32; k++)
        {
            Assert.Equal(first[0, 0, k], first[0, 2, k]);
            Assert.Equal(first[0, 0, k], second[0, 1, k]);
            Assert.Equal(first[0, 1, k], second[0, 0, k]);
        }
    }

    [Fact]
    public void Windows_scored_together_equal_windows_scored_alone()
    {
        using var scorer = new FlamFrameScorer(micro.Model, RobertaTokenizer.Load(FixturePaths.Get("tokenizer", "tiny")));
        string[] queries = ["time", "people play a game"];
        var a = Noise(2);
        var b = Noise(3);
        var together = scorer.Score([a, b], queries);
        var alone = new[] { scorer.Score([a], queries), scorer.Score([b], queries) };
        Assert.Equal([2, 2, 32], new[] { together.GetLength(0), together.GetLength(1), together.GetLength(2) });
        for (var w = 0; w < 2; w++)
        {
            for (var q = 0; q < 2; q++)
            {
                for (var k = 0; k < 32; k++)
                {
                    Assert.True(float.IsFinite(together[w, q, k]) && together[w, q, k] is > 0 and < 1);
                    Assert.True(Math.Abs(together[w, q, k] - alone[w][0, q, k]) < 1e-5, $"window {w} query {q} frame {k}");
                }
            }
        }
        // Different audio must give different frames, or the comparison above proves nothing.
        Assert.NotEqual(alone[0][0, 0, 0], alone[1][0, 0, 0]);
    }
}
