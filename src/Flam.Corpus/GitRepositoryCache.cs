using System.Formats.Tar;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// Reads git sources at their pinned commits from local clones under one folder, and exports the audio files each
/// source takes with <c>git archive</c> into <c>CACHE/git/NAME@COMMIT/</c> (a marker makes later runs skip it).
/// A clone of "owner/name" is looked for at <c>ROOT/owner+name/repo</c>, <c>ROOT/owner+name</c>, <c>ROOT/owner/name</c>
/// and <c>ROOT/name</c>; bare clones and mirrors work too. Nothing is fetched from the network.
/// </summary>
public sealed class GitRepositoryCache(string gitRoot, string cacheDirectory, TextWriter log)
{
    private const string ExportedMarker = ".flam-exported";
    private const string NeededFor = "git sources need git on PATH";
    private const string NotSelectedFile = ".flam-not-selected";

    /// <summary>The local clone of <paramref name="repository"/> ("owner/name"), or a <see cref="FlamException"/> saying how to get it.</summary>
    public string Locate(string repository, string commit)
    {
        var owner = repository.Split('/')[0];
        var name = repository.Split('/')[1];
        string[] candidates =
        [
            Path.Combine(gitRoot, owner + "+" + name, "repo"), Path.Combine(gitRoot, owner + "+" + name),
            Path.Combine(gitRoot, owner, name), Path.Combine(gitRoot, name),
        ];
        var clone = candidates.FirstOrDefault(IsGitRepository) ?? throw new FlamException(
            $"No clone of {repository} under '{gitRoot}' (looked for {string.Join(", ", candidates.Select(c => Path.GetRelativePath(gitRoot, c)))}). " +
            $"Get it with: git clone https://github.com/{repository} '{Path.Combine(gitRoot, owner, name)}'.");
        var (code, _) = ExternalProgram.Run("git", ["-C", clone, "cat-file", "-e", commit + "^{commit}"], null, NeededFor, throwOnError: false);
        if (code != 0)
        {
            throw new FlamException($"The clone of {repository} at '{clone}' does not have commit {commit}; fetch it: git -C '{clone}' fetch origin {commit}.");
        }
        return clone;
    }

    /// <summary>
    /// Exports the audio files of the source's scan root that <paramref name="selected"/> accepts (it sees paths below the
    /// scan root) at the pinned commit, once per selection, and lists the scan root's other audio files without
    /// exporting them. Only what is taken is read, so a clone lacking an unwanted file's content (a shallow or partial
    /// clone, a snapshot without its largest files) still builds.
    /// </summary>
    /// <exception cref="FlamException">No clone, no such commit, no such folder at that commit, or git fails.</exception>
    public GitExport Export(CorpusSource source, Func<string, bool> selected)
    {
        var pin = source.Git ?? throw new ArgumentException($"'{source.Name}' is not a git source.", nameof(source));
        var target = Path.Combine(cacheDirectory, "git", source.Name + "@" + pin.Commit);
        var scanRoot = source.ScanRoot.Length == 0 ? target : Path.Combine(target, source.ScanRoot);
        // The marker names the selection, so an export made for other include/exclude globs is made again.
        var markerText = $"{pin.Repository}@{pin.Commit}\n{source.Selection}";
        if (CacheFolder.IsComplete(target, ExportedMarker, markerText))
        {
            return new GitExport(scanRoot, File.ReadAllLines(Path.Combine(target, NotSelectedFile)));
        }
        var clone = Locate(pin.Repository, pin.Commit);
        var prefix = source.ScanRoot.Length == 0 ? "" : source.ScanRoot + "/";
        List<string> listing = ["-C", clone, "ls-tree", "-r", "-z", "--full-name", "--name-only", pin.Commit];
        if (prefix.Length > 0)
        {
            listing.AddRange(["--", source.ScanRoot]);
        }
        var files = ExternalProgram.Output("git", listing, NeededFor).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p[prefix.Length..]).ToList();
        if (files.Count == 0)
        {
            throw new FlamException($"{pin.Repository} has no folder '{source.ScanRoot}' at commit {pin.Commit} (git source '{source.Name}').");
        }
        var audio = files.Where(CorpusBuilder.IsAudioFile).ToList();
        var wanted = audio.Where(selected).ToList();
        var notSelected = audio.Except(wanted, StringComparer.Ordinal).ToList();
        CacheFolder.Fill(target, ExportedMarker, markerText, tmp =>
        {
            Directory.CreateDirectory(source.ScanRoot.Length == 0 ? tmp : Path.Combine(tmp, source.ScanRoot));
            File.WriteAllLines(Path.Combine(tmp, NotSelectedFile), notSelected);
            if (wanted.Count == 0)
            {
                return;
            }
            var tar = tmp + ".tar";
            log.WriteLine($"{source.Name}: git archive {pin.Repository}@{pin.Commit[..12]} {source.ScanRoot} ({wanted.Count} files)");
            List<string> arguments = ["--literal-pathspecs", "-C", clone, "archive", "--format=tar", "-o", Path.GetFullPath(tar), pin.Commit, "--"];
            arguments.AddRange(wanted.Select(rel => prefix + rel));
            var (code, error) = ExternalProgram.Run("git", arguments, null, NeededFor, throwOnError: false);
            if (code != 0)
            {
                File.Delete(tar);
                throw new FlamException($"git archive of {pin.Repository}@{pin.Commit} failed (exit {code}): {error.Trim()}");
            }
            try
            {
                // Git archives hold only regular files, folders and symlinks below the prefix; the extractor refuses entries that leave it.
                TarFile.ExtractToDirectory(tar, tmp, overwriteFiles: true);
            }
            finally
            {
                File.Delete(tar);
            }
        });
        return new GitExport(scanRoot, notSelected);
    }

    private static bool IsGitRepository(string path) =>
        Directory.Exists(path) && (Directory.Exists(Path.Combine(path, ".git")) || File.Exists(Path.Combine(path, "HEAD")) && Directory.Exists(Path.Combine(path, "objects")));
}

/// <summary>A git source's exported files.</summary>
/// <param name="ScanRoot">The folder holding the exported scan root (only the selected audio files).</param>
/// <param name="NotSelected">The scan root's other audio files (paths below it), which were not exported.</param>
public sealed record GitExport(string ScanRoot, IReadOnlyList<string> NotSelected);
