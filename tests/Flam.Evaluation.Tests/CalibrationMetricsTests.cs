using Flam.Evaluation;

namespace Flam.Tests.Evaluation;

/// <summary>
/// <see cref="CalibrationMetrics"/> against numbers worked out by hand on a tiny score set, and against a naive twin
/// (one pass per query and per bin, straight from the definitions) on random tracks.
/// </summary>
public sealed class CalibrationMetricsTests
{
    // "dog": 2 clips. Above 0.5: 0.9 (T), 0.7 (F), 0.6 (T), 0.55 (T) → precision 3/4; frames 8, positives 4.
    // "car": above 0.5: 0.8 (F), 1.0 (F) → precision 0; frames 5, positives 1.
    // "rain": never above 0.5 (0.5 itself is not above) → does not fire.
    private static readonly FrameTrack[] Tracks =
    [
        new("c1", "dog", [0.9, 0.7, 0.2, 0.05], [true, false, true, false]),
        new("c2", "dog", [0.6, 0.55, 0.3, 0.1], [true, true, false, false]),
        new("c1", "car", [0.8, 0.4, 0.45, 0.0, 1.0], [false, true, false, false, false]),
        new("c2", "rain", [0.5, 0.5, 0.15, 1.0 / 3], [true, false, false, false]),
    ];

    [Fact]
    public void PrecisionPerQueryMatchesHandCounts()
    {
        var r = CalibrationMetrics.Compute(Tracks);
        Assert.Equal(["car", "dog", "rain"], r.Queries.Select(q => q.Text));
        var dog = r.Queries[1];
        Assert.Equal((8L, 4L, 4L, 3L), (dog.Frames, dog.PositiveFrames, dog.FramesAbove, dog.TruePositivesAbove));
        Assert.Equal(0.75, dog.Precision, 12);
        Assert.Equal(0.5, dog.PositiveRate, 12);
        Assert.Equal(0.0, r.Queries[0].Precision, 12);
        Assert.Equal(0.2, r.Queries[0].PositiveRate, 12);
        Assert.False(r.Queries[2].Fires);
        Assert.True(double.IsNaN(r.Queries[2].Precision));
        Assert.Equal(2, r.QueriesFiring);
        Assert.Equal(3, r.QueriesTotal);
        Assert.Equal((0.75 + 0.0) / 2, r.MeanPrecision, 12);
        Assert.Equal(0.375, r.MedianPrecision, 12);
        Assert.Equal(3.0 / 6, r.PooledPrecision, 12); // 3 true of 6 frames above 0.5 over all queries
    }

    [Fact]
    public void ReliabilityBinsMatchHandCounts()
    {
        var r = CalibrationMetrics.Compute(Tracks);
        Assert.Equal(10, r.Bins.Count);
        // 17 frames. Bin 0 [0, 0.1): 0.05 (F), 0.0 (F) → mean 0.025, observed 0. Bin 1 [0.1, 0.2): 0.1 (F), 0.15 (F).
        // Bin 2: 0.2 (T). Bin 3: 0.3 (F), 1/3 (F). Bin 4: 0.4 (T), 0.45 (F). Bin 5: 0.5 (T), 0.5 (F), 0.55 (T).
        // Bin 6: 0.6 (T). Bin 7: 0.7 (F). Bin 8: 0.8 (F). Bin 9: 0.9 (T), 1.0 (F) — 1 falls into the last bin.
        long[] frames = [2, 2, 1, 2, 2, 3, 1, 1, 1, 2];
        double[] mean = [0.025, 0.125, 0.2, (0.3 + 1.0 / 3) / 2, 0.425, 1.55 / 3, 0.6, 0.7, 0.8, 0.95];
        double[] observed = [0, 0, 1, 0, 0.5, 2.0 / 3, 1, 0, 0, 0.5];
        for (var b = 0; b < 10; b++)
        {
            Assert.Equal(b / 10.0, r.Bins[b].Lower, 12);
            Assert.Equal(frames[b], r.Bins[b].Frames);
            Assert.Equal(mean[b], r.Bins[b].MeanPredicted, 12);
            Assert.Equal(observed[b], r.Bins[b].ObservedPositive, 12);
        }
        var ece = Enumerable.Range(0, 10).Sum(b => frames[b] / 17.0 * Math.Abs(mean[b] - observed[b]));
        Assert.Equal(ece, r.ExpectedCalibrationError, 12);
    }

    [Fact]
    public void MatchesNaiveTwinOnRandomTracks()
    {
        var random = new Random(3);
        string[] texts = ["a", "b", "c", "d"];
        var tracks = Enumerable.Range(0, 30).Select(i => new FrameTrack($"clip{i / 3}", texts[random.Next(texts.Length)],
            [.. Enumerable.Range(0, 20).Select(_ => Math.Round(random.NextDouble(), 2))],
            [.. Enumerable.Range(0, 20).Select(_ => random.NextDouble() < 0.3)])).ToList();
        const double threshold = 0.35;
        var r = CalibrationMetrics.Compute(tracks, threshold, bins: 5);

        // Twin: per query, list every (score, label) and count with LINQ.
        var precisions = new List<double>();
        foreach (var text in texts.Where(t => tracks.Any(k => k.Text == t)).Order(StringComparer.Ordinal))
        {
            var frames = tracks.Where(t => t.Text == text).SelectMany(t => t.Scores.Zip(t.Labels)).ToList();
            var above = frames.Where(f => f.First > threshold).ToList();
            var q = r.Queries.Single(x => x.Text == text);
            Assert.Equal(above.Count, q.FramesAbove);
            if (above.Count > 0)
            {
                precisions.Add(above.Count(f => f.Second) / (double)above.Count);
                Assert.Equal(precisions[^1], q.Precision, 12);
            }
        }
        Assert.Equal(precisions.Average(), r.MeanPrecision, 12);
        var all = tracks.SelectMany(t => t.Scores.Zip(t.Labels)).ToList();
        var allAbove = all.Where(f => f.First > threshold).ToList();
        Assert.Equal(allAbove.Count(f => f.Second) / (double)allAbove.Count, r.PooledPrecision, 12);
        var ece = 0.0;
        for (var b = 0; b < 5; b++)
        {
            var inBin = all.Where(f => f.First >= b / 5.0 && (f.First < (b + 1) / 5.0 || (b == 4 && f.First <= 1))).ToList();
            Assert.Equal(inBin.Count, r.Bins[b].Frames);
            if (inBin.Count == 0) continue;
            var gap = Math.Abs(inBin.Average(f => f.First) - inBin.Count(f => f.Second) / (double)inBin.Count);
            ece += inBin.Count / (double)all.Count * gap;
        }
        Assert.Equal(ece, r.ExpectedCalibrationError, 12);
    }

    [Fact]
    public void NothingFiringGivesNaNSummaries()
    {
        var r = CalibrationMetrics.Compute([new FrameTrack("c", "quiet", [0.1, 0.2], [true, false])]);
        Assert.Equal(0, r.QueriesFiring);
        Assert.True(double.IsNaN(r.MeanPrecision));
        Assert.True(double.IsNaN(r.MedianPrecision));
        Assert.True(double.IsNaN(r.PooledPrecision));
        // Bin 1: 0.1 (positive) → |0.1 − 1| = 0.9; bin 2: 0.2 (negative) → 0.2; each holds half of the frames.
        Assert.Equal(0.5 * 0.9 + 0.5 * 0.2, r.ExpectedCalibrationError, 12);
    }
}
