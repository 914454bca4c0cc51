using System.Formats.Tar;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// Reads git sources at their pinned commits from local clones under one folder, and exports the files of each
/// source's scan root with <c>git archive</c> into <c>CACHE/git/NAME@COMMIT/</c> (a marker makes later runs skip it).
/// A clone of "owner/name" is looked for at <c>ROOT/owner+name/repo</c>, <c>ROOT/owner+name</c>, <c>ROOT/owner/name</c>
/// and <c>ROOT/name</c>; bare clones and mirrors work too. Nothing is fetched from the network.
/// </summary>
public sealed class GitRepositoryCache(string gitRoot, string cacheDirectory, TextWriter log)
{
    private const string ExportedMarker = ".flam-exported";
    private const string NeededFor = "git sources need git on PATH";

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

    /// <summary>Exports the source's scan root at its commit (once) and returns the exported scan root folder.</summary>
    /// <exception cref="FlamException">No clone, no such commit, no such folder at that commit, or git fails.</exception>
    public string Export(CorpusSource source)
    {
        var pin = source.Git ?? throw new ArgumentException($"'{source.Name}' is not a git source.", nameof(source));
        var target = Path.Combine(cacheDirectory, "git", source.Name + "@" + pin.Commit);
        var scanRoot = source.ScanRoot.Length == 0 ? target : Path.Combine(target, source.ScanRoot);
        if (CacheFolder.IsComplete(target, ExportedMarker))
        {
            return scanRoot;
        }
        var clone = Locate(pin.Repository, pin.Commit);
        CacheFolder.Fill(target, ExportedMarker, pin.Repository + "@" + pin.Commit + "\n", tmp =>
        {
            var tar = tmp + ".tar";
            log.WriteLine($"{source.Name}: git archive {pin.Repository}@{pin.Commit[..12]} {source.ScanRoot}");
            List<string> arguments = ["-C", clone, "archive", "--format=tar", "-o", Path.GetFullPath(tar), pin.Commit];
            if (source.ScanRoot.Length > 0)
            {
                arguments.AddRange(["--", source.ScanRoot]);
            }
            var (code, error) = ExternalProgram.Run("git", arguments, null, NeededFor, throwOnError: false);
            if (code != 0)
            {
                File.Delete(tar);
                throw new FlamException(error.Contains("did not match any files", StringComparison.Ordinal)
                    ? $"{pin.Repository} has no folder '{source.ScanRoot}' at commit {pin.Commit} (git source '{source.Name}')."
                    : $"git archive of {pin.Repository}@{pin.Commit} failed (exit {code}): {error.Trim()}");
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
        return scanRoot;
    }

    private static bool IsGitRepository(string path) =>
        Directory.Exists(path) && (Directory.Exists(Path.Combine(path, ".git")) || File.Exists(Path.Combine(path, "HEAD")) && Directory.Exists(Path.Combine(path, "objects")));
}
