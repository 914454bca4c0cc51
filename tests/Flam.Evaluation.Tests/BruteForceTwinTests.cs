using Flam.Evaluation;
using Flam.Evaluation.CollarBased;
using Flam.Evaluation.IntersectionBased;
using Flam.Evaluation.SegmentBased;
using SegmentFScore = Flam.Evaluation.SegmentBased.FScore;

namespace Flam.Tests.Evaluation;

/// <summary>The fast metric paths against slow, obviously-right twins on random data.</summary>
public class BruteForceTwinTests
{
    /// <summary>Random clips on a 0.01 s-multiple frame grid with quantised scores (many ties) and non-touching events.</summary>
    private static SedEvaluationSet RandomSet(int seed, int clips = 12, int classes = 3)
    {
        var rng = new Random(seed);
        var names = Enumerable.Range(0, classes).Select(k => $"c{k}").ToArray();
        var clipScores = new List<SedClipScores>();
        var gt = new List<KeyValuePair<string, IReadOnlyList<SedEvent>>>();
        for (var c = 0; c < clips; c++)
        {
            var frames = rng.Next(5, 30);
            var t = new double[frames + 1];
            for (var i = 1; i <= frames; i++) t[i] = Math.Round(t[i - 1] + 0.05 * rng.Next(1, 12), 2);
            var scores = new double[frames * classes];
            for (var i = 0; i < scores.Length; i++) scores[i] = rng.Next(0, 9) / 8.0;
            var id = $"clip{c:D2}";
            clipScores.Add(new SedClipScores(id, t, scores));
            var events = new List<SedEvent>();
            foreach (var name in names)
            {
                var time = 0.0;
                if (c == 0)
                {
                    events.Add(new SedEvent(0.0, 0.1, name)); // every class has an event
                    time = 0.1;
                }
                while (rng.NextDouble() < 0.6)
                {
                    var on = Math.Round(time + 0.05 + rng.NextDouble() * 2, 2);
                    var off = Math.Round(on + 0.05 + rng.NextDouble() * 2, 2);
                    if (off > t[^1] + 0.5) break;
                    events.Add(new SedEvent(on, off, name));
                    time = off;
                }
            }
            gt.Add(new(id, events));
        }
        var durations = clipScores.ToDictionary(x => x.ClipId, x => Math.Round(x.Timestamps[^1] + 0.3, 2));
        return SedEvaluationSet.Create(new InMemorySedScoreSet(names, clipScores), new SedGroundTruth(gt, "random"), new SedDurations(durations, "random"));
    }

