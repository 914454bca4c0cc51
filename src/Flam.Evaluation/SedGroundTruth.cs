using System.Globalization;

namespace Flam.Evaluation;

/// <summary>A reference (ground-truth) sound event: <c>[Onset, Offset)</c> in seconds with its class label.</summary>
/// <param name="Onset">Onset in seconds.</param>
/// <param name="Offset">Offset in seconds (greater than <paramref name="Onset"/>).</param>
/// <param name="Label">Event class.</param>
public readonly record struct SedEvent(double Onset, double Offset, string Label);

/// <summary>
/// Ground-truth events per clip, in the order they were given (the DCASE/sed_scores_eval layout: clips without
/// events have an empty list). <see cref="Source"/> names where they came from, for error messages.
/// </summary>
/// <param name="Clips">Clip ids in order of first appearance, each with its events in input order.</param>
/// <param name="Source">File name (or description) used in error messages.</param>
public sealed record SedGroundTruth(IReadOnlyList<KeyValuePair<string, IReadOnlyList<SedEvent>>> Clips, string Source);

/// <summary>Audio clip durations in seconds, by clip id.</summary>
/// <param name="Durations">Duration per clip id.</param>
/// <param name="Source">File name (or description) used in error messages.</param>
public sealed record SedDurations(IReadOnlyDictionary<string, double> Durations, string Source);

/// <summary>How <see cref="SedEvaluationSet.Create"/> treats questionable ground truth.</summary>
/// <param name="MergeOverlapping">
/// Merge overlapping or touching events of the same class in a clip into their union. Default false: such
/// ground truth is rejected, as sed_scores_eval does (<c>io.assert_non_connected_events</c>), because an event-based
/// metric cannot tell whether they are one event or two.
/// </param>
/// <param name="RequireEventsForEveryClass">Reject ground truth in which a scored class has no event at all
/// (its TPR and ROC are undefined). Default true.</param>
public sealed record SedEvaluationOptions(bool MergeOverlapping = false, bool RequireEventsForEveryClass = true)
{
    /// <summary>The defaults: reject overlapping same-class events and classes without events.</summary>
    public static SedEvaluationOptions Default { get; } = new();
}

/// <summary>
/// Scores, ground truth and (optionally) durations of the same clips, checked against each other and indexed
/// for the metrics: per clip, the events of each class sorted by onset and never overlapping or touching.
/// </summary>
public sealed class SedEvaluationSet
{
    private readonly int[][] _classStart;   // per clip: K + 1 offsets into the sorted event arrays
    private readonly double[][] _onsets;
    private readonly double[][] _offsets;
    private readonly double[]? _durations;
    private readonly int[] _eventCount;
    private readonly double[] _eventDuration;

    private SedEvaluationSet(SedScoreSet scores, int[][] classStart, double[][] onsets, double[][] offsets,
        double[]? durations, int[] eventCount, double[] eventDuration)
    {
        Scores = scores;
        _classStart = classStart;
        _onsets = onsets;
        _offsets = offsets;
        _durations = durations;
        _eventCount = eventCount;
        _eventDuration = eventDuration;
    }

    /// <summary>The scores.</summary>
    public SedScoreSet Scores { get; }

    /// <summary>The event classes (the score columns).</summary>
    public IReadOnlyList<string> EventClasses => Scores.EventClasses;

    /// <summary>Number of clips.</summary>
    public int ClipCount => Scores.ClipIds.Count;

    /// <summary>Whether clip durations are known.</summary>
    public bool HasDurations => _durations is not null;

    /// <summary>Duration of a clip in seconds (requires durations).</summary>
    public double Duration(int clip) => _durations is null
        ? throw new InvalidOperationException("No audio durations were given.")
        : _durations[clip];

    /// <summary>Sum of all clip durations in seconds (in clip order).</summary>
    public double TotalDuration()
    {
        var sum = 0.0;
        for (var c = 0; c < ClipCount; c++)
        {
            sum += Duration(c);
        }
        return sum;
    }

    /// <summary>Onsets of the events of one class in one clip, ascending.</summary>
    public ReadOnlySpan<double> Onsets(int clip, int eventClass) =>
        _onsets[clip].AsSpan(_classStart[clip][eventClass], _classStart[clip][eventClass + 1] - _classStart[clip][eventClass]);

