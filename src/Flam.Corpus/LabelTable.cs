using System.Text;
using System.Text.RegularExpressions;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// The reviewed mapping from file paths to labels, captions and tags (<c>data/corpus/labels.tsv</c>). Each row is
/// <c>pattern \t label \t captions \t tags</c>: the pattern is a case-insensitive regular expression searched in the key
/// <c>source:relative/path/without/extension</c>; captions are '|'-separated and tags ','-separated; all three may use
/// <c>{text}</c> (the source's own caption text, e.g. a Tux Paint description), <c>{words}</c> (the file name's clean
/// words), <c>{folder}</c> (the parent folder's clean words), <c>{transcript}</c> (the words spoken in the recording,
/// from the source's transcript list; the file name's clean words when it has none) and <c>{1}</c>…<c>{9}</c> (the clean
/// words of the pattern's capture groups). The first matching row wins; files no row matches get
/// <c>{text}</c> or <c>{words}</c> as label and caption and the label's and folder's words as tags.
/// </summary>
public sealed class LabelTable
{
    /// <summary>Source caption texts longer than this many words are not used as labels.</summary>
    public const int MaxTextWords = 6;

    private readonly IReadOnlyList<Row> _rows;

    private LabelTable(IReadOnlyList<Row> rows) => _rows = rows;

    /// <summary>Number of rows.</summary>
    public int Count => _rows.Count;

    /// <summary>The table shipped inside the library (a copy of <c>data/corpus/labels.tsv</c>).</summary>
    public static LabelTable Default => DefaultTable.Value;

    // Lazy rather than a static initialiser, so a broken build reports a FlamException, not a TypeInitializationException.
    private static readonly Lazy<LabelTable> DefaultTable = new(LoadDefault);

    /// <summary>Reads a table file.</summary>
    /// <exception cref="FlamException">The file is missing or a row is malformed (names the line).</exception>
    public static LabelTable Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"Label table '{path}' does not exist.");
        }
        return Parse(path, File.ReadAllText(path, Encoding.UTF8));
    }

    /// <summary>Parses table text; <paramref name="name"/> is used in messages. Lines starting with '#' and blank lines are skipped.</summary>
    public static LabelTable Parse(string name, string text)
    {
        var rows = new List<Row>();
        var lineNumber = 0;
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            lineNumber++;
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            var cells = line.Split('\t');
            if (cells.Length != 4 || cells.Any(c => c.Trim().Length == 0))
            {
                throw new FlamException($"{name}, line {lineNumber}: expected 4 non-empty tab-separated cells (pattern, label, captions, tags), found {cells.Count(c => c.Trim().Length > 0)}.");
            }
            Regex regex;
            try
            {
                regex = new Regex(cells[0].Trim(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            }
            catch (ArgumentException e)
            {
                throw new FlamException($"{name}, line {lineNumber}: invalid pattern '{cells[0]}': {e.Message}", e);
            }
            rows.Add(new Row(regex, cells[1].Trim(), cells[2].Split('|').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray(),
                cells[3].Split(',').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray()));
        }
        return new LabelTable(rows);
    }

    /// <summary>
    /// Labels one file. <paramref name="relativePath"/> is the file's path inside its source ('/'-separated);
    /// <paramref name="sourceText"/> is caption text the source itself provides, or null; <paramref name="spokenText"/> is
    /// the caption-ready transcript of the words said in the recording (<see cref="PromptTranscripts.SpokenCaption"/>), or null.
    /// </summary>
    public ClipLabel Label(string source, string relativePath, string? sourceText, string? spokenText = null)
    {
        var path = relativePath.Replace('\\', '/');
        var key = source + ":" + Path.ChangeExtension(path, null);
        var words = string.Join(' ', LabelRules.Words(Path.GetFileNameWithoutExtension(path)));
        var folderName = Path.GetFileName(Path.GetDirectoryName(path) ?? "");
        var folder = string.Join(' ', LabelRules.Words(folderName));
        var text = sourceText is null ? null : LabelRules.CleanCaptionText(sourceText);
        if (text is not null && text.Split(' ').Length > MaxTextWords)
        {
            text = null; // a paragraph (Tux Paint's dreidel rules), not a name: fall back to the file name
        }
        if (words.Length == 0)
        {
            words = folder;
        }
        var fallback = !string.IsNullOrEmpty(text) ? text : words;

        foreach (var row in _rows)
        {
            var match = row.Pattern.Match(key);
            if (!match.Success)
            {
                continue;
            }
            string Expand(string template)
            {
                for (var g = 1; g < match.Groups.Count && g <= 9; g++)
                {
                    template = template.Replace("{" + g + "}", string.Join(' ', LabelRules.Words(match.Groups[g].Value)), StringComparison.Ordinal);
                }
                return template
                .Replace("{text}", fallback, StringComparison.Ordinal)
                .Replace("{words}", words, StringComparison.Ordinal)
                .Replace("{folder}", folder, StringComparison.Ordinal)
                .Replace("{transcript}", spokenText ?? words, StringComparison.Ordinal)
                .Trim();
            }
            var label = Expand(row.Label);
            var captions = row.Captions.Select(Expand).Where(c => c.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            var tags = row.Tags.SelectMany(t => IsWordList(t) ? Expand(t).Split(' ') : [Expand(t)])
                .Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).ToList();
            return Finish(label, captions, tags, row.Pattern.ToString());
        }
        var fallbackTags = fallback.Split(' ').Concat(folder.Split(' ')).Where(t => t.Length > 1).Distinct(StringComparer.Ordinal).ToList();
        return Finish(fallback, [fallback], fallbackTags, !string.IsNullOrEmpty(text) ? "caption text" : "path words");
    }

    // A tag cell that is only a placeholder becomes one tag per word ("{words}" → "arrow", "stone").
    private static bool IsWordList(string tag) => tag.Length >= 3 && tag[0] == '{' && tag[^1] == '}' && !tag[1..^1].Contains('{');

    private static ClipLabel Finish(string label, List<string> captions, List<string> tags, string rule)
    {
        // Every clip gets at least one caption and one tag: the label itself stands in for missing ones.
        if (captions.Count == 0)
        {
            captions.Add(label);
        }
        for (var i = 0; i < captions.Count; i++)
        {
            captions[i] = LabelRules.FixArticles(captions[i]);
        }
        if (tags.Count == 0)
        {
            tags.Add(label);
        }
        return new ClipLabel(label, captions, tags, rule);
    }

    private static LabelTable LoadDefault()
    {
        const string resource = "Flam.Synthesis.Corpus.labels.tsv";
        using var stream = typeof(LabelTable).Assembly.GetManifestResourceStream(resource)
            ?? throw new FlamException($"The built-in label table ({resource}) is missing from the Flam library.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse("labels.tsv (built in)", reader.ReadToEnd());
    }

    private sealed record Row(Regex Pattern, string Label, IReadOnlyList<string> Captions, IReadOnlyList<string> Tags);
}
