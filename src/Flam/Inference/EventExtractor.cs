namespace Flam.Inference;

/// <summary>One detected sound: a run of consecutive active frames of one query.</summary>
/// <param name="Query">The text query it answers.</param>
/// <param name="Onset">Start in seconds from the beginning of the recording.</param>
/// <param name="Offset">End in seconds (the end of the last active frame, at most the recording's duration).</param>
/// <param name="Max">Highest frame probability inside the event.</param>
/// <param name="Mean">Mean frame probability inside the event.</param>
public sealed record SoundEvent(string Query, double Onset, double Offset, float Max, float Mean);

/// <summary>Turns a frame probability curve into events: maximal runs of frames strictly above the threshold.</summary>
public static class EventExtractor
{
    /// <summary>
    /// Frame <c>k</c> covers <c>k·frameSeconds</c> … <c>(k+1)·frameSeconds</c>; an event ending at the last frame is
    /// cut at <paramref name="duration"/>.
    /// </summary>
    public static List<SoundEvent> Extract(string query, ReadOnlySpan<float> probabilities, double frameSeconds, double duration, double threshold)
    {
        var events = new List<SoundEvent>();
        var k = 0;
        while (k < probabilities.Length)
        {
            if (!(probabilities[k] > threshold))
            {
                k++;
                continue;
            }
            var start = k;
            var max = float.MinValue;
            var sum = 0.0;
            while (k < probabilities.Length && probabilities[k] > threshold)
            {
                max = Math.Max(max, probabilities[k]);
                sum += probabilities[k];
                k++;
            }
            events.Add(new SoundEvent(query, start * frameSeconds, Math.Min(k * frameSeconds, duration), max, (float)(sum / (k - start))));
        }
        return events;
    }
}