    public static IEnumerable<object[]> Seeds => Enumerable.Range(1, 6).Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(Seeds))]
    public void AurocEqualsPairwiseCount(int seed)
    {
        var rng = new Random(seed);
        var pos = Enumerable.Range(0, rng.Next(1, 40)).Select(_ => rng.Next(0, 10) / 9.0).ToArray();
        var neg = Enumerable.Range(0, rng.Next(1, 60)).Select(_ => rng.Next(0, 10) / 9.0).ToArray();
        double wins = 0;
        foreach (var p in pos)
        {
            foreach (var n in neg)
            {
                wins += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }
        var area = RocCurve.FromScores(pos.ToArray(), neg.ToArray()).Area();
        Assert.Equal(wins / (pos.Length * neg.Length), area, 12);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void PartialAurocEqualsIntegralOfStepwiseLinearRoc(int seed)
    {
        var rng = new Random(seed);
        var pos = Enumerable.Range(0, 30).Select(_ => rng.Next(0, 10) / 9.0).ToArray();
        var neg = Enumerable.Range(0, 50).Select(_ => rng.Next(0, 10) / 9.0).ToArray();
        var roc = RocCurve.FromScores(pos.ToArray(), neg.ToArray());
        // Midpoint-rule integral of the piecewise-linear curve up to FPR 0.1.
        const int steps = 200_000;
        var sum = 0.0;
        for (var i = 0; i < steps; i++)
        {
            var x = (i + 0.5) / steps * 0.1;
            var j = Array.FindIndex(roc.Fpr, f => f >= x);
            sum += roc.Tpr[j - 1] + (x - roc.Fpr[j - 1]) / (roc.Fpr[j] - roc.Fpr[j - 1]) * (roc.Tpr[j] - roc.Tpr[j - 1]);
        }
        Assert.Equal(sum / steps, roc.Area(0.1), 6);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void SegmentF1EqualsNaiveSegmentCounting(int seed)
    {
        var set = RandomSet(seed);
        const double length = 0.5, threshold = 0.5;
        var fast = SegmentFScore.Compute(set, [threshold], new SegmentOptions(length));
        for (var k = 0; k < set.EventClasses.Count; k++)
        {
            long tp = 0, fp = 0, nRef = 0;
            for (var clip = 0; clip < set.ClipCount; clip++)
            {
                var t = set.Scores.Timestamps(clip).ToArray();
                var y = new double[t.Length - 1];
                set.Scores.CopyScores(clip, k, y);
                var segments = (int)Math.Ceiling(set.Duration(clip) / length);
                for (var s = 0; s < segments; s++)
                {
                    double a = s * length, b = (s + 1) * length;
                    var score = 0.0;
                    var any = false;
                    for (var f = 0; f < y.Length; f++)
                    {
                        if (t[f] < b && t[f + 1] > a)
                        {
                            score = any ? Math.Max(score, y[f]) : y[f];
                            any = true;
                        }
                    }
                    var on = set.Onsets(clip, k).ToArray();
                    var off = set.Offsets(clip, k).ToArray();
                    var positive = Enumerable.Range(0, on.Length).Any(e => on[e] < b && off[e] > a);
                    nRef += positive ? 1 : 0;
                    if (score > threshold)
                    {
                        if (positive) tp++; else fp++;
                    }
                }
            }
            Assert.Equal((tp, fp, nRef), (fast.Counts[k].Tps, fast.Counts[k].Fps, fast.Counts[k].NRef));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void IntersectionSweepEqualsRecountAtEveryThreshold(int seed)
    {
        var set = RandomSet(seed);
        foreach (var criteria in new[] { new IntersectionOptions(0.7, 0.7), new IntersectionOptions(0.1, 0.1, 0.3) })
        {
            for (var k = 0; k < set.EventClasses.Count; k++)
            {
                var points = IntersectionStatistics.OperatingPoints(set, k, criteria);
                for (var i = 1; i < points.Scores.Length; i++)
                {
                    // "Threshold just below s" is "score > (largest representable value below s)".
                    var (tps, fps, cts) = IntersectionStatistics.CountsAtThreshold(set, k, Math.BitDecrement(points.Scores[i]), criteria);
                    Assert.Equal(tps, points.Tps[i]);
                    Assert.Equal(fps, points.Fps[i]);
                    var rate = Enumerable.Range(0, cts.Length).Sum(o => cts[o] / Math.Max(set.EventDuration(o), 1e-12));
                    Assert.Equal(rate, points.CrossTriggerRate[i], 9);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void KuhnMatchingEqualsExhaustiveSearch(int seed)
    {
        var rng = new Random(seed);
        for (var trial = 0; trial < 50; trial++)
        {
            int left = rng.Next(0, 6), right = rng.Next(1, 6);
            var edges = Enumerable.Range(0, left).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, right).Where(_ => rng.NextDouble() < 0.4).ToList()).ToList();
            Assert.Equal(ExhaustiveMatching(edges, 0, 0), BipartiteMatching.MaximumMatchingSize(edges, right));
        }
    }

    private static int ExhaustiveMatching(List<IReadOnlyList<int>> edges, int left, int usedRight)
    {
        if (left == edges.Count) return 0;
        var best = ExhaustiveMatching(edges, left + 1, usedRight);
        foreach (var r in edges[left])
        {
            if ((usedRight & (1 << r)) == 0) best = Math.Max(best, 1 + ExhaustiveMatching(edges, left + 1, usedRight | (1 << r)));
        }
        return best;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void MedianFilterEqualsWeightedMedianAtPieceCentres(int seed)
    {
        var set = RandomSet(seed, clips: 4);
        var filtered = NegativeInfinityPaddedMedianFilter.Apply(set.Scores, [0.37, 0.81, 0.0]);
        for (var clip = 0; clip < filtered.ClipIds.Count; clip++)
        {
            var t = set.Scores.Timestamps(clip).ToArray();
            var ft = filtered.Timestamps(clip).ToArray();
            for (var k = 0; k < 2; k++)
            {
                var w = k == 0 ? 0.37 : 0.81;
                var y = new double[t.Length - 1];
                set.Scores.CopyScores(clip, k, y);
                var fy = new double[ft.Length - 1];
                filtered.CopyScores(clip, k, fy);
                for (var j = 0; j < fy.Length; j++)
                {
                    var centre = (ft[j] + ft[j + 1]) / 2;
                    Assert.Equal(WeightedMedian(t, y, centre - w / 2, centre + w / 2), fy[j]);
                }
            }
        }
    }

    // Median of the curve over [a, b] (-inf outside the clip): the smallest value whose cumulative weight reaches half.
    private static double WeightedMedian(double[] t, double[] y, double a, double b)
    {
        var pieces = new List<(double Value, double Weight)>
        {
            (double.NegativeInfinity, Math.Max(Math.Min(b, t[0]) - a, 0) + Math.Max(b - Math.Max(a, t[^1]), 0)),
        };
        for (var f = 0; f < y.Length; f++)
        {
            pieces.Add((y[f], Math.Max(Math.Min(b, t[f + 1]) - Math.Max(a, t[f]), 0)));
        }
        var cumulative = 0.0;
        foreach (var (value, weight) in pieces.OrderBy(p => p.Value))
        {
            cumulative += weight;
            if (cumulative > (b - a) / 2) return value;
        }
        throw new InvalidOperationException();
    }
}

/// <summary>PSDS from precomputed operating points (all classes at once) equals the one-class-at-a-time path.</summary>
public class PsdsFromOperatingPointsTests
{
    [Fact]
    public void PrecomputedOperatingPointsGiveTheSamePsds()
    {
        var f = MetricFixture.Load("case04");
        foreach (var options in new[] { PsdsOptions.Psds1, PsdsOptions.Psds2 })
        {
            var points = IntersectionStatistics.OperatingPoints(f.Set, options.Criteria);
            var fromPoints = Psds.FromOperatingPoints(f.Set.EventClasses, points, f.Set.TotalDuration(), options);
            var direct = Psds.Compute(f.Set, options);
            Assert.Equal(direct.Value, fromPoints.Value);
            Assert.Equal(direct.Roc.Etpr, fromPoints.Roc.Etpr);
        }
    }
}
