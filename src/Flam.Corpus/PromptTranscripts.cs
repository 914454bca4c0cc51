using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// A prompt transcript list in Asterisk's <c>core-sounds-LANG.txt</c> format: one <c>key: text</c> line per recording,
/// where the key is the recording's path below the sound folder without extension (<c>vm-nobodyavail</c>,
/// <c>digits/7</c>) and the text is what is said (<c>Nobody is available to take your call at the moment.</c>) or,
/// in brackets, what is heard instead of speech (<c>[this is a simple beep tone]</c>). Lines starting with ';' and blank
/// lines are skipped; malformed lines are reported in <see cref="Problems"/>, not fatal.
/// </summary>
public sealed partial class PromptTranscripts
{
    /// <summary>Captions quote at most this many words of a transcript (see <see cref="SpokenCaption"/>).</summary>
    public const int MaxCaptionWords = 12;

    private PromptTranscripts(IReadOnlyDictionary<string, string> entries, IReadOnlyList<string> problems)
    {
        Entries = entries;
        Problems = problems;
    }

    /// <summary>Transcript text by key, as written in the file (trimmed).</summary>
    public IReadOnlyDictionary<string, string> Entries { get; }

    /// <summary>One message per skipped line ("line 12: no 'key: text' separator").</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Reads a transcript file, gzip-compressed when its name ends in <c>.gz</c> (as Debian ships it).</summary>
    /// <exception cref="FlamException">The file is missing or not readable (names it).</exception>
    public static PromptTranscripts Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"Transcript file '{path}' does not exist.");
        }
        try
        {
            using var file = File.OpenRead(path);
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return Parse(reader.ReadToEnd());
        }
        catch (InvalidDataException e)
        {
            throw new FlamException($"Transcript file '{path}' is not readable: {e.Message}", e);
        }
    }

    /// <summary>Parses transcript text. The first line of a repeated key wins; the repeat is reported as a problem.</summary>
    public static PromptTranscripts Parse(string text)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var lineNumber = 0;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith(';'))
            {
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon < 0)
            {
                problems.Add($"line {lineNumber}: no 'key: text' separator");
                continue;
            }
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key.Length == 0 || key.Any(char.IsWhiteSpace))
            {
                problems.Add($"line {lineNumber}: '{key}' is not a recording name");
            }
            else if (value.Length == 0)
            {
                problems.Add($"line {lineNumber}: '{key}' has no text");
            }
            else if (!entries.TryAdd(key, value))
            {
                problems.Add($"line {lineNumber}: '{key}' repeats an earlier line");
            }
        }
        return new PromptTranscripts(entries, problems);
    }

    /// <summary>
    /// The words a caption quotes from a transcript, or null when the transcript holds no speech (only bracketed notes
    /// such as "[this is a simple beep tone]" or "&lt;beep ascending&gt;"). Notes in [], () or &lt;&gt; are dropped, double
    /// quotes become single quotes (the caption quotes the whole text), leading dots are dropped. Whole sentences are
    /// kept while they total at most <see cref="MaxCaptionWords"/> words ("Login incorrect. Mailbox?"); a longer first
    /// sentence is cut to its first <see cref="MaxCaptionWords"/> words followed by "...". A final '.', ',', ';', ':' or
    /// ellipsis is dropped; '?' and '!' are kept.
    /// </summary>
    public static string? SpokenCaption(string transcript)
    {
        var text = Note().Replace(transcript, " ").Replace('"', '\'').Replace('\u2026', '.');
        text = Whitespace().Replace(text, " ").Trim().TrimStart('.', ' ');
        if (!text.Any(char.IsLetterOrDigit))
        {
            return null;
        }
        var kept = new List<string>();
        var count = 0;
        foreach (var sentence in SentenceEnd().Split(text))
        {
            var n = sentence.Split(' ').Length;
            if (count + n > MaxCaptionWords)
            {
                break;
            }
            kept.Add(sentence);
            count += n;
        }
        if (kept.Count == 0)
        {
            var words = string.Join(' ', text.Split(' ').Take(MaxCaptionWords));
            return words.TrimEnd(',', ';', ':', '.') + "...";
        }
        return string.Join(' ', kept).TrimEnd('.', ',', ';', ':', ' ');
    }

    [GeneratedRegex(@"\[[^\]]*\]|\([^)]*\)|<[^>]*>")]
    private static partial Regex Note();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // A sentence ends at '.', '!' or '?' followed by a space.
    [GeneratedRegex(@"(?<=[.!?]) ")]
    private static partial Regex SentenceEnd();
}
