namespace Flam.Evaluation.IntersectionBased;

/// <summary>
/// Intersection-based counts of one class at every operating point "threshold just below s" (frames with
/// score ≥ s are active, every maximal run of active frames is a detection), over all clips.
/// </summary>
/// <param name="Scores">Distinct change-point scores, descending, preceded by +∞ (nothing detected).</param>
/// <param name="Tps">Ground-truth events meeting the GTC at each point.</param>
/// <param name="Fps">Detections failing the DTC at each point.</param>
/// <param name="CrossTriggerRate">Σ over the other classes c' of cross-triggers on c' / max(T<sub>c'</sub>, 1e-12 s) (0 without CTTC).</param>
/// <param name="NRef">Ground-truth events of the class.</param>
public sealed record IntersectionOperatingPoints(double[] Scores, long[] Tps, long[] Fps, double[] CrossTriggerRate, long NRef);

/// <summary>
/// Computes intersection-based statistics (Bilen et al., ICASSP 2020) for all thresholds at once with the
/// change-point idea of Ebbers et al. (ICASSP 2022), organised as a sweep: per clip and class, frames are
/// activated in descending score order and detections are maintained with a union-find over frames, so only
/// the detection that grows or merges and the ground-truth events under it are re-evaluated. The count deltas
/// of all clips are then sorted once per class and accumulated. Clips without target events (and without
/// cross-trigger candidates) take the shortcut of the reference: every local maximum adds and every local
/// minimum removes one false positive.
/// </summary>
public static class IntersectionStatistics
{
    internal readonly record struct Delta(double Score, int Tp, int Fp, double CtRate);

    /// <summary>Operating points of every class (memory: all classes' points at once; PSDS uses one class at a time).</summary>
    public static IntersectionOperatingPoints[] OperatingPoints(SedEvaluationSet set, IntersectionOptions options) =>
        [.. Enumerable.Range(0, set.EventClasses.Count).Select(c => OperatingPoints(set, c, options))];

    /// <summary>Operating points of one class over all clips.</summary>
    public static IntersectionOperatingPoints OperatingPoints(SedEvaluationSet set, int eventClass, IntersectionOptions options)
    {
        options.Validate();
        var k = set.EventClasses.Count;
        var sweep = new Sweep(set.Scores.MaxFrameCount());
        var ctWeight = new double[k];
        for (var o = 0; o < k; o++)
        {
            ctWeight[o] = 1.0 / Math.Max(set.EventDuration(o), 1e-12);
        }
        var deltas = new List<Delta>();
        var others = new List<int>();
        for (var clip = 0; clip < set.ClipCount; clip++)
        {
            others.Clear();
            if (options.CttcThreshold is not null)
            {
                for (var o = 0; o < k; o++)
                {
                    if (o != eventClass && set.Onsets(clip, o).Length > 0) others.Add(o);
                }
            }
            sweep.Run(set, clip, eventClass, others, ctWeight, options, deltas);
        }
        return Accumulate(deltas, set.EventCount(eventClass));
    }

    /// <summary>Counts of one class at a fixed threshold (detections: runs of scores strictly above it).</summary>
    public static (long Tps, long Fps, long[] CrossTriggers) CountsAtThreshold(SedEvaluationSet set, int eventClass, double threshold, IntersectionOptions options)
    {
        options.Validate();
        var k = set.EventClasses.Count;
        long tps = 0, fps = 0;
        var cts = new long[k];
        var buffer = new double[set.Scores.MaxFrameCount()];
        for (var clip = 0; clip < set.ClipCount; clip++)
        {
            var t = set.Scores.Timestamps(clip);
            var y = buffer.AsSpan(0, t.Length - 1);
            set.Scores.CopyScores(clip, eventClass, y);
            var runs = EventDetection.Runs(y, threshold);
            var on = set.Onsets(clip, eventClass);
            var off = set.Offsets(clip, eventClass);
            var dtc = new bool[runs.Count];
            for (var r = 0; r < runs.Count; r++)
            {
                double a = t[runs[r].Start], b = t[runs[r].End + 1];
                dtc[r] = Relevant(a, b, on, off, options);
                if (dtc[r]) continue;
                fps++;
                if (options.CttcThreshold is { } cttc)
                {
                    for (var o = 0; o < k; o++)
                    {
                        if (o != eventClass && Covered(a, b, set.Onsets(clip, o), set.Offsets(clip, o), cttc, options.TimeDecimals)) cts[o]++;
                    }
                }
            }
            for (var g = 0; g < on.Length; g++)
            {
                var sum = 0.0;
                for (var r = 0; r < runs.Count; r++)
                {
                    if (dtc[r]) sum += Intersection(t[runs[r].Start], t[runs[r].End + 1], on[g], off[g]);
                }
                if (MeetsGtc(sum, on[g], off[g], options)) tps++;
            }
        }
        return (tps, fps, cts);
    }

