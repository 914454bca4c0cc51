namespace Flam.Synthesis;

/// <summary>
/// Which files of the source folders are events and which are backgrounds (paper §4.2: events are shorter than 10 s and
/// do not contain the keyword "ambiance"; backgrounds last at least 10 s and contain it). The keyword is looked for in
/// the file's path, captions and tags, case-insensitively.
/// </summary>
public sealed record ClassificationRules
{
    /// <summary>Events must be shorter than this (paper: 10 s).</summary>
    public double EventMaxSeconds { get; init; } = 10;

    /// <summary>Backgrounds must last at least this (paper: 10 s); they must also cover the mixture duration.</summary>
    public double BackgroundMinSeconds { get; init; } = 10;

    /// <summary>The background keywords (paper: "ambiance"; "ambience" is the other common spelling).</summary>
    public IReadOnlyList<string> Keywords { get; init; } = ["ambiance", "ambience"];

    /// <summary>Files with a keyword are not events (paper rule).</summary>
    public bool EventsExcludeKeyword { get; init; } = true;

    /// <summary>
    /// Backgrounds must contain a keyword. The paper needs this because it splits one mixed corpus; with a dedicated
    /// backgrounds folder the folder already says what its files are, so the default is off. Turn it on when the events and
    /// backgrounds folders are the same corpus.
    /// </summary>
    public bool BackgroundsRequireKeyword { get; init; }

    /// <summary>The problems with these rules, or nothing.</summary>
    public IEnumerable<string> Problems()
    {
        if (!(EventMaxSeconds > 0))
        {
            yield return $"event max duration must be positive, got {EventMaxSeconds}";
        }
        if (!(BackgroundMinSeconds > 0))
        {
            yield return $"background min duration must be positive, got {BackgroundMinSeconds}";
        }
        if ((EventsExcludeKeyword || BackgroundsRequireKeyword) && (Keywords.Count == 0 || Keywords.Any(string.IsNullOrWhiteSpace)))
        {
            yield return "background keywords must be non-empty words";
        }
    }

    /// <summary>Whether any keyword occurs in the given texts.</summary>
    public bool HasKeyword(IEnumerable<string> texts) =>
        texts.Any(t => Keywords.Any(k => t.Contains(k, StringComparison.OrdinalIgnoreCase)));
}
