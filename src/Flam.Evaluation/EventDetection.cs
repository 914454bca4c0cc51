namespace Flam.Evaluation;

/// <summary>
/// Turns frame scores into events at a decision threshold: every maximal run of frames whose score is
/// strictly greater than the threshold is one event from the first frame's onset to the last frame's offset
/// (sed_scores_eval <c>scores_to_event_list</c>).
/// </summary>
public static class EventDetection
{
    /// <summary>Events of every class of one clip, sorted by (onset, offset, label).</summary>
    /// <param name="scores">The scores.</param>
    /// <param name="clip">Clip index.</param>
    /// <param name="thresholds">One threshold per class (or a single one for all classes).</param>
    public static List<SedEvent> Detect(SedScoreSet scores, int clip, IReadOnlyList<double> thresholds)
    {
        if (thresholds.Count != 1 && thresholds.Count != scores.EventClasses.Count)
        {
            throw new ArgumentException($"Expected 1 or {scores.EventClasses.Count} thresholds but got {thresholds.Count}.", nameof(thresholds));
        }
        var t = scores.Timestamps(clip);
        var buffer = new double[t.Length - 1];
        var events = new List<SedEvent>();
        for (var k = 0; k < scores.EventClasses.Count; k++)
        {
            scores.CopyScores(clip, k, buffer);
            var threshold = thresholds[thresholds.Count == 1 ? 0 : k];
            foreach (var (start, end) in Runs(buffer, threshold))
            {
                events.Add(new SedEvent(t[start], t[end + 1], scores.EventClasses[k]));
            }
        }
        events.Sort((a, b) =>
        {
            var c = a.Onset.CompareTo(b.Onset);
            if (c == 0) c = a.Offset.CompareTo(b.Offset);
            return c != 0 ? c : string.CompareOrdinal(a.Label, b.Label);
        });
        return events;
    }

    /// <summary>Maximal runs <c>[start, end]</c> (frame indices, inclusive) of scores strictly above <paramref name="threshold"/>.</summary>
    public static List<(int Start, int End)> Runs(ReadOnlySpan<double> scores, double threshold)
    {
        var runs = new List<(int, int)>();
        var start = -1;
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] > threshold)
            {
                if (start < 0) start = i;
            }
            else if (start >= 0)
            {
                runs.Add((start, i - 1));
                start = -1;
            }
        }
        if (start >= 0)
        {
            runs.Add((start, scores.Length - 1));
        }
        return runs;
    }
}
