using System.Text.RegularExpressions;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// Which licences the corpus accepts: free licences that allow redistribution and derived works (copyleft included;
/// attribution/share-alike duties are met by the per-file licence record). Non-commercial, no-derivatives and unknown
/// licences are refused.
/// </summary>
public static partial class LicencePolicy
{
    private static readonly string[] FreeFamilies =
    [
        "cc0", "cc-by", "cc by", "gpl", "lgpl", "agpl", "mit", "expat", "bsd", "zlib", "isc", "apache", "public-domain",
        "public domain", "bsl-1.0", "ofl",
        // Open Database License for a collection, Database Contents License (free use, no conditions) for its recordings.
        "odbl", "dbcl",
        // Free Art License 1.3 (copyleft, like CC-BY-SA; in Debian main, e.g. GCompris' memory-sound recordings).
        "free-art",
        // Battle Tanks: the GPL plus an exception letting its authors sell add-ons; the data itself is GPL (Debian main).
        "battle-tanks-license",
    ];

    /// <summary>True when <paramref name="licence"/> (a copyright-file short name or a table entry) is free for redistribution and training.</summary>
    public static bool IsFree(string licence)
    {
        var l = licence.Trim().ToLowerInvariant();
        if (l.Length == 0 || RestrictedTerm().IsMatch(l))
        {
            return false;
        }
        return FreeFamilies.Any(f => l.StartsWith(f, StringComparison.Ordinal));
    }

    // "-nc", " nc", "-nd" as whole tokens: non-commercial or no-derivatives Creative Commons variants.
    [GeneratedRegex(@"(^|[\s\-_])(nc|nd|noncommercial|non-commercial)($|[\s\-_.0-9])")]
    private static partial Regex RestrictedTerm();
}
