namespace Flam.Inference;

/// <summary>
/// Running median over a probability curve, the post-processing the paper evaluates with (3 frames).
/// </summary>
/// <remarks>
/// Edges repeat the first and last value ("nearest"), so the output has the input's length and an isolated
/// spike at the very first frame is removed like any other. For length 3 this equals the default
/// <c>reflect</c> mode of <c>scipy.ndimage.median_filter</c>; zero padding (<c>scipy.signal.medfilt</c>)
/// would instead pull the edge frames of a sound that is present from the start towards zero.
/// </remarks>
public static class NearestEdgeMedianFilter
{
    /// <summary>Returns the median of each <paramref name="length"/>-frame neighbourhood (odd length; 1 copies).</summary>
    public static float[] Apply(ReadOnlySpan<float> values, int length)
    {
        if (length < 1 || length % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "The median filter length must be odd and positive.");
        }
        var result = new float[values.Length];
        if (length == 3 && values.Length > 0)
        {
            // The paper's length, on every searched frame: the median of three without sorting.
            for (var i = 0; i < values.Length; i++)
            {
                var (a, b, c) = (values[Math.Max(i - 1, 0)], values[i], values[Math.Min(i + 1, values.Length - 1)]);
                result[i] = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
            }
            return result;
        }
        var half = length / 2;
        var window = new float[length];
        for (var i = 0; i < values.Length; i++)
        {
            for (var j = 0; j < length; j++)
            {
                window[j] = values[Math.Clamp(i - half + j, 0, values.Length - 1)];
            }
            // Filter lengths are tiny (3–9 frames): sorting the neighbourhood is simpler than a running-median structure.
            Array.Sort(window);
            result[i] = window[half];
        }
        return result;
    }
}
