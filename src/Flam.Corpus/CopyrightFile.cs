using System.Text;

namespace Flam.Synthesis.Corpus;

/// <summary>The licence and copyright holders a copyright file gives for one file.</summary>
/// <param name="Licence">Short licence name as written (e.g. "CC-BY-SA-3.0", "GPL-2+").</param>
/// <param name="Copyright">Copyright holders / authors, one line, or empty.</param>
public sealed record LicenceRecord(string Licence, string Copyright);

/// <summary>
/// A Debian machine-readable copyright file (DEP-5, <c>/usr/share/doc/PKG/copyright</c>): its Files paragraphs with
/// their licence and copyright. As DEP-5 says, the last paragraph whose pattern matches a file wins.
/// </summary>
public sealed class CopyrightFile
{
    private readonly List<(PathGlob[] Patterns, LicenceRecord Record)> _paragraphs;

    private CopyrightFile(string path, bool machineReadable, List<(PathGlob[] Patterns, LicenceRecord Record)> paragraphs)
    {
        Path = path;
        IsMachineReadable = machineReadable;
        _paragraphs = paragraphs;
    }

    /// <summary>The file it was read from.</summary>
    public string Path { get; }

    /// <summary>True when the file declares the DEP-5 format; otherwise no per-file lookup is possible.</summary>
    public bool IsMachineReadable { get; }

    /// <summary>Every distinct licence short name in a Files paragraph.</summary>
    public IReadOnlyList<string> Licences => _paragraphs.Select(p => p.Record.Licence).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Reads and parses a copyright file.</summary>
    /// <exception cref="FlamException">The file does not exist.</exception>
    public static CopyrightFile Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"Copyright file '{path}' does not exist.");
        }
        return Parse(path, File.ReadAllText(path, Encoding.UTF8));
    }

    /// <summary>Parses copyright text; <paramref name="path"/> is only used in messages.</summary>
    public static CopyrightFile Parse(string path, string text)
    {
        var paragraphs = new List<(PathGlob[], LicenceRecord)>();
        var machineReadable = false;
        var first = true;
        foreach (var fields in Paragraphs(text))
        {
            if (first && fields.TryGetValue("format", out var format) && format.Contains("copyright-format", StringComparison.OrdinalIgnoreCase))
            {
                machineReadable = true;
            }
            first = false;
            if (!fields.TryGetValue("files", out var files) || !fields.TryGetValue("license", out var license))
            {
                continue;
            }
            var patterns = files.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(PathGlob.Copyright).ToArray();
            var licenceName = license.Split('\n')[0].Trim();
            var copyright = fields.TryGetValue("copyright", out var c) ? OneLine(c) : "";
            paragraphs.Add((patterns, new LicenceRecord(licenceName, copyright)));
        }
        return new CopyrightFile(path, machineReadable, paragraphs);
    }

    /// <summary>The record of the last Files paragraph matching <paramref name="sourcePath"/> (a source-tree path), or null.</summary>
    public LicenceRecord? Lookup(string sourcePath)
    {
        for (var i = _paragraphs.Count - 1; i >= 0; i--)
        {
            if (_paragraphs[i].Patterns.Any(p => p.IsMatch(sourcePath)))
            {
                return _paragraphs[i].Record;
            }
        }
        return null;
    }

    private static string OneLine(string value) =>
        string.Join("; ", value.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l != "."));

    /// <summary>Splits deb822 text into paragraphs of lower-cased field name → value (continuation lines joined with '\n').</summary>
    private static IEnumerable<Dictionary<string, string>> Paragraphs(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.Trim().Length == 0)
            {
                if (fields.Count > 0)
                {
                    yield return fields;
                    fields = new Dictionary<string, string>(StringComparer.Ordinal);
                }
                current = null;
                continue;
            }
            if (raw.StartsWith('#'))
            {
                continue;
            }
            if ((raw[0] == ' ' || raw[0] == '\t') && current is not null)
            {
                fields[current] += "\n" + raw.Trim();
                continue;
            }
            var colon = raw.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            current = raw[..colon].Trim().ToLowerInvariant();
            fields[current] = raw[(colon + 1)..].Trim();
        }
        if (fields.Count > 0)
        {
            yield return fields;
        }
    }
}
