using Flam.IO;

namespace Flam.Synthesis;

/// <summary>
/// Event intervals to binary labels on a coarse frame grid (the model's T frames per clip): frame <c>t</c> covers
/// [t·d/T, (t+1)·d/T) of a clip of duration d, and is positive for a text when that text's events cover at least
/// <c>minCoverage</c> of it (default half). Overlapping events of the same text count once.
/// </summary>
public static class FrameLabels
{
    /// <summary>Labels per distinct event text (ordinal order of first appearance), each an array of <paramref name="frames"/> booleans.</summary>
    public static IReadOnlyDictionary<string, bool[]> FromEvents(IEnumerable<ManifestEvent> events, double duration, int frames, double minCoverage = 0.5)
    {
        if (!(duration > 0) || frames <= 0 || !(minCoverage > 0 && minCoverage <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(frames), "Need duration > 0, frames > 0 and 0 < minCoverage ≤ 1.");
        }
        var result = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        foreach (var group in events.GroupBy(e => e.Text, StringComparer.Ordinal))
        {
            var merged = Merge(group.Select(e => (e.Onset, e.Offset)));
            var labels = new bool[frames];
            var width = duration / frames;
            for (var t = 0; t < frames; t++)
            {
                double a = t * width, b = (t + 1) * width, covered = 0;
                foreach (var (on, off) in merged)
                {
                    covered += Math.Max(0, Math.Min(b, off) - Math.Max(a, on));
                }
                // A hair of tolerance so that exactly half counts as half despite rounding of the written times.
                labels[t] = covered >= minCoverage * width - 1e-9;
            }
            result[group.Key] = labels;
        }
        return result;
    }

    private static List<(double On, double Off)> Merge(IEnumerable<(double On, double Off)> intervals)
    {
        var merged = new List<(double On, double Off)>();
        foreach (var (on, off) in intervals.OrderBy(i => i.On))
        {
            if (merged.Count > 0 && on <= merged[^1].Off)
            {
                merged[^1] = (merged[^1].On, Math.Max(merged[^1].Off, off));
            }
            else
            {
                merged.Add((on, off));
            }
        }
        return merged;
    }
}
