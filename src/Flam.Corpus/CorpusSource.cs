namespace Flam.Synthesis.Corpus;

/// <summary>Where a corpus source's files come from.</summary>
public enum SourceOrigin
{
    /// <summary>A Debian package fetched with <c>apt-get download</c> and unpacked with <c>dpkg-deb -x</c>.</summary>
    DebianPackage,

    /// <summary>A local folder of audio files with a <c>LICENSES.md</c> table (file | content | author | licence).</summary>
    LicensedFolder,

    /// <summary>
    /// A git repository read at a pinned commit from a local clone (<c>git archive</c>), with per-file licences from
    /// reviewed rules (<see cref="GitSourceCatalog"/>).
    /// </summary>
    GitRepository,
}

/// <summary>
/// How one source is turned into corpus clips: which files to take, where their text comes from, and whether they count
/// as clean sound effects (the synthesis 80/20 rule) or general audio.
/// </summary>
/// <param name="Name">Package name, or the folder's name for <see cref="SourceOrigin.LicensedFolder"/>.</param>
/// <param name="Origin">Package or folder.</param>
/// <param name="ScanRoot">Folder (relative to the unpacked package, '/'-separated; the absolute folder for <see cref="SourceOrigin.LicensedFolder"/>) whose audio files are considered; output paths are relative to it.</param>
/// <param name="Include">Globs (relative to <paramref name="ScanRoot"/>; '*' matches within a folder, '**' across folders) a file must match; empty = every audio file.</param>
/// <param name="Exclude">Globs of files to drop (music, voices, UI sounds, spoken letters ...).</param>
/// <param name="InnerArchives">Zip archives (relative to <paramref name="ScanRoot"/>) whose audio entries are scanned as if they were folders named like the archive.</param>
/// <param name="CleanEffect">True for curated sound effects, false for general audio (speech, long mixed recordings).</param>
/// <param name="CopyrightPaths">Prefix rewrites (from, to) that turn a <paramref name="ScanRoot"/>-relative path into the source-tree path the package's DEP-5 copyright file uses; the first matching prefix applies.</param>
/// <param name="MaxFiles">Keep at most this many files (a deterministic hash-ordered subset); 0 = all. Stops one source (e.g. speech) from flooding the corpus.</param>
/// <param name="Note">Why this source is in, and what was left out — copied into the corpus LICENSES.md.</param>
/// <param name="AllowBackgrounds">Whether clips of background length count as backgrounds; when false (speech) they are left out, being neither events nor ambience.</param>
/// <param name="FallbackLicence">The package licence, as the text of a copyright file that is not machine-readable states it; used only for such files.</param>
/// <param name="Transcripts">Where the words spoken in the source's recordings are written down, if anywhere; they fill the label table's <c>{transcript}</c>.</param>
/// <param name="Git">For <see cref="SourceOrigin.GitRepository"/>: the repository, its pinned commit and its licence rules.</param>
/// <param name="NumberedNames">True when a file name's trailing number names a different sound rather than another take of one (Colobot's
/// sound000.wav … sound082.wav): each file is then its own recording family, so the family cap does not merge them.</param>
/// <param name="GeneralPaths">Globs (as <paramref name="Include"/>) of files that are general audio although the source's other files are
/// clean effects (Trigger Rally's spoken pace notes beside its car sounds); empty = the source's kind for every file.</param>
public sealed record CorpusSource(
    string Name,
    SourceOrigin Origin,
    string ScanRoot,
    IReadOnlyList<string> Include,
    IReadOnlyList<string> Exclude,
    IReadOnlyList<string> InnerArchives,
    bool CleanEffect,
    IReadOnlyList<(string From, string To)> CopyrightPaths,
    int MaxFiles,
    string Note,
    LicenceRecord? FallbackLicence = null,
    bool AllowBackgrounds = true,
    TranscriptSource? Transcripts = null,
    GitPin? Git = null,
    bool NumberedNames = false,
    IReadOnlyList<string>? GeneralPaths = null)
{
    /// <summary>The file selection (scan root, include and exclude globs) as text. Cache markers record it, so a cache
    /// filled for another selection is filled again.</summary>
    public string Selection => $"scan root: {ScanRoot}\ninclude: {string.Join(' ', Include)}\nexclude: {string.Join(' ', Exclude)}\n";

    /// <summary>Whether the file at <paramref name="relative"/> (below the scan root) is a clean sound effect: the source's kind,
    /// unless one of <see cref="GeneralPaths"/> makes it general audio.</summary>
    public bool IsCleanEffect(string relative) =>
        CleanEffect && !(GeneralPaths ?? []).Any(g => PathGlob.Corpus(g).IsMatch(relative));

    /// <summary>A licensed local folder (every audio file in it, general-purpose ambience by default).</summary>
    public static CorpusSource Folder(string path, bool cleanEffect = false) =>
        new(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))), SourceOrigin.LicensedFolder, Path.GetFullPath(path), [], [], [], cleanEffect, [], 0,
            "Local folder; per-file author and licence from its LICENSES.md.");
}

/// <summary>
/// A transcript list for a source's recordings, shipped in another Debian package: fetched through the same package
/// cache, read with <see cref="PromptTranscripts"/> (keys are paths below the source's scan root, without extension).
/// </summary>
/// <param name="Package">The Debian package that holds the list.</param>
/// <param name="Path">The list's path inside that package ('/'-separated; gzip-compressed when it ends in .gz).</param>
public sealed record TranscriptSource(string Package, string Path)
{
    /// <summary>"package:path", as recorded in each transcribed clip's <c>transcript_source</c>.</summary>
    public override string ToString() => Package + ":" + Path;
}

/// <summary>A git repository at a pinned commit, and which licence each of its files is under.</summary>
/// <param name="Repository">GitHub-style "owner/name": where anyone can clone the same commit.</param>
/// <param name="Commit">The full commit hash every build reads.</param>
/// <param name="Licences">Reviewed rules; the first whose globs match a file gives its licence; files no rule matches are left out.</param>
/// <param name="Evidence">Which file of the repository states the licences (copied into the corpus LICENSES.md).</param>
public sealed record GitPin(string Repository, string Commit, IReadOnlyList<GitLicenceRule> Licences, string Evidence)
{
    /// <summary>
    /// The licence of a file given by its path below the source's scan root and its path in the repository (a rule's
    /// globs may be written either way), or null when no rule covers it.
    /// </summary>
    public LicenceRecord? Lookup(string scanRelativePath, string repositoryPath) =>
        Licences.FirstOrDefault(r => r.Matches(scanRelativePath) || r.Matches(repositoryPath))?.Record;
}

/// <summary>One licence rule of a git source: files (corpus globs) and their licence.</summary>
/// <param name="Files">Globs ('*' within a folder, '**' across folders).</param>
/// <param name="Record">Licence and copyright holders.</param>
public sealed record GitLicenceRule(IReadOnlyList<string> Files, LicenceRecord Record)
{
    private readonly Lazy<PathGlob[]> _globs = new(() => Files.Select(PathGlob.Corpus).ToArray());

    /// <summary>Whether any of the globs matches the whole path.</summary>
    public bool Matches(string path) => _globs.Value.Any(g => g.IsMatch(path));
}