    /// <summary>Offsets of the events of one class in one clip (aligned with <see cref="Onsets"/>).</summary>
    public ReadOnlySpan<double> Offsets(int clip, int eventClass) =>
        _offsets[clip].AsSpan(_classStart[clip][eventClass], _classStart[clip][eventClass + 1] - _classStart[clip][eventClass]);

    /// <summary>Number of ground-truth events of a class over all clips.</summary>
    public int EventCount(int eventClass) => _eventCount[eventClass];

    /// <summary>Total duration (seconds) of the ground-truth events of a class, summed in input order.</summary>
    public double EventDuration(int eventClass) => _eventDuration[eventClass];

    /// <summary>
    /// Ground-truth events that end after their clip's duration (compared at <paramref name="decimals"/> decimals),
    /// as "clip: label onset–offset s, clip d s" in clip and class order. sed_scores_eval takes them as given, so the
    /// metrics do too; a caller warns about them, since the part past the end can never be detected and lowers recall.
    /// Empty without durations.
    /// </summary>
    public IReadOnlyList<string> EventsPastDuration(int decimals = 6)
    {
        var found = new List<string>();
        if (_durations is null) return found;
        for (var c = 0; c < ClipCount; c++)
        {
            var duration = Math.Round(_durations[c], decimals);
            for (var k = 0; k < EventClasses.Count; k++)
            {
                var onsets = Onsets(c, k);
                var offsets = Offsets(c, k);
                for (var e = 0; e < offsets.Length; e++)
                {
                    if (Math.Round(offsets[e], decimals) > duration)
                    {
                        found.Add($"{Scores.ClipIds[c]}: {EventClasses[k]} {Py(onsets[e])}–{Py(offsets[e])} s, clip {Py(_durations[c])} s");
                    }
                }
            }
        }
        return found;
    }

    /// <summary>
    /// Aligns ground truth (and durations) with the scores and validates them: the clip ids must be the same
    /// sets (one error lists every mismatch), every label must be a score column, same-class events must not
    /// overlap or touch (unless merged) and every class needs an event (unless disabled).
    /// </summary>
    /// <exception cref="FlamException">Any of the above, naming the file.</exception>
    public static SedEvaluationSet Create(SedScoreSet scores, SedGroundTruth groundTruth, SedDurations? durations,
        SedEvaluationOptions? options = null, string scoresSource = "scores")
    {
        options ??= SedEvaluationOptions.Default;
        var ids = scores.ClipIds;
        var classes = scores.EventClasses;
        var classIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var k = 0; k < classes.Count; k++)
        {
            classIndex[classes[k]] = k;
        }
        var gtByClip = new Dictionary<string, IReadOnlyList<SedEvent>>(StringComparer.Ordinal);
        foreach (var (clip, events) in groundTruth.Clips)
        {
            gtByClip[clip] = events;
        }
        CheckSameIds(ids, gtByClip.Keys, scoresSource, groundTruth.Source);
        double[]? durationArray = null;
        if (durations is not null)
        {
            CheckSameIds(ids, durations.Durations.Keys, scoresSource, durations.Source);
            durationArray = [.. ids.Select(id => durations.Durations[id])];
        }

        var eventCount = new int[classes.Count];
        var eventDuration = new double[classes.Count];
        foreach (var (clip, events) in groundTruth.Clips)
        {
            foreach (var e in events)
            {
                if (!classIndex.TryGetValue(e.Label, out var k))
                {
                    throw new FlamException($"{groundTruth.Source}: event label '{e.Label}' of clip '{clip}' is not a class of the scores ({string.Join(", ", classes)}).");
                }
                eventCount[k]++;
                eventDuration[k] += e.Offset - e.Onset;
            }
        }

