using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flam.IO;

/// <summary>What to do when a manifest names an audio file that does not exist.</summary>
public enum MissingAudioPolicy
{
    /// <summary>Fail, listing the first missing files.</summary>
    Fail,
    /// <summary>Drop those entries and count them (<see cref="ManifestFile.SkippedMissingAudio"/>).</summary>
    Skip,
    /// <summary>Do not look at the file system (for tools that only need the labels).</summary>
    Ignore,
}

/// <summary>A manifest read from disk.</summary>
/// <param name="Path">The manifest file.</param>
/// <param name="Entries">Its valid entries, in file order.</param>
/// <param name="SkippedMissingAudio">Entries dropped because their audio file is missing (only with <see cref="MissingAudioPolicy.Skip"/>).</param>
public sealed record ManifestFile(string Path, IReadOnlyList<ManifestEntry> Entries, int SkippedMissingAudio)
{
    /// <summary>The absolute path of an entry's audio file (relative paths are relative to the manifest's folder).</summary>
    public string AudioPath(ManifestEntry entry) => Manifest.ResolveAudioPath(Path, entry);
}

/// <summary>
/// Reads and writes JSONL manifests: one <see cref="ManifestEntry"/> per line, UTF-8, blank lines ignored.
/// Every problem is a <see cref="FlamException"/> naming the file and the line.
/// </summary>
public static class Manifest
{
    /// <summary>Tolerance in seconds for event ends past the clip end (rounding of written times).</summary>
    public const double TimeTolerance = 1e-3;

    private const int MissingListed = 5;

    private static readonly JsonSerializerOptions ReadOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Reads and validates a manifest.</summary>
    /// <exception cref="FlamException">The file is missing or empty, a line is not a valid entry, or (with <see cref="MissingAudioPolicy.Fail"/>) audio files are missing.</exception>
    public static ManifestFile Read(string path, MissingAudioPolicy missingAudio = MissingAudioPolicy.Fail)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"Manifest '{path}' does not exist.");
        }
        var entries = new List<ManifestEntry>();
        var missing = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Encoding.UTF8))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            var entry = ParseLine(path, lineNumber, line);
            if (missingAudio != MissingAudioPolicy.Ignore && !File.Exists(ResolveAudioPath(path, entry)))
            {
                missing.Add($"line {lineNumber}: {entry.Audio}");
                if (missingAudio == MissingAudioPolicy.Skip)
                {
                    continue;
                }
            }
            entries.Add(entry);
        }
        if (missing.Count > 0 && missingAudio == MissingAudioPolicy.Fail)
        {
            var first = string.Join("; ", missing.Take(MissingListed));
            var more = missing.Count > MissingListed ? $" and {missing.Count - MissingListed} more" : "";
            throw new FlamException($"Manifest '{path}': {missing.Count} audio file(s) missing ({first}{more}).");
        }
        if (entries.Count == 0)
        {
            throw new FlamException(missing.Count > 0
                ? $"Manifest '{path}' has no entry whose audio file exists ({missing.Count} missing)."
                : $"Manifest '{path}' is empty.");
        }
        return new ManifestFile(path, entries, missing.Count);
    }

    /// <summary>Parses and validates one line; <paramref name="lineNumber"/> is 1-based and only used in messages.</summary>
    public static ManifestEntry ParseLine(string path, int lineNumber, string line)
    {
        ManifestEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize<ManifestEntry>(line, ReadOptions);
        }
        catch (JsonException e)
        {
            throw new FlamException($"Manifest '{path}' line {lineNumber}: not a valid JSON entry ({e.Message}).", e);
        }
        if (entry is null)
        {
            throw new FlamException($"Manifest '{path}' line {lineNumber}: expected a JSON object, found null.");
        }
        var problem = Validate(entry);
        if (problem is not null)
        {
            throw new FlamException($"Manifest '{path}' line {lineNumber}: {problem}.");
        }
        // Lists may be absent in the JSON; give callers empty lists rather than nulls.
        return entry with { Captions = entry.Captions ?? [], Tags = entry.Tags ?? [] };
    }

    /// <summary>Checks an entry's fields; returns a description of the first problem, or null when it is valid.</summary>
    public static string? Validate(ManifestEntry entry)
    {
        if (string.IsNullOrWhiteSpace(entry.Audio))
        {
            return "missing \"audio\"";
        }
        if (!double.IsFinite(entry.Duration) || entry.Duration <= 0)
        {
            return $"\"duration\" must be a positive number of seconds, got {entry.Duration}";
        }
        if (entry.Captions is not null && entry.Captions.Any(c => c is null))
        {
            return "\"captions\" contains null";
        }
        if (entry.Tags is not null && entry.Tags.Any(t => t is null))
        {
            return "\"tags\" contains null";
        }
        if (entry.Events is null)
        {
            return null;
        }
        for (var i = 0; i < entry.Events.Count; i++)
        {
            var e = entry.Events[i];
            if (e is null || string.IsNullOrWhiteSpace(e.Text))
            {
                return $"event {i + 1} has no \"text\"";
            }
            if (!double.IsFinite(e.Onset) || !double.IsFinite(e.Offset))
            {
                return $"event {i + 1} ('{e.Text}') has a non-finite onset or offset";
            }
            if (e.Onset >= e.Offset)
            {
                return $"event {i + 1} ('{e.Text}') has onset {e.Onset} ≥ offset {e.Offset}";
            }
            if (e.Onset < 0 || e.Offset > entry.Duration + TimeTolerance)
            {
                return $"event {i + 1} ('{e.Text}') [{e.Onset}, {e.Offset}] s lies outside the clip [0, {entry.Duration}] s";
            }
        }
        return null;
    }

    /// <summary>The absolute path of an entry's audio file.</summary>
    public static string ResolveAudioPath(string manifestPath, ManifestEntry entry) =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, entry.Audio));

    /// <summary>One entry as a single JSON line (no trailing newline).</summary>
    public static string Format(ManifestEntry entry) => JsonSerializer.Serialize(entry, WriteOptions);

    /// <summary>Validates and writes entries atomically, one JSON object per line.</summary>
    /// <exception cref="FlamException">An entry is invalid (its index is named) or the file cannot be written.</exception>
    public static void Write(string path, IEnumerable<ManifestEntry> entries, bool overwrite = true)
    {
        var text = new StringBuilder();
        var index = 0;
        foreach (var entry in entries)
        {
            index++;
            var problem = Validate(entry);
            if (problem is not null)
            {
                throw new FlamException($"Cannot write manifest '{path}': entry {index} ({entry.Audio}): {problem}.");
            }
            text.Append(Format(entry)).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString(), overwrite);
    }
}
