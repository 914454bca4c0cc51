using Flam.Audio;

namespace Flam.Synthesis;

/// <summary>A half-open run of label frames [<paramref name="Start"/>, <paramref name="End"/>).</summary>
/// <param name="Start">First active frame.</param>
/// <param name="End">One past the last active frame.</param>
public readonly record struct FrameRun(int Start, int End)
{
    /// <summary>Number of frames.</summary>
    public int Length => End - Start;
}

/// <summary>
/// The frame-wise loudness analysis of an event and the C.4 relabelling. Frame <c>j</c> is the hop cell
/// [j·hop, (j+1)·hop) of the signal; window <c>i</c> covers [i·hop, i·hop + window) (zero-padded past the end).
/// With window = 2·hop every cell lies in windows j−1 and j, and a cell is active only when both windows that contain
/// it are loud: an onset or a short click then lights the cells that hold it, not the neighbours the long window
/// smears it into.
/// </summary>
public static class EventActivity
{
    /// <summary>Number of label frames (hop cells) of a signal of <paramref name="samples"/> samples.</summary>
    public static int FrameCount(int samples, int hop) => (samples + hop - 1) / hop;

    /// <summary>Mean-square power of each window of <paramref name="weighted"/> (FrameCount windows, zero-padded past the end).</summary>
    public static double[] WindowPowers(ReadOnlySpan<float> weighted, int window, int hop)
    {
        var count = FrameCount(weighted.Length, hop);
        // Prefix sums of squares make every window O(1); double keeps 10 s sums exact enough.
        var prefix = new double[weighted.Length + 1];
        for (var n = 0; n < weighted.Length; n++)
        {
            prefix[n + 1] = prefix[n] + (double)weighted[n] * weighted[n];
        }
        var powers = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = (long)i * hop;
            var end = Math.Min(start + window, weighted.Length);
            powers[i] = (prefix[end] - prefix[start]) / window;
        }
        return powers;
    }

    /// <summary>Cells whose covering windows are all at or above <paramref name="thresholdPower"/> (see the class remarks).</summary>
    public static bool[] ActiveFrames(ReadOnlySpan<double> windowPowers, double thresholdPower, int window, int hop)
    {
        // Windows that contain cell j: i = j - (window/hop - 1) .. j, clipped to the existing windows.
        var span = Math.Max(1, window / hop);
        var active = new bool[windowPowers.Length];
        for (var j = 0; j < active.Length; j++)
        {
            var on = true;
            for (var i = Math.Max(0, j - span + 1); i <= j && on; i++)
            {
                on = windowPowers[i] >= thresholdPower;
            }
            active[j] = on;
        }
        return active;
    }

    /// <summary>C.4 step 1: inactive runs shorter than <paramref name="minGap"/> frames that lie between active frames become active.</summary>
    public static void FillGaps(bool[] active, int minGap)
    {
        foreach (var gap in Runs(active, value: false))
        {
            if (gap.Start > 0 && gap.End < active.Length && gap.Length < minGap)
            {
                Array.Fill(active, true, gap.Start, gap.Length);
            }
        }
    }

    /// <summary>C.4 step 2: active runs shorter than <paramref name="minRun"/> frames are removed when the event has more than <paramref name="shortEvent"/> frames.</summary>
    public static void RemoveShortRuns(bool[] active, int minRun, int shortEvent)
    {
        if (active.Length <= shortEvent)
        {
            return;
        }
        foreach (var run in Runs(active, value: true))
        {
            if (run.Length < minRun)
            {
                Array.Fill(active, false, run.Start, run.Length);
            }
        }
    }

    /// <summary>Maximal runs of frames equal to <paramref name="value"/>, in order.</summary>
    public static List<FrameRun> Runs(ReadOnlySpan<bool> frames, bool value = true)
    {
        var runs = new List<FrameRun>();
        var start = -1;
        for (var j = 0; j <= frames.Length; j++)
        {
            var match = j < frames.Length && frames[j] == value;
            if (match && start < 0)
            {
                start = j;
            }
            else if (!match && start >= 0)
            {
                runs.Add(new FrameRun(start, j));
                start = -1;
            }
        }
        return runs;
    }

    /// <summary>A-weighted window powers of a signal at the filter's rate.</summary>
    public static double[] AnalysePowers(ReadOnlySpan<float> signal, AWeightingFilter filter, LabelOptions options)
    {
        var weighted = filter.Apply(signal);
        return WindowPowers(weighted, options.Window, options.Hop);
    }

    /// <summary>
    /// The labelled frames of a signal: active relative to <paramref name="referencePower"/> (the event's loudest window),
    /// then gap filling and short-run removal. Returns the active runs.
    /// </summary>
    public static List<FrameRun> Label(ReadOnlySpan<double> windowPowers, double referencePower, LabelOptions options)
    {
        var threshold = referencePower * Math.Pow(10, options.ThresholdDb / 10);
        var active = ActiveFrames(windowPowers, threshold, options.Window, options.Hop);
        FillGaps(active, options.MinGapFrames);
        RemoveShortRuns(active, options.MinRunFrames, options.ShortEventFrames);
        return Runs(active);
    }

    /// <summary>Power in dB (10·log10), with a floor so silence gives a finite number.</summary>
    public static double PowerDb(double power) => 10 * Math.Log10(Math.Max(power, 1e-20));
}
