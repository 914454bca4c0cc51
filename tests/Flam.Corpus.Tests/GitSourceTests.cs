using System.Diagnostics;
using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>Git sources: a real local repository read at a pinned commit, licence rules, and the catalogue's checks.</summary>
[Collection(TorchCollection.Name)]
public sealed class GitSourceTests
{
    private static string Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["GIT_AUTHOR_NAME"] = start.Environment["GIT_COMMITTER_NAME"] = "test";
        start.Environment["GIT_AUTHOR_EMAIL"] = start.Environment["GIT_COMMITTER_EMAIL"] = "test@example.org";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {error}");
        return output.Trim();
    }

    /// <summary>A repository "acme/sfx" under ROOT/acme/sfx with two commits; returns the first commit's hash.</summary>
    private static string MakeRepository(string root)
    {
        var repo = Path.Combine(root, "acme", "sfx");
        Directory.CreateDirectory(repo);
        Git(repo, "init", "-q");
        CorpusTestData.WriteWav(Path.Combine(repo, "sounds", "cc0", "dog_bark.wav"), 1.0, 440);
        CorpusTestData.WriteWav(Path.Combine(repo, "sounds", "by", "door_knock.wav"), 1.0, 660);
        CorpusTestData.WriteWav(Path.Combine(repo, "sounds", "unknown", "mystery.wav"), 1.0, 550);
        CorpusTestData.WriteWav(Path.Combine(repo, "sounds", "cc0", "music_loop.wav"), 1.0, 770);
        CorpusTestData.WriteWav(Path.Combine(repo, "other", "elsewhere.wav"), 1.0, 330);
        Git(repo, "add", "-A");
        Git(repo, "commit", "-q", "-m", "first");
        var first = Git(repo, "rev-parse", "HEAD");
        // A later commit the pin must not see.
        CorpusTestData.WriteWav(Path.Combine(repo, "sounds", "cc0", "later.wav"), 1.0, 880);
        Git(repo, "add", "-A");
        Git(repo, "commit", "-q", "-m", "second");
        return first;
    }

    private static string Catalogue(string commit, string licences = """
        [ {"files": ["cc0/**"], "licence": "CC0-1.0", "copyright": "Ann"},
          {"files": ["sounds/by/*.wav"], "licence": "CC-BY-4.0", "copyright": "Bob"} ]
        """) => $$"""
        [ { "name": "acme-sfx", "repository": "acme/sfx", "commit": "{{commit}}", "scan_root": "sounds",
            "include": ["**/*.wav"], "exclude": ["**/music_*"], "clean_effect": true, "max_files": 0,
            "licences": {{licences}},
            "evidence": "README: per-folder licences", "note": "test source" } ]
        """;

    /// <summary>A build of the test catalogue's git source alone, into TEMP/out with its cache in TEMP/cache.</summary>
    private static CorpusOptions GitOnlyOptions(string temp, string gitRoot, string commit) => new()
    {
        OutputDirectory = Path.Combine(temp, "out"),
        CacheDirectory = Path.Combine(temp, "cache"),
        Packages = [],
        Fetch = false,
        GitRoot = gitRoot,
        GitSources = GitSourceCatalog.Parse("test", Catalogue(commit)),
    };

    [Fact]
    public void BuildReadsThePinnedCommitWithPerFileLicences()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var gitRoot = Path.Combine(temp, "clones");
        var commit = MakeRepository(gitRoot);
        var options = GitOnlyOptions(temp, gitRoot, commit);
        var result = new CorpusBuilder(options, LabelTable.Default, TextWriter.Null).Build();

        Assert.Equal(["acme-sfx/by/door_knock.wav", "acme-sfx/cc0/dog_bark.wav"], result.Clips.Select(c => c.Id));
        var knock = result.Clips[0];
        Assert.Equal("CC-BY-4.0", knock.Licence);                       // rule written with the repository path
        Assert.Equal("Bob", knock.Copyright);
        Assert.Equal("acme/sfx:sounds/by/door_knock.wav", knock.Original);
        Assert.Equal("CC0-1.0", result.Clips[1].Licence);              // rule written relative to the scan root
        Assert.Contains(result.Excluded, e => e.Path == "unknown/mystery.wav" && e.Reason.Contains("no licence rule", StringComparison.Ordinal));
        Assert.Contains(result.Excluded, e => e.Path == "cc0/music_loop.wav");
        Assert.DoesNotContain(result.Clips, c => c.Id.Contains("later", StringComparison.Ordinal) || c.Id.Contains("elsewhere", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "audio", "acme-sfx", "cc0", "dog_bark.wav")));
        Assert.Contains("acme/sfx at commit " + commit, File.ReadAllText(Path.Combine(options.OutputDirectory, "LICENSES.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void MissingCloneAndMissingCommitAreNamed()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var gitRoot = Path.Combine(temp, "clones");
        Directory.CreateDirectory(gitRoot);
        var cache = new GitRepositoryCache(gitRoot, Path.Combine(temp, "cache"), TextWriter.Null);
        var source = GitSourceCatalog.Parse("test", Catalogue(new string('a', 40)))[0];
        var noClone = Assert.Throws<FlamException>(() => cache.Export(source, _ => true));
        Assert.Contains("No clone of acme/sfx", noClone.Message, StringComparison.Ordinal);
        Assert.Contains("git clone https://github.com/acme/sfx", noClone.Message, StringComparison.Ordinal);

        MakeRepository(gitRoot);
        var noCommit = Assert.Throws<FlamException>(() => cache.Export(source, _ => true));
        Assert.Contains("does not have commit " + new string('a', 40), noCommit.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OnlyTheSelectedFilesAreReadSoAMissingUnwantedFileDoesNotStopTheBuild()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var gitRoot = Path.Combine(temp, "clones");
        var commit = MakeRepository(gitRoot);
        // A clone without the content of a file the source does not take (as a partial clone or a snapshot without
        // its largest files has): the excluded music loop's blob is deleted from the object store.
        var repo = Path.Combine(gitRoot, "acme", "sfx");
        var blob = Git(repo, "rev-parse", commit + ":sounds/cc0/music_loop.wav");
        File.Delete(Path.Combine(repo, ".git", "objects", blob[..2], blob[2..]));
        var options = GitOnlyOptions(temp, gitRoot, commit);
        var result = new CorpusBuilder(options, LabelTable.Default, TextWriter.Null).Build();
        Assert.Equal(["acme-sfx/by/door_knock.wav", "acme-sfx/cc0/dog_bark.wav"], result.Clips.Select(c => c.Id));
        Assert.Contains(result.Excluded, e => e.Path == "cc0/music_loop.wav" && e.Reason.StartsWith("not selected", StringComparison.Ordinal));

        // The export is made for the selection: other globs export again (the music loop is now wanted, and missing).
        var wider = GitSourceCatalog.Parse("test", Catalogue(commit).Replace("\"exclude\": [\"**/music_*\"]", "\"exclude\": []", StringComparison.Ordinal));
        var e = Assert.Throws<FlamException>(() => new CorpusBuilder(options with { GitSources = wider }, LabelTable.Default, TextWriter.Null).Build());
        Assert.Contains("git archive of acme/sfx@" + commit + " failed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"name": "x"}]""", "\"repository\" is missing")]
    [InlineData("""[{"name": "X Y", "repository": "a/b"}]""", "must be lowercase")]
    [InlineData("""[{"name": "x", "repository": "ab", "commit": "1"}]""", "is not \"owner/name\"")]
    [InlineData("""[{"name": "x", "repository": "a/b", "commit": "main", "note": "n", "evidence": "e", "licences": []}]""", "not a full 40-digit hash")]
    [InlineData("""[{"name": "x", "repository": "a/b", "commit": "0123456789012345678901234567890123456789", "note": "n", "evidence": "e"}]""", "\"licences\" is missing")]
    [InlineData("""[{"name": "x", "repository": "a/b", "commit": "0123456789012345678901234567890123456789", "note": "n", "evidence": "e", "licences": [{"files": ["**"], "licence": "CC-BY-NC-4.0", "copyright": "c"}]}]""", "'CC-BY-NC-4.0' is not one the corpus accepts")]
    [InlineData("""[{"name": "x", "repository": "a/b", "commit": "0123456789012345678901234567890123456789", "note": "n", "evidence": "e", "licences": [{"files": ["**"], "licence": "CC0-1.0", "copyright": "c"}], "colour": 1}]""", "colour")]
    [InlineData("""{"not": "an array"}""", "not a valid git source catalogue")]
    public void BadCatalogueEntriesAreNamed(string json, string expected)
    {
        var e = Assert.Throws<FlamException>(() => GitSourceCatalog.Parse("cat.json", json));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("cat.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheShippedCatalogueParsesWithNamesOfItsOwn()
    {
        var sources = GitSourceCatalog.Default;
        Assert.All(sources, s => Assert.NotNull(s.Git));
        Assert.Equal(sources.Count, sources.Select(s => s.Name).Distinct().Count());
        Assert.DoesNotContain(sources, s => CorpusCatalog.DefaultPackageNames.Contains(s.Name));
    }
}
