using Flam.Evaluation;

namespace Flam.Tests.Evaluation;

/// <summary>The FLAM paper's extra metrics: hand-computed cases and brute-force twins.</summary>
public class PaperMetricsTests
{
    private static FrameTrack Track(string clip, string text, double[] scores, int[] labels) =>
        new(clip, text, scores, [.. labels.Select(l => l == 1)]);

    [Fact]
    public void OpenVocabularyAurocByHand()
    {
        FrameTrack[] tracks =
        [
            Track("a", "dog barks", [0.9, 0.2, 0.8], [1, 0, 0]),
            Track("a", "door slams", [0.1, 0.7], [0, 1]),
            Track("b", "rain", [0.3, 0.6, 0.6], [0, 1, 0]),
        ];
        var r = OpenVocabularyMetrics.Auroc(tracks);
        // Pooled: positives {0.9, 0.7, 0.6}, negatives {0.2, 0.8, 0.1, 0.3, 0.6}: 5 + 4 + (3 + 0.5) = 12.5 of 15.
        Assert.Equal(12.5 / 15, r.Pooled, 12);
        // Clip a: positives {0.9, 0.7} vs {0.2, 0.8, 0.1}: 5/6; clip b: 0.6 vs {0.3, 0.6}: 1.5/2.
        Assert.Equal((5.0 / 6 + 0.75) / 2, r.ClipMean, 12);
        Assert.Equal(2, r.ClipsUsed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void OpenVocabularyAurocEqualsPairwiseCount(int seed)
    {
        var rng = new Random(seed);
        var tracks = Enumerable.Range(0, 20).Select(i => Track($"c{i % 7}", $"t{i}",
            [.. Enumerable.Range(0, 16).Select(_ => rng.Next(0, 6) / 5.0)], [.. Enumerable.Range(0, 16).Select(_ => rng.Next(0, 3) == 0 ? 1 : 0)])).ToList();
        var pos = tracks.SelectMany(t => t.Scores.Where((_, i) => t.Labels[i])).ToList();
        var neg = tracks.SelectMany(t => t.Scores.Where((_, i) => !t.Labels[i])).ToList();
        var wins = pos.Sum(p => neg.Sum(n => p > n ? 1.0 : p == n ? 0.5 : 0.0));
        Assert.Equal(wins / (pos.Count * neg.Count), OpenVocabularyMetrics.Auroc(tracks).Pooled, 12);
    }

    [Fact]
    public void SpearmanByHandWithTiesAndSkippedTracks()
    {
        Assert.Equal(4 / Math.Sqrt(20), OpenVocabularyMetrics.SpearmanRho([1, 2, 3, 4], [0, 0, 1, 1]), 12);
        Assert.Equal(0.5, OpenVocabularyMetrics.SpearmanRho([0.5, 0.5, 0.9], [0, 1, 1]), 12);
        var r = OpenVocabularyMetrics.Spearman(
        [
            Track("a", "x", [1, 2, 3, 4], [0, 0, 1, 1]),
            Track("a", "y", [0.5, 0.5, 0.9], [0, 1, 1]),
            Track("b", "z", [0.1, 0.2], [1, 1]),           // constant labels: no ρ
        ]);
        Assert.Equal((4 / Math.Sqrt(20) + 0.5) / 2, r.Mean, 12);
        Assert.Equal((2, 1), (r.TracksUsed, r.TracksSkipped));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void SpearmanWithoutTiesEqualsClassicFormula(int seed)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, 25).Select(_ => rng.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 25).Select(_ => rng.NextDouble()).ToArray();
        var rx = OpenVocabularyMetrics.AverageRanks(x);
        var ry = OpenVocabularyMetrics.AverageRanks(y);
        // Ranks by counting: 1 + number of smaller values.
        Assert.Equal(x.Select(v => 1.0 + x.Count(u => u < v)), rx);
        var d2 = rx.Zip(ry, (a, b) => (a - b) * (a - b)).Sum();
        var n = x.Length;
        Assert.Equal(1 - 6 * d2 / (n * (n * n - 1.0)), OpenVocabularyMetrics.SpearmanRho(x, y), 12);
    }

    [Fact]
    public void ThresholdCurveEqualsDirectCounting()
    {
        var rng = new Random(9);
        var tracks = Enumerable.Range(0, 10).Select(i => Track($"c{i}", "t",
            [.. Enumerable.Range(0, 32).Select(_ => rng.Next(0, 11) / 10.0)], [.. Enumerable.Range(0, 32).Select(_ => rng.Next(0, 2))])).ToList();
        double[] thresholds = [0.0, 0.25, 0.5, 0.7, 1.0];
        var curve = OpenVocabularyMetrics.ThresholdCurve(tracks, thresholds);
        for (var i = 0; i < thresholds.Length; i++)
        {
            int tp = 0, fp = 0, p = 0;
            foreach (var t in tracks)
            {
                for (var f = 0; f < t.Scores.Length; f++)
                {
                    p += t.Labels[f] ? 1 : 0;
                    if (t.Scores[f] > thresholds[i]) { if (t.Labels[f]) tp++; else fp++; }
                }
            }
            var precision = tp + fp == 0 ? 1.0 : tp / (double)(tp + fp);
            var recall = tp / (double)p;
            Assert.Equal(precision, curve.Precision[i], 12);
            Assert.Equal(recall, curve.Recall[i], 12);
            Assert.Equal(precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall), curve.F1[i], 12);
        }
        Assert.Equal(1.0, curve.Precision[^1]); // nothing is above 1.0
    }

