using System.Text;
using System.Text.Json;

namespace Flam.Evaluation;

/// <summary>One row of a paraphrase table: an event text and its alternative phrasings.</summary>
/// <param name="Text">The event text as it appears in the manifest's events.</param>
/// <param name="Phrasings">At least two phrasings of the same sound (the event text is not one unless repeated).</param>
/// <param name="Line">1-based line number in the file (for messages).</param>
public sealed record ParaphraseRow(string Text, IReadOnlyList<string> Phrasings, int Line);

/// <summary>
/// A paraphrase table (TSV, UTF-8): one row per event text, <c>event text&lt;TAB&gt;phrasing 1&lt;TAB&gt;phrasing 2[&lt;TAB&gt;…]</c>;
/// blank lines and lines starting with <c>#</c> are ignored, fields are trimmed. A row with fewer than two phrasings,
/// an empty field, or a text already listed is an error naming the file and line. Rows are keyed by exact (ordinal)
/// text; <see cref="WithCaptionAliases"/> lets the captions of a labelled corpus stand for their label's row.
/// </summary>
public sealed class ParaphraseTable
{
    private readonly Dictionary<string, ParaphraseRow> _byText;
    private readonly Dictionary<string, ParaphraseRow> _aliases;

    private ParaphraseTable(string path, IReadOnlyList<ParaphraseRow> rows, Dictionary<string, ParaphraseRow>? aliases = null,
        IReadOnlyList<string>? ambiguous = null)
    {
        Path = path;
        Rows = rows;
        _byText = rows.ToDictionary(r => r.Text, StringComparer.Ordinal);
        _aliases = aliases ?? new(StringComparer.Ordinal);
        AmbiguousCaptions = ambiguous ?? [];
    }

    /// <summary>Captions left without a row because they describe clips of several labels that have rows.</summary>
    public IReadOnlyList<string> AmbiguousCaptions { get; }

    /// <summary>Number of captions that stand for a label's row.</summary>
    public int AliasCount => _aliases.Count;

    /// <summary>The file the table was read from.</summary>
    public string Path { get; }

    /// <summary>The rows in file order.</summary>
    public IReadOnlyList<ParaphraseRow> Rows { get; }

    /// <summary>The row of <paramref name="text"/> (ordinal match), else the row of the label it is a caption of, if any.</summary>
    public ParaphraseRow? Find(string text) => _byText.GetValueOrDefault(text) ?? _aliases.GetValueOrDefault(text);

    /// <summary>
    /// Adds caption aliases from corpus metadata (JSONL, one clip per line with a <c>label</c> string and a
    /// <c>captions</c> list, as <c>flam corpus build</c> writes): an event text without a row of its own that is a
    /// caption of clips labelled with a row's text uses that row — synthesized mixtures name events by a caption of
    /// the source clip, while the table is written per label. A caption of clips with different labelled rows is
    /// ambiguous and gets no row (<see cref="AmbiguousCaptions"/>).
    /// </summary>
    public ParaphraseTable WithCaptionAliases(IEnumerable<string> metadataFiles)
    {
        var labels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var file in metadataFiles)
        {
            foreach (var (caption, label) in ReadCaptionLabels(file))
            {
                if (_byText.ContainsKey(caption) || !_byText.ContainsKey(label)) continue;
                if (!labels.TryGetValue(caption, out var set)) labels[caption] = set = new(StringComparer.Ordinal);
                set.Add(label);
            }
        }
        var aliases = new Dictionary<string, ParaphraseRow>(_aliases, StringComparer.Ordinal);
        foreach (var (caption, set) in labels.Where(kv => kv.Value.Count == 1)) aliases[caption] = _byText[set.Single()];
        List<string> ambiguous = [.. AmbiguousCaptions.Concat(labels.Where(kv => kv.Value.Count > 1).Select(kv => kv.Key)).Order(StringComparer.Ordinal)];
        return new ParaphraseTable(Path, Rows, aliases, ambiguous);
    }

    private static IEnumerable<(string Caption, string Label)> ReadCaptionLabels(string path)
    {
        if (!File.Exists(path)) throw new FlamException($"Corpus metadata '{path}' does not exist.");
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            string label;
            string[] captions;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("label", out var l) || l.ValueKind != JsonValueKind.String
                    || !root.TryGetProperty("captions", out var c) || c.ValueKind != JsonValueKind.Array
                    || c.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                {
                    throw new FlamException($"{path}:{number}: expected an object with a \"label\" string and a \"captions\" list of strings.");
                }
                label = l.GetString()!.Trim();
                captions = [.. c.EnumerateArray().Select(x => x.GetString()!.Trim())];
            }
            catch (JsonException e)
            {
                throw new FlamException($"{path}:{number}: not valid JSON ({e.Message}).");
            }
            foreach (var caption in captions) yield return (caption, label);
        }
    }

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