        var classStart = new int[ids.Count][];
        var onsets = new double[ids.Count][];
        var offsets = new double[ids.Count][];
        for (var c = 0; c < ids.Count; c++)
        {
            if (!options.MergeOverlapping)
            {
                RejectConnected(gtByClip[ids[c]], ids[c], groundTruth.Source);
            }
            var sorted = gtByClip[ids[c]].OrderBy(e => classIndex[e.Label]).ThenBy(e => e.Onset).ThenBy(e => e.Offset).ToList();
            var starts = new int[classes.Count + 1];
            var on = new List<double>(sorted.Count);
            var off = new List<double>(sorted.Count);
            var i = 0;
            for (var k = 0; k < classes.Count; k++)
            {
                starts[k] = on.Count;
                for (; i < sorted.Count && classIndex[sorted[i].Label] == k; i++)
                {
                    var e = sorted[i];
                    if (on.Count > starts[k] && e.Onset <= off[^1])
                    {
                        off[^1] = Math.Max(off[^1], e.Offset);   // only reached when merging
                        continue;
                    }
                    on.Add(e.Onset);
                    off.Add(e.Offset);
                }
            }
            starts[classes.Count] = on.Count;
            classStart[c] = starts;
            onsets[c] = [.. on];
            offsets[c] = [.. off];
        }

        if (options.MergeOverlapping)
        {
            // Counts and durations describe the merged events the metrics see.
            Array.Clear(eventCount);
            Array.Clear(eventDuration);
            for (var c = 0; c < ids.Count; c++)
            {
                for (var k = 0; k < classes.Count; k++)
                {
                    for (var j = classStart[c][k]; j < classStart[c][k + 1]; j++)
                    {
                        eventCount[k]++;
                        eventDuration[k] += offsets[c][j] - onsets[c][j];
                    }
                }
            }
        }

        if (options.RequireEventsForEveryClass)
        {
            var empty = Enumerable.Range(0, classes.Count).Where(k => eventCount[k] == 0).Select(k => classes[k]).ToList();
            if (empty.Count > 0)
            {
                throw new FlamException($"{groundTruth.Source}: no ground-truth event of class {string.Join(", ", empty.Select(x => "'" + x + "'"))} " +
                    "in any clip; true-positive rates and ROC curves are undefined for a class without events. Remove the class column from the scores or add its events.");
            }
        }
        return new SedEvaluationSet(scores, classStart, onsets, offsets, durationArray, eventCount, eventDuration);
    }

    // Classes in order of first appearance in the clip, as the reference reports the first conflict.
    private static void RejectConnected(IReadOnlyList<SedEvent> events, string clip, string source)
    {
        foreach (var group in events.GroupBy(e => e.Label))
        {
            var sorted = group.OrderBy(e => e.Onset).ThenBy(e => e.Offset).ToList();
            for (var i = 1; i < sorted.Count; i++)
            {
                if (sorted[i].Onset <= sorted[i - 1].Offset)
                {
                    SedEvent a = sorted[i - 1], b = sorted[i];
                    throw new FlamException(
                        $"{source}: Connected/overlapping {a.Label} events found for clip {clip}: " +
                        $"[[{Py(a.Onset)}, {Py(a.Offset)}, '{a.Label}'], [{Py(b.Onset)}, {Py(b.Offset)}, '{b.Label}']]. " +
                        "Events of the same class must not overlap or touch; use --merge-overlapping to merge them into their union.");
                }
            }
        }
    }

    private static void CheckSameIds(IReadOnlyList<string> scoreIds, IEnumerable<string> otherIds, string scoresSource, string otherSource)
    {
        var other = new HashSet<string>(otherIds, StringComparer.Ordinal);
        var mine = new HashSet<string>(scoreIds, StringComparer.Ordinal);
        var missing = scoreIds.Where(id => !other.Contains(id)).ToList();
        var extra = other.Where(id => !mine.Contains(id)).OrderBy(x => x, StringComparer.Ordinal).ToList();
        if (missing.Count == 0 && extra.Count == 0)
        {
            return;
        }
        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add($"{missing.Count} clip(s) with scores in {scoresSource} are missing from {otherSource}: {List(missing)}");
        }
        if (extra.Count > 0)
        {
            parts.Add($"{extra.Count} clip(s) in {otherSource} have no score file in {scoresSource}: {List(extra)}");
        }
        throw new FlamException($"Clip ids do not match. {string.Join("; ", parts)}.");
    }

    private static string List(List<string> ids) =>
        string.Join(", ", ids.Take(20)) + (ids.Count > 20 ? $", ... ({ids.Count - 20} more)" : "");

    /// <summary>Formats a time like Python's <c>repr</c> of a float (as the reference's messages do).</summary>
    internal static string Py(double x)
    {
        var s = x.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || !double.IsFinite(x) ? s : s + ".0";
    }
}