    [Fact]
    public void RetrievalByHand()
    {
        double[] audioByText =
        [
            0.9, 0.1, 0.3,
            0.2, 0.5, 0.8,
            0.1, 0.4, 0.7,
        ];
        var (t2a, a2t) = RetrievalMetrics.Bidirectional(audioByText, 3, [0, 1, 2]);
        // Text 2's audio (0.7) is beaten by audio 1 (0.8): ranks 1, 1, 2.
        Assert.Equal(new RetrievalResult(2 / 3.0, 1, 1, 2.5 / 3, 4 / 3.0, 1), t2a);
        // Audio 1's text (0.5) is beaten by text 2 (0.8): ranks 1, 2, 1.
        Assert.Equal(new RetrievalResult(2 / 3.0, 1, 1, 2.5 / 3, 4 / 3.0, 1), a2t);
    }

    [Fact]
    public void AveragePrecisionWithSeveralRelevantItems()
    {
        // One query, relevant items at ranks 1 and 3 of 12: AP@10 = (1/1 + 2/3) / 2; one relevant at rank 11: 0.
        double[] sim = [.. Enumerable.Range(0, 12).Select(i => 1.0 - i / 12.0)];
        Assert.Equal((1 + 2 / 3.0) / 2, RetrievalMetrics.Compute(sim, 1, [[0, 2]]).MeanAveragePrecisionAt10, 12);
        var far = RetrievalMetrics.Compute(sim, 1, [[10]]);
        Assert.Equal((0.0, 0.0, 11.0), (far.MeanAveragePrecisionAt10, far.RecallAt10, far.MeanRank));
    }

    [Fact]
    public void RetrievalRanksEqualSortedPositions()
    {
        var rng = new Random(4);
        const int rows = 15, cols = 40;
        var sim = Enumerable.Range(0, rows * cols).Select(_ => rng.NextDouble()).ToArray();
        var truth = Enumerable.Range(0, rows).Select(_ => rng.Next(cols)).ToArray();
        var r = RetrievalMetrics.Compute(sim, rows, [.. truth.Select(t => (IReadOnlyList<int>)[t])]);
        var ranks = Enumerable.Range(0, rows).Select(q =>
            1 + Enumerable.Range(0, cols).OrderByDescending(c => sim[q * cols + c]).ToList().IndexOf(truth[q])).ToArray();
        Assert.Equal(ranks.Average(), r.MeanRank, 12);
        Assert.Equal(ranks.Count(x => x <= 5) / (double)rows, r.RecallAt5, 12);
        Assert.Equal(ranks.Sum(x => x <= 10 ? 1.0 / x : 0) / rows, r.MeanAveragePrecisionAt10, 12);
    }

    [Fact]
    public void ZeroShotTopKByHand()
    {
        double[] logits =
        [
            0.1, 0.9, 0.0, 0.0, 0.0, 0.0,   // true 1: top-1
            0.5, 0.4, 0.3, 0.2, 0.1, 0.0,   // true 4: 4 higher, top-5 only
            0.0, 0.1, 0.2, 0.3, 0.4, 0.5,   // true 0: 5 higher, neither
            0.2, 0.2, 0.0, 0.0, 0.0, 0.0,   // true 1: tie with class 0 counts as top-1
        ];
        Assert.Equal([0.5, 0.75], ZeroShotMetrics.TopKAccuracy(logits, 6, [1, 4, 0, 1], 1, 5));
    }
    [Fact]
    public void Episode_top1_averages_the_accuracy_among_the_drawn_classes()
    {
        double[] logits =
        [
            0.5, 0.9, 0.1,   // true 0: beaten by class 1 only
            0.0, 0.8, 0.2,   // true 1: always right
            0.1, 0.7, 0.0,   // true 1: always right
            0.3, 0.4, 0.1,   // true 2: beaten by both
        ];
        int[] truth = [0, 1, 1, 2];
        // 2-way: {0,1} 2/3, {0,2} 1/2, {1,2} 2/3, drawn equally often.
        Assert.Equal((2.0 / 3 + 0.5 + 2.0 / 3) / 3, ZeroShotMetrics.EpisodeTop1(logits, 3, truth, 2, episodes: 4000), 2);
        // As many ways as classes: plain top-1.
        Assert.Equal(ZeroShotMetrics.TopKAccuracy(logits, 3, truth, 1)[0], ZeroShotMetrics.EpisodeTop1(logits, 3, truth, 3));
        Assert.Equal(0.5, ZeroShotMetrics.EpisodeTop1(logits, 3, truth, 11));
        Assert.Equal(ZeroShotMetrics.EpisodeTop1(logits, 3, truth, 2, 50, seed: 7), ZeroShotMetrics.EpisodeTop1(logits, 3, truth, 2, 50, seed: 7));
        Assert.Throws<ArgumentException>(() => ZeroShotMetrics.EpisodeTop1(logits, 3, truth, 1));
    }
}
