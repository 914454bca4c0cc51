using System.Text.Json;
using nietras.SeparatedValues;

namespace Flam.Synthesis;

/// <summary>Text and provenance of one source file, from a metadata file or from its name.</summary>
/// <param name="Path">The file, relative to the source folder ('/' separators) or absolute.</param>
/// <param name="Captions">Descriptions.</param>
/// <param name="Tags">Short labels.</param>
/// <param name="Source">Dataset name, or null.</param>
/// <param name="Licence">Licence, or null.</param>
/// <param name="Kind">Sound-effect or general audio; null means <see cref="SourceKind.Effect"/>.</param>
public sealed record SourceMetadata(
    string Path,
    IReadOnlyList<string> Captions,
    IReadOnlyList<string> Tags,
    string? Source = null,
    string? Licence = null,
    SourceKind? Kind = null);

/// <summary>
/// Reads source metadata (CSV with a header, or JSONL) and derives labels from file names when there is none.
/// Columns/fields: <c>path</c> (required), <c>captions</c>, <c>tags</c> (CSV: several values separated by '|' or ';';
/// JSONL: a string or a list), <c>source</c>, <c>licence</c> (or <c>license</c>), <c>kind</c> (<c>effect</c> or
/// <c>general</c>).
/// </summary>
public static class SourceMetadataReader
{
    private static readonly char[] ListSeparators = ['|', ';'];

    /// <summary>Reads a metadata file; keys are normalised paths relative to <paramref name="folder"/>.</summary>
    /// <exception cref="FlamException">The file is missing or malformed (the line is named).</exception>
    public static Dictionary<string, SourceMetadata> Read(string file, string folder)
    {
        if (!File.Exists(file))
        {
            throw new FlamException($"Metadata file '{file}' does not exist.");
        }
        var rows = file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? ReadJsonLines(file)
            : ReadCsv(file);
        var result = new Dictionary<string, SourceMetadata>(StringComparer.Ordinal);
        foreach (var (line, row) in rows)
        {
            var key = NormalisePath(row.Path, folder);
            if (!result.TryAdd(key, row))
            {
                throw new FlamException($"Metadata file '{file}' line {line}: '{row.Path}' is listed twice.");
            }
        }
        return result;
    }

    /// <summary>A path relative to <paramref name="folder"/> with '/' separators.</summary>
    public static string NormalisePath(string path, string folder)
    {
        var full = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(folder, path);
        return System.IO.Path.GetRelativePath(folder, System.IO.Path.GetFullPath(full)).Replace('\\', '/');
    }

    /// <summary>
    /// Labels from a file's name and folders: "animals/dog_bark_02.ogg" gives the caption "dog bark" and the tags
    /// "dog bark", "animals". Numbers, separators and camel case are cleaned away.
    /// </summary>
    public static SourceMetadata FromName(string relativePath)
    {
        var parts = relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = CleanName(System.IO.Path.GetFileNameWithoutExtension(parts[^1]));
        var folders = parts[..^1].Reverse().Select(CleanName).Where(f => f.Length > 0).ToList();
        if (name.Length == 0)
        {
            // "0001.wav" says nothing; the nearest named folder does.
            name = folders.FirstOrDefault() ?? System.IO.Path.GetFileNameWithoutExtension(parts[^1]);
        }
        var tags = new List<string> { name };
        tags.AddRange(folders.Where(f => f != name));
        return new SourceMetadata(relativePath, [name], tags);
    }

