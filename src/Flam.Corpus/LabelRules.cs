using System.Text.RegularExpressions;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// Turns file paths into clean English words: splits camelCase and separators, drops numbering ("_01", "2", "10a"),
/// expands the few abbreviations game data uses and drops words that say nothing about the sound.
/// </summary>
public static partial class LabelRules
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "of", "sound", "sounds", "snd", "sfx", "fx", "audio", "data", "wav", "ogg", "oga", "public", "base",
        "oxygen", "sys", "im", "gen", "generic", "mn", "misc", "other", "v",
        "en", "us", "f", "allison", "actor", "attack", "resource", "commondata", "tilesets", "mods", "default",
    };

    private static readonly Dictionary<string, string> Abbreviations = new(StringComparer.Ordinal)
    {
        ["amb"] = "ambience",
        ["fs"] = "footstep",
        ["hstep"] = "footstep",
        ["mstep"] = "hoofbeat",
        ["sel"] = "select",
        ["con"] = "construction",
        ["jav"] = "javelin",
        ["imp"] = "impact",
        ["expl"] = "explosion",
        ["wpn"] = "weapon",
        ["atm"] = "atmosphere",
        ["atmo"] = "atmosphere",
        ["fleshimp"] = "flesh impact",
        ["fleshstab"] = "flesh stab",
        ["swordhit"] = "sword hit",
        ["arrowfly"] = "arrow flying",
        ["nightime"] = "night time",
        ["cycadas"] = "cicadas",
        ["abnd"] = "abandoned",
        ["ufoai"] = "",
        ["foorstep"] = "footstep",
        ["msg"] = "message",
    };

    /// <summary>
    /// The clean words of one path segment or stem: "FootStepGrass1" → ["foot", "step", "grass"], "arrow_stone_03" →
    /// ["arrow", "stone"], "swordhit_10a" → ["sword", "hit"].
    /// </summary>
    public static IReadOnlyList<string> Words(string name)
    {
        var spaced = CamelBoundary().Replace(name, " ");
        var words = new List<string>();
        foreach (var token in Separators().Split(spaced.ToLowerInvariant()))
        {
            var t = TrailingNumber().Replace(token, "");
            if (t.Length == 0 || NumberLike().IsMatch(t))
            {
                continue;
            }
            if (Abbreviations.TryGetValue(t, out var expanded))
            {
                words.AddRange(expanded.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            else if (!StopWords.Contains(t))
            {
                words.Add(t);
            }
        }
        return words;
    }

    /// <summary>
    /// The family of a recording: its path without extension and without a trailing variant number, so
    /// "impact/arrow_stone_03.ogg" and "impact/arrow_stone_11.ogg" share "impact/arrow_stone".
    /// </summary>
    /// <param name="relativePath">The file's path below its source's scan root.</param>
    /// <param name="numbersAreTakes">False for sources whose trailing numbers name different sounds (Colobot's
    /// sound001 … sound082): the number is kept, so each file is its own family.</param>
    public static string FamilyKey(string relativePath, bool numbersAreTakes = true)
    {
        var noExtension = Path.ChangeExtension(relativePath.Replace('\\', '/'), null);
        return (numbersAreTakes ? VariantSuffix().Replace(noExtension, "") : noExtension).ToLowerInvariant();
    }

    /// <summary>
    /// A sentence-style caption text ("A vacuum cleaner.") as a short lowercase phrase ("vacuum cleaner").
    /// </summary>
    public static string CleanCaptionText(string text)
    {
        var t = text.Trim().TrimEnd('.', '!', '?', ' ').Trim();
        t = LeadingArticle().Replace(t, "");
        return Whitespace().Replace(t, " ").ToLowerInvariant();
    }

    /// <summary>"a axe thrower" → "an axe thrower": templates write "a {1}" whatever the word.</summary>
    public static string FixArticles(string caption) => ArticleBeforeVowel().Replace(caption, "$1n ");

    [GeneratedRegex(@"\b([Aa]) (?=[aeiouAEIOU])")]
    private static partial Regex ArticleBeforeVowel();

    // lower→Upper and letter→digit boundaries, and acronym→Word ("K3BFinish" → "K3B Finish").
    [GeneratedRegex(@"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")]
    private static partial Regex CamelBoundary();

    [GeneratedRegex(@"[\s_\-\.\(\)\[\],+']+")]
    private static partial Regex Separators();

    // "fire03" → "fire", "bark2" → "bark"; only when letters remain in front.
    [GeneratedRegex(@"(?<=[a-z]{2})\d+[a-z]?$")]
    private static partial Regex TrailingNumber();

    [GeneratedRegex(@"^\d+[a-z]?$|^[a-z]$")]
    private static partial Regex NumberLike();

    [GeneratedRegex(@"[_\-\s.]?\d+[a-z]?$")]
    private static partial Regex VariantSuffix();

    [GeneratedRegex(@"^(a|an|the)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingArticle();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
