namespace Flam.Evaluation;

/// <summary>
/// Rounding of time quantities before they are compared with a criterion, as sed_scores_eval does
/// (<c>np.round(x, time_decimals)</c>: scale, round half to even, unscale). Without it a detection whose
/// intersection equals e.g. 0.7 x its length could fail the criterion by one ulp.
/// </summary>
public static class TimeRounding
{
    private static readonly double[] Scales = [.. Enumerable.Range(0, 16).Select(d => Math.Pow(10, d))];

    /// <summary>Rounds <paramref name="seconds"/> to <paramref name="decimals"/> decimals (0-15) like NumPy.</summary>
    public static double Round(double seconds, int decimals)
    {
        var scale = Scales[decimals];
        return Math.Round(seconds * scale, MidpointRounding.ToEven) / scale;
    }
}
