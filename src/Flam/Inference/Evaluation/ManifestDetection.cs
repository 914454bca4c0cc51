using System.Text.RegularExpressions;
using Flam.Evaluation;
using Flam.IO;

namespace Flam.Inference.Evaluation;

/// <summary>
/// Runs a <see cref="SoundEventDetector"/> over the clips of a manifest with timed events: the model side of the SED and
/// paraphrase evaluations, whose frame outputs <see cref="ManifestSedEvaluation"/> turns into metric inputs.
/// </summary>
public static partial class ManifestDetection
{
    /// <summary>The manifest indices of the clips that have queries (<paramref name="queriesOf"/> by manifest index).</summary>
    public static int[] ClipsWithQueries(ManifestFile file, Func<int, IReadOnlyList<string>> queriesOf) =>
        [.. Enumerable.Range(0, file.Entries.Count).Where(i => queriesOf(i).Count > 0)];

    /// <summary>
    /// Median-filtered frame outputs per query for the manifest clips <paramref name="clips"/> (indices, e.g. from
    /// <see cref="ClipsWithQueries"/>), with each clip's events. <paramref name="progress"/> gets the clip being
    /// processed and the seconds of audio done so far.
    /// </summary>
    public static List<ClipFrameOutputs> Detect(SoundEventDetector detector, ManifestFile file, IReadOnlyList<int> clips,
        Func<int, IReadOnlyList<string>> queriesOf, Action<string, double>? progress = null)
    {
        var entries = file.Entries;
        var list = new List<ClipFrameOutputs>(clips.Count);
        var done = 0.0;
        foreach (var i in clips)
        {
            var entry = entries[i];
            var start = done;
            var name = $"{Path.GetFileName(entry.Audio)} ({i + 1}/{entries.Count})";
            progress?.Invoke(name, start);
            var result = detector.DetectFile(file.AudioPath(entry), queriesOf(i), seconds => progress?.Invoke(name, start + Math.Min(seconds, entry.Duration)));
            list.Add(new ClipFrameOutputs(ClipId(i, entry.Audio), entry.Duration, result.FrameSeconds, entry.Events ?? [],
                result.Queries.ToDictionary(q => q.Query, q => q.Smoothed, StringComparer.Ordinal)));
            done += entry.Duration;
        }
        return list;
    }

    // Unique and file-name safe: the manifest line index plus the audio file's stem.
    private static string ClipId(int index, string audio) =>
        $"{index:D6}_{UnsafeCharacters().Replace(Path.GetFileNameWithoutExtension(audio), "_")}";

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeCharacters();
}