    /// <summary>"dog_bark_02" → "dog bark"; "DoorSlam-Loud" → "door slam loud"; "take3" → "take".</summary>
    public static string CleanName(string name)
    {
        var spaced = new System.Text.StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            // Split camel case ("DoorSlam") and letter/digit boundaries ("take3").
            if (i > 0 && char.IsUpper(c) && char.IsLower(name[i - 1]))
            {
                spaced.Append(' ');
            }
            spaced.Append(char.IsLetterOrDigit(c) || c == '\'' ? char.ToLowerInvariant(c) : ' ');
        }
        var words = spaced.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.TrimEnd("0123456789".ToCharArray()))
            .Where(w => w.Length > 0 && w.Any(char.IsLetter));
        return string.Join(' ', words);
    }

    private static IEnumerable<(int Line, SourceMetadata Row)> ReadCsv(string file)
    {
        var rows = new List<(int, SourceMetadata)>();
        try
        {
            // Sep detects the separator (',', ';', '\t', '|') from the header and unescapes quoted fields.
            using var reader = Sep.Reader(o => o with
            {
                Unescape = true,
                Trim = SepTrim.All,
                DisableColCountCheck = true,
                ColNameComparer = StringComparer.OrdinalIgnoreCase
            }).FromFile(file);
            if (reader.Header.IsEmpty)
            {
                throw new FlamException($"Metadata file '{file}' is empty.");
            }
            if (!reader.Header.TryIndexOf("path", out var pathCol))
            {
                throw new FlamException($"Metadata file '{file}' has no 'path' column (columns: {string.Join(", ", reader.Header.ColNames)}).");
            }
            int Col(params string[] names)
            {
                foreach (var name in names)
                {
                    if (reader.Header.TryIndexOf(name, out var index))
                    {
                        return index;
                    }
                }
                return -1;
            }
            var captionsCol = Col("captions", "caption");
            var tagsCol = Col("tags", "tag");
            var sourceCol = Col("source");
            var licenceCol = Col("licence", "license");
            var kindCol = Col("kind");
            foreach (var row in reader)
            {
                var line = row.LineNumberFrom;
                var fields = new string?[6];
                int[] cols = [pathCol, captionsCol, tagsCol, sourceCol, licenceCol, kindCol];
                for (var c = 0; c < cols.Length; c++)
                {
                    fields[c] = cols[c] >= 0 && cols[c] < row.ColCount ? row[cols[c]].ToString() : null;
                }
                var path = fields[0];
                if (string.IsNullOrWhiteSpace(path))
                {
                    throw new FlamException($"Metadata file '{file}' line {line}: empty path.");
                }
                rows.Add((line, new SourceMetadata(
                    path.Trim(),
                    SplitList(fields[1]),
                    SplitList(fields[2]),
                    NullIfEmpty(fields[3]),
                    NullIfEmpty(fields[4]),
                    ParseKind(fields[5], file, line))));
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or NotSupportedException)
        {
            throw new FlamException($"Metadata file '{file}': malformed CSV ({e.Message.Split('\n')[0]}).", e);
        }
        if (rows.Count == 0)
        {
            throw new FlamException($"Metadata file '{file}' has no rows.");
        }
        return rows;
    }

    private static IEnumerable<(int Line, SourceMetadata Row)> ReadJsonLines(string file)
    {
        var rows = new List<(int, SourceMetadata)>();
        var line = 0;
        foreach (var text in File.ReadLines(file))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new FlamException($"Metadata file '{file}' line {line}: expected a JSON object.");
                }
                string? Str(string name) =>
                    root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                IReadOnlyList<string> List(string name) =>
                    !root.TryGetProperty(name, out var v) ? []
                    : v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String)
                        .Select(x => x.GetString()!.Trim()).Where(x => x.Length > 0).ToList()
                    : SplitList(v.ValueKind == JsonValueKind.String ? v.GetString() : null);
                var path = Str("path");
                if (string.IsNullOrWhiteSpace(path))
                {
                    throw new FlamException($"Metadata file '{file}' line {line}: missing \"path\".");
                }
                var captions = List("captions");
                rows.Add((line, new SourceMetadata(path.Trim(), captions.Count > 0 ? captions : List("caption"),
                    List("tags"), NullIfEmpty(Str("source")), NullIfEmpty(Str("licence") ?? Str("license")),
                    ParseKind(Str("kind"), file, line))));
            }
            catch (JsonException e)
            {
                throw new FlamException($"Metadata file '{file}' line {line}: not valid JSON ({e.Message}).", e);
            }
        }
        if (rows.Count == 0)
        {
            throw new FlamException($"Metadata file '{file}' is empty.");
        }
        return rows;
    }

    private static IReadOnlyList<string> SplitList(string? value) =>
        value is null ? [] : value.Split(ListSeparators).Select(v => v.Trim()).Where(v => v.Length > 0).ToList();

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static SourceKind? ParseKind(string? value, string file, int line) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "effect" or "effects" or "sfx" or "clean" => SourceKind.Effect,
        "general" or "general-audio" => SourceKind.General,
        _ => throw new FlamException($"Metadata file '{file}' line {line}: kind '{value}' is neither 'effect' nor 'general'."),
    };
}
