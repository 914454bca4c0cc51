namespace Flam.Synthesis.Corpus;

/// <summary>One row of a folder's LICENSES.md table.</summary>
/// <param name="Content">What the recording is ("crackling fire"): the clip's caption text.</param>
/// <param name="Record">Author and licence.</param>
public sealed record FolderLicence(string Content, LicenceRecord Record);

/// <summary>
/// Reads the Markdown table of a licensed folder (<c>| file | content | author | licence |</c>), as in
/// <c>ambience-blanket/LICENSES.md</c>. Files without a row have no known licence and are left out.
/// </summary>
public static class FolderLicences
{
    /// <summary>File name → row, from <c>DIR/LICENSES.md</c>.</summary>
    /// <exception cref="FlamException">The file is missing or has no table with file/content/author/licence columns.</exception>
    public static IReadOnlyDictionary<string, FolderLicence> Read(string folder)
    {
        var path = Path.Combine(folder, "LICENSES.md");
        if (!File.Exists(path))
        {
            throw new FlamException($"Corpus folder '{folder}' has no LICENSES.md giving each file's author and licence.");
        }
        return Parse(path, File.ReadAllText(path));
    }

    /// <summary>Parses the table text; <paramref name="name"/> is used in messages.</summary>
    public static IReadOnlyDictionary<string, FolderLicence> Parse(string name, string text)
    {
        var rows = new Dictionary<string, FolderLicence>(StringComparer.Ordinal);
        int[]? columns = null;
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            var trimmed = line.Trim();
            if (!trimmed.StartsWith('|'))
            {
                continue;
            }
            var cells = trimmed.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (columns is null)
            {
                var lower = cells.Select(c => c.ToLowerInvariant()).ToArray();
                int Find(params string[] names) => Array.FindIndex(lower, c => names.Contains(c));
                columns = [Find("file"), Find("content"), Find("author"), Find("licence", "license")];
                if (columns.Any(c => c < 0))
                {
                    throw new FlamException($"{name}: the table header must have file, content, author and licence columns.");
                }
                continue;
            }
            if (cells.All(c => c.Trim('-', ':').Length == 0) || cells.Length <= columns.Max())
            {
                continue;
            }
            rows[cells[columns[0]]] = new FolderLicence(cells[columns[1]], new LicenceRecord(cells[columns[3]], cells[columns[2]]));
        }
        if (columns is null)
        {
            throw new FlamException($"{name}: no licence table (| file | content | author | licence |) found.");
        }
        return rows;
    }
}
