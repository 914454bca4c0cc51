using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

public sealed class CorpusOptionsTests
{
    private static readonly CorpusOptions Good = new() { OutputDirectory = "/tmp/flam-out", CacheDirectory = "/tmp/flam-cache" };

    public static TheoryData<string, CorpusOptions, string> BadOptions => new()
    {
        { "variants", Good with { MaxVariantsPerFamily = 0 }, "MaxVariantsPerFamily" },
        { "min length", Good with { MinSeconds = 12 }, "MinSeconds" },
        { "held-out", Good with { HeldOutLabelFraction = 1 }, "fractions" },
        { "test+validation", Good with { TestFraction = 0.6, ValidationFraction = 0.5 }, "fractions" },
        { "threads", Good with { Threads = 0 }, "Threads" },
        { "same folders", Good with { CacheDirectory = "/tmp/flam-out" }, "must differ" },
        { "no sources", Good with { Packages = [], Folders = [] }, "No corpus sources" },
        { "unknown package", Good with { Packages = ["not-a-package"] }, "not-a-package" },
        { "missing folder", Good with { Folders = ["/no/such/ambience"] }, "/no/such/ambience" },
        { "peak", Good with { MinPeak = 1.5f }, "MinPeak" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ValidateNamesTheBadSetting(string name, CorpusOptions options, string expected)
    {
        var e = Assert.Throws<FlamException>(options.Validate);
        Assert.True(e.Message.Contains(expected, StringComparison.Ordinal), $"{name}: '{e.Message}' does not mention '{expected}'");
    }

    [Fact]
    public void DefaultsAreValidAndCoverTheCatalogue()
    {
        Good.Validate();
        Assert.Equal(CorpusCatalog.Packages.Count, Good.Packages.Count);
        Assert.Equal(CorpusCatalog.Packages.Count, CorpusCatalog.Packages.Select(p => p.Name).Distinct().Count());
    }

    [Fact]
    public void ArchiveThatIsNotAZipIsReportedByName()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var archive = Path.Combine(temp, "0snd.pk3");
        File.WriteAllText(archive, "this is not a zip archive");
        var cache = new DebianPackageCache(Path.Combine(temp, "cache"), TextWriter.Null, fetch: false);
        var e = Assert.Throws<FlamException>(() => cache.ExpandArchive(archive, _ => true, "everything"));
        Assert.Contains(archive, e.Message);
        Assert.False(Directory.Exists(Path.Combine(temp, "0snd")));
    }

    [Fact]
    public void ArchiveIsExpandedAgainForAnotherSelection()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var archive = Path.Combine(temp, "data.zip");
        CorpusTestData.WriteToneZip(archive, ("sounds/gear.wav", 0.5, 300), ("sounds/codriver/left.wav", 0.5, 200));
        var cache = new DebianPackageCache(Path.Combine(temp, "cache"), TextWriter.Null, fetch: false);
        var folder = cache.ExpandArchive(archive, p => p == "data/sounds/gear.wav", "include: sounds/*.wav\n");
        Assert.False(File.Exists(Path.Combine(folder, "sounds", "codriver", "left.wav")));

        // A wider selection (a catalogue entry that now takes the co-driver's words) must not reuse the narrower expansion.
        cache.ExpandArchive(archive, _ => true, "include: sounds/*.wav sounds/codriver/*.wav\n");
        Assert.True(File.Exists(Path.Combine(folder, "sounds", "codriver", "left.wav")));
        Assert.True(File.Exists(Path.Combine(folder, "sounds", "gear.wav")));
    }
}
