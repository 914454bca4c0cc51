using System.Text;
using System.Text.RegularExpressions;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// Shell-style globs over '/'-separated relative paths. Two dialects: corpus include/exclude patterns, where '*' stays
/// inside one folder and '**' crosses folders, and Debian copyright (DEP-5) patterns, where '*' crosses folders too.
/// </summary>
internal sealed class PathGlob
{
    private readonly Regex _regex;

    private PathGlob(string pattern, bool starCrossesFolders)
    {
        Pattern = pattern;
        _regex = new Regex(ToRegex(pattern, starCrossesFolders), RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>A corpus pattern: '*' and '?' stay within a folder, '**' matches any number of folders.</summary>
    public static PathGlob Corpus(string pattern) => new(pattern, starCrossesFolders: false);

    /// <summary>A DEP-5 copyright pattern: '*' matches any characters including '/'.</summary>
    public static PathGlob Copyright(string pattern) => new(pattern, starCrossesFolders: true);

    /// <summary>Whether the whole path matches.</summary>
    public bool IsMatch(string path) => _regex.IsMatch(path);

    private static string ToRegex(string pattern, bool starCrossesFolders)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*')
            {
                if (!starCrossesFolders && i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    // "**/" also matches zero folders, so "a/**/b" matches "a/b".
                    var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                    sb.Append(slash ? "(?:.*/)?" : ".*");
                    i += slash ? 2 : 1;
                }
                else
                {
                    sb.Append(starCrossesFolders ? ".*" : "[^/]*");
                }
            }
            else if (c == '?')
            {
                sb.Append(starCrossesFolders ? "." : "[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }
        return sb.Append('$').ToString();
    }
}
