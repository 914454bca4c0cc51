using System.Text;

namespace Flam.Evaluation;

/// <summary>One row of a paraphrase table: an event text and its alternative phrasings.</summary>
/// <param name="Text">The event text as it appears in the manifest's events.</param>
/// <param name="Phrasings">At least two phrasings of the same sound (the event text is not one unless repeated).</param>
/// <param name="Line">1-based line number in the file (for messages).</param>
public sealed record ParaphraseRow(string Text, IReadOnlyList<string> Phrasings, int Line);

/// <summary>
/// A paraphrase table (TSV, UTF-8): one row per event text, <c>event text&lt;TAB&gt;phrasing 1&lt;TAB&gt;phrasing 2[&lt;TAB&gt;…]</c>;
/// blank lines and lines starting with <c>#</c> are ignored, fields are trimmed. A row with fewer than two phrasings,
/// an empty field, or a text already listed is an error naming the file and line.
/// </summary>
public sealed class ParaphraseTable
{
    private readonly Dictionary<string, ParaphraseRow> _byText;

    private ParaphraseTable(string path, IReadOnlyList<ParaphraseRow> rows)
    {
        Path = path;
        Rows = rows;
        _byText = rows.ToDictionary(r => r.Text, StringComparer.Ordinal);
    }

    /// <summary>The file the table was read from.</summary>
    public string Path { get; }

    /// <summary>The rows in file order.</summary>
    public IReadOnlyList<ParaphraseRow> Rows { get; }

    /// <summary>The row of <paramref name="text"/> (ordinal match), if any.</summary>
    public ParaphraseRow? Find(string text) => _byText.GetValueOrDefault(text);

    /// <summary>Reads and validates a table file.</summary>
    public static ParaphraseTable Read(string path)
    {
        if (!File.Exists(path)) throw new FlamException($"Paraphrase table '{path}' does not exist.");
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException)
        {
            throw new FlamException($"Paraphrase table '{path}' is not valid UTF-8.");
        }
        return Parse(path, lines);
    }

    /// <summary>Parses table lines; <paramref name="path"/> names the source in messages.</summary>
    public static ParaphraseTable Parse(string path, IReadOnlyList<string> lines)
    {
        var rows = new List<ParaphraseRow>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            var fields = line.Split('\t').Select(f => f.Trim()).ToArray();
            var where = $"{path}:{i + 1}";
            if (fields.Any(f => f.Length == 0))
            {
                throw new FlamException($"{where}: empty field (a row is 'event text<TAB>phrasing 1<TAB>phrasing 2[<TAB>...]', no empty or trailing fields).");
            }
            if (fields.Length < 3)
            {
                throw new FlamException($"{where}: '{fields[0]}' has {fields.Length - 1} phrasing(s); at least two are needed.");
            }
            if (seen.TryGetValue(fields[0], out var first))
            {
                throw new FlamException($"{where}: '{fields[0]}' is already listed on line {first}.");
            }
            seen[fields[0]] = i + 1;
            rows.Add(new ParaphraseRow(fields[0], fields[1..], i + 1));
        }
        if (rows.Count == 0) throw new FlamException($"Paraphrase table '{path}' has no rows.");
        return new ParaphraseTable(path, rows);
    }
}