    internal static double Intersection(double a, double b, double on, double off) => Math.Max(Math.Min(b, off) - Math.Max(a, on), 0.0);

    /// <summary>Σ of intersections of [a, b) with sorted, disjoint events.</summary>
    internal static double TotalIntersection(double a, double b, ReadOnlySpan<double> on, ReadOnlySpan<double> off)
    {
        var sum = 0.0;
        for (var g = FirstEndingAfter(off, a); g < on.Length && on[g] < b; g++)
        {
            sum += Intersection(a, b, on[g], off[g]);
        }
        return sum;
    }

    internal static bool Relevant(double a, double b, ReadOnlySpan<double> on, ReadOnlySpan<double> off, IntersectionOptions o) =>
        Covered(a, b, on, off, o.DtcThreshold, o.TimeDecimals);

    internal static bool Covered(double a, double b, ReadOnlySpan<double> on, ReadOnlySpan<double> off, double fraction, int decimals) =>
        b > a && TimeRounding.Round(TotalIntersection(a, b, on, off), decimals) >= TimeRounding.Round(fraction * (b - a), decimals);

    internal static bool MeetsGtc(double relevantIntersection, double on, double off, IntersectionOptions o) =>
        TimeRounding.Round(relevantIntersection, o.TimeDecimals) >= TimeRounding.Round(o.GtcThreshold * (off - on), o.TimeDecimals);

    private static int FirstEndingAfter(ReadOnlySpan<double> off, double a)
    {
        int lo = 0, hi = off.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (off[mid] > a) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    internal static IntersectionOperatingPoints Accumulate(List<Delta> deltas, long nRef)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(deltas);
        var keys = new double[span.Length];
        for (var i = 0; i < keys.Length; i++) keys[i] = span[i].Score;
        var index = new int[span.Length];
        for (var i = 0; i < index.Length; i++) index[i] = i;
        Array.Sort(keys, index);
        var scores = new List<double> { double.PositiveInfinity };
        var tps = new List<long> { 0 };
        var fps = new List<long> { 0 };
        var ct = new List<double> { 0.0 };
        long tp = 0, fp = 0;
        var rate = 0.0;
        for (var i = keys.Length - 1; i >= 0;)
        {
            var s = keys[i];
            for (; i >= 0 && keys[i] == s; i--)
            {
                var d = span[index[i]];
                tp += d.Tp;
                fp += d.Fp;
                rate += d.CtRate;
            }
            scores.Add(s);
            tps.Add(tp);
            fps.Add(fp);
            ct.Add(rate);
        }
        return new IntersectionOperatingPoints([.. scores], [.. tps], [.. fps], [.. ct], nRef);
    }

    /// <summary>Per clip and class sweep over descending scores; buffers are reused across calls.</summary>
    private sealed class Sweep(int maxFrames)
    {
        private readonly double[] _y = new double[maxFrames];
        private readonly double[] _keys = new double[maxFrames];
        private readonly int[] _order = new int[maxFrames];
        private readonly bool[] _active = new bool[maxFrames];
        private readonly int[] _parent = new int[maxFrames];
        private readonly int[] _start = new int[maxFrames];
        private readonly int[] _end = new int[maxFrames];
        private readonly bool[] _dtc = new bool[maxFrames];
        private bool[] _gtOk = new bool[16];
        private int[] _gtFirstFrame = new int[16];
        private int[] _ct = new int[16];
        private int[] _ctPrev = new int[16];

