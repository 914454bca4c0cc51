namespace Flam.Evaluation;

/// <summary>
/// Continuous-time median filtering of piecewise-constant score curves (sed_scores_eval
/// <c>postprocessing.medfilt</c>): the filtered score at time t is the median of the scores over the window
/// [t − w/2, t + w/2], every constant piece weighted by its overlap with the window and the curve taken as −∞
/// outside the clip. The result is again piecewise constant; its boundaries are the times where the median of
/// some class changes (rounded to the time decimals). A class with w = 0 keeps its frames. On a uniform grid a
/// window of an odd number of frames equals a discrete median filter with −∞ padding.
/// </summary>
public static class NegativeInfinityPaddedMedianFilter
{
    /// <summary>Filters every clip; <paramref name="filterLengths"/> holds one length in seconds or one per class.</summary>
    public static InMemorySedScoreSet Apply(SedScoreSet scores, IReadOnlyList<double> filterLengths, int timeDecimals = 6)
    {
        var classes = scores.EventClasses.Count;
        if (filterLengths.Count != 1 && filterLengths.Count != classes)
        {
            throw new FlamException($"Expected 1 or {classes} median filter lengths but got {filterLengths.Count}.");
        }
        if (filterLengths.Any(w => !(w >= 0) || !double.IsFinite(w)))
        {
            throw new FlamException("Median filter lengths must be finite and ≥ 0 seconds.");
        }
        var clips = new List<SedClipScores>(scores.ClipIds.Count);
        var buffer = new double[scores.MaxFrameCount()];
        for (var clip = 0; clip < scores.ClipIds.Count; clip++)
        {
            var t = scores.Timestamps(clip).ToArray();
            var changes = new List<(double Time, int Class, double Value)>();
            for (var k = 0; k < classes; k++)
            {
                var y = buffer.AsSpan(0, t.Length - 1);
                scores.CopyScores(clip, k, y);
                var w = filterLengths[filterLengths.Count == 1 ? 0 : k];
                foreach (var (time, value) in ClassChanges(t, y.ToArray(), w, timeDecimals))
                {
                    changes.Add((TimeRounding.Round(time, timeDecimals), k, value));
                }
            }
            clips.Add(Merge(scores.ClipIds[clip], changes, classes, t, timeDecimals));
        }
        return new InMemorySedScoreSet(scores.EventClasses, clips);
    }

    private static SedClipScores Merge(string id, List<(double Time, int Class, double Value)> changes, int classes, double[] t, int decimals)
    {
        var eps = Math.Pow(10, -decimals - 1);
        var ordered = changes.Select((c, i) => (c, i)).OrderBy(x => x.c.Time).ThenBy(x => x.i).Select(x => x.c).ToList();
        var times = new List<double>();
        var rows = new List<double[]>();
        var current = Enumerable.Repeat(double.NegativeInfinity, classes).ToArray();
        var currentTime = double.NegativeInfinity;
        foreach (var (time, k, value) in ordered)
        {
            if (time > currentTime + eps)
            {
                times.Add(time);
                rows.Add((double[])current.Clone());
                currentTime = time;
            }
            current[k] = value;
        }
        if (times.Count < 2)
        {
            return new SedClipScores(id, [t[0], t[^1]], Enumerable.Repeat(double.NegativeInfinity, classes).ToArray());
        }
        // rows[j] holds the values before times[j]; the piece [times[j], times[j+1]) has rows[j + 1].
        var frames = times.Count - 1;
        var matrix = new double[classes * frames];
        for (var j = 0; j < frames; j++)
        {
            for (var k = 0; k < classes; k++)
            {
                matrix[k * frames + j] = rows[j + 1][k];
            }
        }
        var stamps = times.Select(x => TimeRounding.Round(x + eps, decimals)).ToArray();
        return new SedClipScores(id, stamps, matrix);
    }

    /// <summary>(time, new value) whenever the filtered curve of one class changes, starting with its first value.</summary>
    internal static List<(double Time, double Value)> ClassChanges(double[] t, double[] y, double w, int decimals)
    {
        var n = y.Length;
        var result = new List<(double, double)>();
        if (w == 0)
        {
            for (var i = 0; i < n; i++) result.Add((t[i], y[i]));
            result.Add((t[n], double.NegativeInfinity));
            return result;
        }
        var eps = Math.Pow(10, -decimals - 1);
        var half = w / 2;
        // Padded pieces: 0 = (-inf, t0), 1..n = frames, n + 1 = (tN, +inf), both pads scored -inf.
        double Start(int j) => j == 0 ? double.NegativeInfinity : t[j - 1];
        double End(int j) => j == n + 1 ? double.PositiveInfinity : t[j];
        double Value(int j) => j == 0 || j == n + 1 ? double.NegativeInfinity : y[j - 1];
        int PieceAt(double time)
        {
            if (time < t[0]) return 0;
            if (time >= t[n]) return n + 1;
            int lo = 0, hi = n - 1;   // last frame with t[i] <= time
            while (lo < hi)
            {
                var mid = (lo + hi + 1) >> 1;
                if (t[mid] <= time) lo = mid; else hi = mid - 1;
            }
            return lo + 1;
        }
        var breakpoints = t.Select(x => TimeRounding.Round(x - half, decimals + 2))
            .Concat(t.Select(x => TimeRounding.Round(x + half, decimals + 2))).Order().ToArray();
        var median = double.NegativeInfinity;
        var values = new List<double>();
        var masses = new List<double>();
        for (var i = 1; i < breakpoints.Length; i++)
        {
            double a = breakpoints[i - 1], b = breakpoints[i];
            if (b - a < eps) continue;
            var mid = (a + b) / 2;
            int left = PieceAt(mid - half), right = PieceAt(mid + half);
            if (left == right) continue;
            double sLeft = Value(left), sRight = Value(right);
            if (sLeft == sRight) continue;
            values.Clear();
            masses.Clear();
            for (var j = left; j <= right; j++)
            {
                var from = j == left ? a - half : Start(j);
                var to = j == right ? a + half : End(j);
                values.Add(Value(j));
                masses.Add(Math.Max(to - from, 0.0));
            }
            var up = sLeft < sRight;
            while (true)
            {
                double below = 0, atOrBelow = 0;
                for (var j = 0; j < values.Count; j++)
                {
                    if (values[j] < median) below += masses[j];
                    if (values[j] <= median) atOrBelow += masses[j];
                }
                // Mass flows from the left piece to the right one at unit rate.
                double change;
                if (up)
                {
                    if (!(median >= sLeft && median < sRight)) break;
                    change = a + (atOrBelow - half);
                }
                else
                {
                    if (!(median > sRight && median <= sLeft)) break;
                    change = a + (half - below);
                }
                if (change >= b) break;
                var next = up ? values.Where(v => v > median).Min() : values.Where(v => v < median).Max();
                median = next;
                result.Add((Math.Max(change, a), median));
            }
        }
        return result;
    }
}
