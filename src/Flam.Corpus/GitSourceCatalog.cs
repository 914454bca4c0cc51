using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// The reviewed git repositories the corpus may take audio from (<c>data/corpus/git-sources.json</c>): each pinned to
/// a commit, with include/exclude globs and per-file licence rules. Reading the audio needs a local clone of each
/// repository (<see cref="GitRepositoryCache"/>); anyone can clone the same commit and rebuild the same corpus.
/// </summary>
public static class GitSourceCatalog
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = false,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The catalogue shipped inside the library (a copy of <c>data/corpus/git-sources.json</c>).</summary>
    public static IReadOnlyList<CorpusSource> Default => DefaultCatalogue.Value;

    private static readonly Lazy<IReadOnlyList<CorpusSource>> DefaultCatalogue = new(() =>
    {
        using var stream = typeof(GitSourceCatalog).Assembly.GetManifestResourceStream("Flam.Synthesis.Corpus.git-sources.json")
            ?? throw new FlamException("The built-in git source catalogue is missing from Flam.Corpus (a broken build).");
        using var reader = new StreamReader(stream);
        return Parse("built-in git-sources.json", reader.ReadToEnd());
    });

    /// <summary>Reads a catalogue file.</summary>
    /// <exception cref="FlamException">Missing file, malformed JSON or an entry with a missing or bad field (named).</exception>
    public static IReadOnlyList<CorpusSource> Read(string path) =>
        File.Exists(path) ? Parse(path, File.ReadAllText(path)) : throw new FlamException($"Git source catalogue '{path}' does not exist.");

    /// <summary>Parses catalogue JSON; <paramref name="name"/> is used in messages.</summary>
    public static IReadOnlyList<CorpusSource> Parse(string name, string json)
    {
        Entry[] entries;
        try
        {
            entries = JsonSerializer.Deserialize<Entry[]>(json, Json) ?? [];
        }
        catch (JsonException e)
        {
            throw new FlamException($"{name}: not a valid git source catalogue ({e.Message}).");
        }
        var sources = new List<CorpusSource>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Length; i++)
        {
            var source = entries[i].ToSource($"{name}, entry {i + 1}");
            if (!names.Add(source.Name))
            {
                throw new FlamException($"{name}: two entries are named '{source.Name}'.");
            }
            sources.Add(source);
        }
        return sources;
    }

    private sealed record LicenceEntry(
        [property: JsonPropertyName("files")] string[]? Files,
        [property: JsonPropertyName("licence")] string? Licence,
        [property: JsonPropertyName("copyright")] string? Copyright);

    private sealed record Entry(
        [property: JsonPropertyName("name")] string? Name,
        [property: JsonPropertyName("repository")] string? Repository,
        [property: JsonPropertyName("commit")] string? Commit,
        [property: JsonPropertyName("scan_root")] string? ScanRoot,
        [property: JsonPropertyName("include")] string[]? Include,
        [property: JsonPropertyName("exclude")] string[]? Exclude,
        [property: JsonPropertyName("clean_effect")] bool? CleanEffect,
        [property: JsonPropertyName("max_files")] int? MaxFiles,
        [property: JsonPropertyName("allow_backgrounds")] bool? AllowBackgrounds,
        [property: JsonPropertyName("licences")] LicenceEntry[]? Licences,
        [property: JsonPropertyName("evidence")] string? Evidence,
        [property: JsonPropertyName("note")] string? Note)
    {
        public CorpusSource ToSource(string where)
        {
            string Required(string? value, string field) =>
                string.IsNullOrWhiteSpace(value) ? throw new FlamException($"{where}: \"{field}\" is missing.") : value.Trim();
            var name = Required(Name, "name");
            if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9][a-z0-9._-]*$"))
            {
                throw new FlamException($"{where}: name '{name}' must be lowercase letters, digits, '.', '_' or '-' (it names a folder and label-table keys).");
            }
            var repository = Required(Repository, "repository");
            if (repository.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new FlamException($"{where} ({name}): repository '{repository}' is not \"owner/name\".");
            }
            var commit = Required(Commit, "commit");
            if (commit.Length != 40 || !commit.All(Uri.IsHexDigit))
            {
                throw new FlamException($"{where} ({name}): commit '{commit}' is not a full 40-digit hash; pin the exact commit.");
            }
            if (Licences is not { Length: > 0 })
            {
                throw new FlamException($"{where} ({name}): \"licences\" is missing: without licence rules no file can be used.");
            }
            var rules = Licences.Select((l, k) =>
            {
                if (l.Files is not { Length: > 0 })
                {
                    throw new FlamException($"{where} ({name}): licence rule {k + 1} has no \"files\".");
                }
                var licence = Required(l.Licence, $"licences[{k + 1}].licence");
                if (!LicencePolicy.IsFree(licence))
                {
                    throw new FlamException($"{where} ({name}): licence '{licence}' is not one the corpus accepts.");
                }
                return new GitLicenceRule(l.Files, new LicenceRecord(licence, Required(l.Copyright, $"licences[{k + 1}].copyright")));
            }).ToArray();
            if (MaxFiles is < 0)
            {
                throw new FlamException($"{where} ({name}): max_files must be 0 (all) or more, got {MaxFiles}.");
            }
            var scanRoot = (ScanRoot ?? "").Trim('/');
            return new CorpusSource(name, SourceOrigin.GitRepository, scanRoot, Include ?? [], Exclude ?? [], [],
                CleanEffect ?? true, [], MaxFiles ?? 0, Required(Note, "note"),
                AllowBackgrounds: AllowBackgrounds ?? true,
                Git: new GitPin(repository, commit.ToLowerInvariant(), rules, Required(Evidence, "evidence")));
        }
    }
}