        public void Run(SedEvaluationSet set, int clip, int eventClass, List<int> others, double[] ctWeight,
            IntersectionOptions o, List<Delta> output)
        {
            var t = set.Scores.Timestamps(clip);
            var n = t.Length - 1;
            var y = _y.AsSpan(0, n);
            set.Scores.CopyScores(clip, eventClass, y);
            var on = set.Onsets(clip, eventClass);
            var off = set.Offsets(clip, eventClass);
            if (on.Length == 0 && others.Count == 0)
            {
                // Without events nothing is relevant: each local maximum starts and each local minimum ends a false positive.
                for (var i = 0; i < n; i++)
                {
                    var prev = i > 0 ? y[i - 1] : double.NegativeInfinity;
                    var next = i < n - 1 ? y[i + 1] : double.NegativeInfinity;
                    var d = (y[i] > prev ? 1 : 0) - (next > y[i] ? 1 : 0);
                    if (d != 0) output.Add(new Delta(y[i], 0, d, 0.0));
                }
                return;
            }
            Ensure(ref _gtOk, on.Length);
            Ensure(ref _gtFirstFrame, on.Length);
            Ensure(ref _ct, others.Count);
            Ensure(ref _ctPrev, others.Count);
            for (var g = 0; g < on.Length; g++)
            {
                _gtOk[g] = false;
                int lo = 0, hi = n - 1;   // first frame whose offset is after the event onset
                while (lo < hi)
                {
                    var mid = (lo + hi) >> 1;
                    if (t[mid + 1] > on[g]) hi = mid; else lo = mid + 1;
                }
                _gtFirstFrame[g] = lo;
            }
            Array.Clear(_ct, 0, others.Count);
            Array.Clear(_ctPrev, 0, others.Count);
            Array.Clear(_active, 0, n);
            for (var i = 0; i < n; i++)
            {
                _keys[i] = y[i];
                _order[i] = i;
            }
            Array.Sort(_keys, _order, 0, n);

            int tp = 0, fp = 0, prevTp = 0, prevFp = 0;
            for (var i = n - 1; i >= 0;)
            {
                var s = _keys[i];
                for (; i >= 0 && _keys[i] == s; i--)
                {
                    Activate(_order[i], t, n, on, off, set, clip, others, o, ref tp, ref fp);
                }
                var ctChanged = false;
                var rate = 0.0;
                for (var m = 0; m < others.Count; m++)
                {
                    if (_ct[m] != _ctPrev[m])
                    {
                        ctChanged = true;
                        rate += (_ct[m] - _ctPrev[m]) * ctWeight[others[m]];
                        _ctPrev[m] = _ct[m];
                    }
                }
                if (tp != prevTp || fp != prevFp || ctChanged)
                {
                    output.Add(new Delta(s, tp - prevTp, fp - prevFp, rate));
                    prevTp = tp;
                    prevFp = fp;
                }
            }
        }

        private void Activate(int j, ReadOnlySpan<double> t, int n, ReadOnlySpan<double> on, ReadOnlySpan<double> off,
            SedEvaluationSet set, int clip, List<int> others, IntersectionOptions o, ref int tp, ref int fp)
        {
            _active[j] = true;
            _parent[j] = j;
            int start = j, end = j;
            if (j > 0 && _active[j - 1])
            {
                var r = Find(j - 1);
                Remove(r, t, set, clip, others, o, ref fp);
                start = _start[r];
                _parent[r] = j;
            }
            if (j < n - 1 && _active[j + 1])
            {
                var r = Find(j + 1);
                Remove(r, t, set, clip, others, o, ref fp);
                end = _end[r];
                _parent[r] = j;
            }
            _start[j] = start;
            _end[j] = end;
            double a = t[start], b = t[end + 1];
            _dtc[j] = Relevant(a, b, on, off, o);
            if (!_dtc[j])
            {
                fp++;
                CrossTriggers(a, b, set, clip, others, o, +1);
            }
            // Only events under the grown detection can change their GTC status.
            for (var g = FirstEndingAfter(off, a); g < on.Length && on[g] < b; g++)
            {
                var sum = 0.0;
                for (var f = _gtFirstFrame[g]; f < n && t[f] < off[g];)
                {
                    if (!_active[f])
                    {
                        f++;
                        continue;
                    }
                    var r = Find(f);
                    if (_dtc[r]) sum += Intersection(t[_start[r]], t[_end[r] + 1], on[g], off[g]);
                    f = _end[r] + 1;
                }
                var ok = MeetsGtc(sum, on[g], off[g], o);
                if (ok != _gtOk[g])
                {
                    tp += ok ? 1 : -1;
                    _gtOk[g] = ok;
                }
            }
        }

        private void Remove(int r, ReadOnlySpan<double> t, SedEvaluationSet set, int clip, List<int> others, IntersectionOptions o, ref int fp)
        {
            if (_dtc[r]) return;
            fp--;
            CrossTriggers(t[_start[r]], t[_end[r] + 1], set, clip, others, o, -1);
        }

        private void CrossTriggers(double a, double b, SedEvaluationSet set, int clip, List<int> others, IntersectionOptions o, int sign)
        {
            if (o.CttcThreshold is not { } cttc) return;
            for (var m = 0; m < others.Count; m++)
            {
                if (Covered(a, b, set.Onsets(clip, others[m]), set.Offsets(clip, others[m]), cttc, o.TimeDecimals)) _ct[m] += sign;
            }
        }

        private int Find(int x)
        {
            while (_parent[x] != x)
            {
                _parent[x] = _parent[_parent[x]];
                x = _parent[x];
            }
            return x;
        }

        private static void Ensure<T>(ref T[] array, int size)
        {
            if (array.Length < size) array = new T[Math.Max(size, array.Length * 2)];
        }
    }
}
