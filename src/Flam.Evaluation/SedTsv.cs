using System.Globalization;
using System.Text;
using Flam.IO;

namespace Flam.Evaluation;

/// <summary>
/// Reads sed_scores_eval's tab-separated formats: a folder of per-clip score files
/// (<c>onset, offset, class_1 ... class_K</c>), a ground-truth file (<c>filename, onset, offset, event_label</c>,
/// empty fields for clips without events) and a durations file (<c>filename, duration</c>). Every problem is a
/// <see cref="FlamException"/> naming the file and line.
/// </summary>
public static class SedTsv
{
    /// <summary>Reads every <c>*.tsv</c> file of <paramref name="directory"/> as the scores of the clip named by the file.</summary>
    public static InMemorySedScoreSet ReadScores(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new FlamException($"Score folder '{directory}' does not exist.");
        }
        var files = Directory.GetFiles(directory, "*.tsv").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        if (files.Length == 0)
        {
            throw new FlamException($"Score folder '{directory}' contains no .tsv score files.");
        }
        string[]? classes = null;
        var clips = new List<SedClipScores>(files.Length);
        foreach (var file in files)
        {
            var (fileClasses, clip) = ReadScoreFile(file, classes);
            classes ??= fileClasses;
            clips.Add(clip);
        }
        return new InMemorySedScoreSet(classes!, clips);
    }

    /// <summary>
    /// Reads one score file. When <paramref name="expectedClasses"/> is given, the file must have exactly these
    /// class columns (in any order); the scores are returned in that order.
    /// </summary>
    public static (string[] Classes, SedClipScores Clip) ReadScoreFile(string path, IReadOnlyList<string>? expectedClasses = null)
    {
        var lines = ReadLines(path);
        if (lines.Count == 0)
        {
            throw new FlamException($"{path}: empty file; expected a header 'onset<TAB>offset<TAB><class>...'.");
        }
        var header = lines[0].Split('\t');
        if (header.Length < 3 || header[0] != "onset" || header[1] != "offset")
        {
            throw new FlamException($"{path}:1: header must be 'onset<TAB>offset<TAB><class 1><TAB>...' but is '{lines[0]}'.");
        }
        var fileClasses = header[2..];
        if (fileClasses.Distinct(StringComparer.Ordinal).Count() != fileClasses.Length)
        {
            throw new FlamException($"{path}:1: duplicate class columns.");
        }
        var classes = expectedClasses?.ToArray() ?? fileClasses;
        var column = new int[classes.Length];
        if (expectedClasses is not null)
        {
            var missing = classes.Where(c => Array.IndexOf(fileClasses, c) < 0).ToList();
            var extra = fileClasses.Where(c => !classes.Contains(c)).ToList();
            if (missing.Count > 0 || extra.Count > 0)
            {
                throw new FlamException($"{path}:1: class columns differ from the other score files" +
                    (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "") +
                    (extra.Count > 0 ? $"; unexpected: {string.Join(", ", extra)}" : "") + ".");
            }
        }
        for (var k = 0; k < classes.Length; k++)
        {
            column[k] = Array.IndexOf(fileClasses, classes[k]) + 2;
        }
        var rows = new List<string[]>(lines.Count);
        var lineNumbers = new List<int>(lines.Count);
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            rows.Add(lines[i].Split('\t'));
            lineNumbers.Add(i + 1);
        }
        if (rows.Count == 0)
        {
            throw new FlamException($"{path}: no score frames.");
        }
        var frames = rows.Count;
        var timestamps = new double[frames + 1];
        var scores = new double[frames * classes.Length];
        var previousOffset = 0.0;
        for (var i = 0; i < frames; i++)
        {
            var row = rows[i];
            var line = lineNumbers[i];
            if (row.Length != header.Length)
            {
                throw new FlamException($"{path}:{line}: {row.Length} fields, expected {header.Length}.");
            }
            var onset = ParseNumber(row[0], path, line, "onset");
            var offset = ParseNumber(row[1], path, line, "offset");
            if (!double.IsFinite(onset) || !double.IsFinite(offset) || onset < 0)
            {
                throw new FlamException($"{path}:{line}: frame times must be finite and non-negative (onset {row[0]}, offset {row[1]}).");
            }
            if (offset <= onset)
            {
                throw new FlamException($"{path}:{line}: frame offset {row[1]} is not after its onset {row[0]}.");
            }
            if (i > 0 && onset != previousOffset)
            {
                throw new FlamException($"{path}:{line}: frame onset {row[0]} does not equal the previous frame's offset {rows[i - 1][1]}; " +
                    "frames must be sorted, contiguous and non-overlapping.");
            }
            timestamps[i] = onset;
            previousOffset = offset;
            for (var k = 0; k < classes.Length; k++)
            {
                var value = ParseNumber(row[column[k]], path, line, classes[k]);
                // The metrics sweep thresholds over the score values: an infinite score is a detection no threshold
                // switches off (or on), so a system that writes one has a bug the metrics would hide.
                if (!double.IsFinite(value))
                {
                    throw new FlamException($"{path}:{line}: score of class '{classes[k]}' is {(double.IsNaN(value) ? "NaN" : Format(value))}; scores must be finite numbers.");
                }
                scores[k * frames + i] = value;
            }
        }
        timestamps[frames] = previousOffset;
        var id = Path.GetFileName(path)[..^".tsv".Length];
        return (classes, new SedClipScores(id, timestamps, scores));
    }

    /// <summary>Reads a DCASE ground-truth file: <c>filename, onset, offset, event_label</c> with a header.</summary>
    public static SedGroundTruth ReadGroundTruth(string path)
    {
        var lines = ReadLines(path);
        var (cFile, cOn, cOff, cLabel) = Columns(path, lines, "filename", "onset", "offset", "event_label");
        var clips = new List<KeyValuePair<string, IReadOnlyList<SedEvent>>>();
        var index = new Dictionary<string, List<SedEvent>>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            var row = lines[i].Split('\t');
            var line = i + 1;
            if (row.Length < 4)
            {
                row = [.. row, .. Enumerable.Repeat("", 4 - row.Length)];
            }
            var id = ClipId(row[cFile]);
            if (id.Length == 0)
            {
                throw new FlamException($"{path}:{line}: empty filename.");
            }
            if (!index.TryGetValue(id, out var events))
            {
                events = [];
                index[id] = events;
                clips.Add(new(id, events));
            }
            var label = row[cLabel];
            if (label.Length == 0)
            {
                if (row[cOn].Length > 0 || row[cOff].Length > 0)
                {
                    throw new FlamException($"{path}:{line}: onset/offset given without an event_label.");
                }
                continue; // a clip without events
            }
            var onset = ParseNumber(row[cOn], path, line, "onset");
            var offset = ParseNumber(row[cOff], path, line, "offset");
            if (!double.IsFinite(onset) || !double.IsFinite(offset) || onset < 0)
            {
                throw new FlamException($"{path}:{line}: onset and offset must be finite and non-negative (onset '{row[cOn]}', offset '{row[cOff]}').");
            }
            if (onset >= offset)
            {
                throw new FlamException($"{path}:{line}: event onset {row[cOn]} is not before its offset {row[cOff]}.");
            }
            events.Add(new SedEvent(onset, offset, label));
        }
        if (clips.Count == 0)
        {
            throw new FlamException($"{path}: no clips listed.");
        }
        return new SedGroundTruth(clips, path);
    }

    /// <summary>Reads an audio-durations file: <c>filename, duration</c> with a header.</summary>
    public static SedDurations ReadDurations(string path)
    {
        var lines = ReadLines(path);
        var (cFile, cDuration, _, _) = Columns(path, lines, "filename", "duration", null, null);
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Count; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            var row = lines[i].Split('\t');
            var line = i + 1;
            if (row.Length <= Math.Max(cFile, cDuration))
            {
                throw new FlamException($"{path}:{line}: expected filename and duration.");
            }
            var duration = ParseNumber(row[cDuration], path, line, "duration");
            if (!double.IsFinite(duration) || duration <= 0)
            {
                throw new FlamException($"{path}:{line}: duration must be a positive number but is '{row[cDuration]}'.");
            }
            var id = ClipId(row[cFile]);
            if (!durations.TryAdd(id, duration))
            {
                throw new FlamException($"{path}:{line}: clip '{id}' is listed twice.");
            }
        }
        if (durations.Count == 0)
        {
            throw new FlamException($"{path}: no clips listed.");
        }
        return new SedDurations(durations, path);
    }

    /// <summary>Writes one <c>&lt;clip id&gt;.tsv</c> per clip into <paramref name="directory"/> (created if needed).</summary>
    public static void WriteScores(string directory, SedScoreSet scores, bool overwrite)
    {
        Directory.CreateDirectory(directory);
        var buffer = new double[scores.MaxFrameCount()];
        for (var clip = 0; clip < scores.ClipIds.Count; clip++)
        {
            var t = scores.Timestamps(clip);
            var frames = t.Length - 1;
            var columns = new double[scores.EventClasses.Count][];
            for (var k = 0; k < columns.Length; k++)
            {
                scores.CopyScores(clip, k, buffer);
                columns[k] = buffer[..frames];
            }
            var text = new StringBuilder("onset\toffset\t" + string.Join('\t', scores.EventClasses) + "\n");
            for (var i = 0; i < frames; i++)
            {
                text.Append(Format(t[i])).Append('\t').Append(Format(t[i + 1]));
                foreach (var column in columns) text.Append('\t').Append(Format(column[i]));
                text.Append('\n');
            }
            AtomicFile.WriteAllText(Path.Combine(directory, scores.ClipIds[clip] + ".tsv"), text.ToString(), overwrite);
        }
    }

    /// <summary>Writes a ground-truth file (clips without events get an empty row); filenames are the clip ids plus <c>.wav</c>.</summary>
    public static void WriteGroundTruth(string path, SedGroundTruth groundTruth, bool overwrite)
    {
        var text = new StringBuilder("filename\tonset\toffset\tevent_label\n");
        foreach (var (clip, events) in groundTruth.Clips)
        {
            if (events.Count == 0) text.Append(clip).Append(".wav\t\t\t\n");
            foreach (var e in events.OrderBy(e => e.Onset))
            {
                text.Append($"{clip}.wav\t{Format(e.Onset)}\t{Format(e.Offset)}\t{e.Label}\n");
            }
        }
        AtomicFile.WriteAllText(path, text.ToString(), overwrite);
    }

    /// <summary>Writes a durations file; filenames are the clip ids plus <c>.wav</c>.</summary>
    public static void WriteDurations(string path, SedDurations durations, bool overwrite)
    {
        var text = new StringBuilder("filename\tduration\n");
        foreach (var (clip, d) in durations.Durations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append($"{clip}.wav\t{Format(d)}\n");
        }
        AtomicFile.WriteAllText(path, text.ToString(), overwrite);
    }

    /// <summary>Shortest round-trip decimal, with ".0" for whole numbers and inf/-inf/nan as Python writes them.</summary>
    public static string Format(double x) => x switch
    {
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        _ when double.IsNaN(x) => "nan",
        _ => SedEvaluationSet.Py(x),
    };

    /// <summary>The clip id of a file name: the name without its last extension (as the reference does).</summary>
    public static string ClipId(string filename)
    {
        var dot = filename.LastIndexOf('.');
        return dot < 0 ? filename : filename[..dot];
    }

    private static List<string> ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"File '{path}' does not exist.");
        }
        try
        {
            return [.. File.ReadLines(path).Select(l => l.TrimEnd('\r'))];
        }
        catch (IOException e)
        {
            throw new FlamException($"Cannot read '{path}': {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FlamException($"Cannot read '{path}': permission denied.", e);
        }
    }

    private static (int, int, int, int) Columns(string path, List<string> lines, string a, string b, string? c, string? d)
    {
        if (lines.Count == 0)
        {
            throw new FlamException($"{path}: empty file; expected a header.");
        }
        var header = lines[0].Split('\t');
        int Find(string? name)
        {
            if (name is null)
            {
                return -1;
            }
            var i = Array.IndexOf(header, name);
            if (i < 0)
            {
                var wanted = string.Join(", ", new[] { a, b, c, d }.Where(x => x is not null));
                throw new FlamException($"{path}:1: missing column '{name}'; the header must name the columns {wanted} but is '{lines[0]}'.");
            }
            return i;
        }
        return (Find(a), Find(b), Find(c), Find(d));
    }

    private static double ParseNumber(string text, string path, int line, string column)
    {
        switch (text)
        {
            case "inf" or "Infinity" or "+inf":
                return double.PositiveInfinity;
            case "-inf" or "-Infinity":
                return double.NegativeInfinity;
            case "nan" or "NaN":
                return double.NaN;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw new FlamException($"{path}:{line}: column '{column}' is not a number: '{text}'.");
        }
        return value;
    }
}
