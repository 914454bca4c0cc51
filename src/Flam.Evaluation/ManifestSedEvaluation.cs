using Flam.IO;
using Flam.Synthesis;

namespace Flam.Evaluation;

/// <summary>Frame outputs of a detector for one manifest clip.</summary>
/// <param name="ClipId">Unique clip id (used for score file names).</param>
/// <param name="Duration">Clip duration in seconds.</param>
/// <param name="FrameSeconds">Frame length; frame k covers [k·FrameSeconds, (k+1)·FrameSeconds).</param>
/// <param name="Events">The clip's ground-truth events.</param>
/// <param name="Scores">Frame outputs per class text (every class of the evaluation).</param>
public sealed record ClipFrameOutputs(string ClipId, double Duration, double FrameSeconds, IReadOnlyList<ManifestEvent> Events, IReadOnlyDictionary<string, float[]> Scores);

/// <summary>
/// Turns detector outputs on a manifest with timed events into the inputs of the metrics: a score set (one
/// column per distinct event text, frames on the detector's grid), DCASE ground truth (same-text events merged
/// into their union, as training labels treat them), durations, and — for the open-vocabulary metrics — one
/// <see cref="FrameTrack"/> per clip and text that occurs in it, labelled with the training frame labels
/// (<see cref="FrameLabels"/>: a frame is positive when the text's events cover at least half of it).
/// </summary>
public static class ManifestSedEvaluation
{
    /// <summary>The distinct event texts of the clips, ordinally sorted (the evaluation's classes).</summary>
    public static string[] Classes(IEnumerable<ManifestEntry> entries) =>
        [.. entries.SelectMany(e => e.Events ?? []).Select(e => e.Text).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Frame truth of a clip on the detector's grid of <paramref name="frames"/> frames: for every text that occurs in
    /// the clip, the training frame labels (a frame is positive when the text's events cover at least half of it).
    /// </summary>
    public static IReadOnlyDictionary<string, bool[]> FrameTruth(ClipFrameOutputs clip, int frames) =>
        FrameLabels.FromEvents(clip.Events, frames * clip.FrameSeconds, frames);

    /// <summary>Builds the evaluation set and frame tracks.</summary>
    public static (SedEvaluationSet Set, InMemorySedScoreSet Scores, SedGroundTruth GroundTruth, SedDurations Durations, List<FrameTrack> Tracks) Build(
        IReadOnlyList<ClipFrameOutputs> clips, IReadOnlyList<string> classes, string source)
    {
        var scoreClips = new List<SedClipScores>(clips.Count);
        var gt = new List<KeyValuePair<string, IReadOnlyList<SedEvent>>>(clips.Count);
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        var tracks = new List<FrameTrack>();
        foreach (var clip in clips)
        {
            var frames = clip.Scores.Values.First().Length;
            var t = Enumerable.Range(0, frames + 1).Select(i => TimeRounding.Round(i * clip.FrameSeconds, 6)).ToArray();
            var matrix = new double[frames * classes.Count];
            for (var k = 0; k < classes.Count; k++)
            {
                if (!clip.Scores.TryGetValue(classes[k], out var s) || s.Length != frames)
                {
                    throw new ArgumentException($"Clip '{clip.ClipId}' has no {frames} outputs for '{classes[k]}'.");
                }
                for (var i = 0; i < frames; i++) matrix[k * frames + i] = s[i];
            }
            scoreClips.Add(new SedClipScores(clip.ClipId, t, matrix));
            gt.Add(new(clip.ClipId, [.. clip.Events.Select(e => new SedEvent(e.Onset, e.Offset, e.Text))]));
            durations[clip.ClipId] = clip.Duration;
            foreach (var (text, labels) in FrameTruth(clip, frames))
            {
                tracks.Add(new FrameTrack(clip.ClipId, text, [.. clip.Scores[text].Select(x => (double)x)], labels));
            }
        }
        var scores = new InMemorySedScoreSet(classes, scoreClips);
        var groundTruth = new SedGroundTruth(gt, source);
        var durationSet = new SedDurations(durations, source);
        var set = SedEvaluationSet.Create(scores, groundTruth, durationSet, new SedEvaluationOptions(MergeOverlapping: true));
        return (set, scores, groundTruth, durationSet, tracks);
    }
}
