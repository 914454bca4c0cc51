using Flam.IO;
using Flam.Synthesis;

namespace Flam.Tests.Synthesis;

public class SourceMetadataTests
{
    [Theory]
    [InlineData("dog_bark_02", "dog bark")]
    [InlineData("DoorSlam-Loud", "door slam loud")]
    [InlineData("glass.break.take3", "glass break take")]
    [InlineData("  rain__on   roof ", "rain on roof")]
    [InlineData("0001", "")]
    public void FileNamesAreCleanedIntoLabels(string name, string expected) =>
        Assert.Equal(expected, SourceMetadataReader.CleanName(name));

    [Fact]
    public void LabelsFromNamesUseTheFileThenItsFolders()
    {
        var m = SourceMetadataReader.FromName("animals/dogs/dog_bark_02.ogg");
        Assert.Equal(["dog bark"], m.Captions);
        Assert.Equal(["dog bark", "dogs", "animals"], m.Tags);
        Assert.Equal(["doors"], SourceMetadataReader.FromName("doors/0007.wav").Captions);
    }

    [Fact]
    public void CsvMetadataWithQuotesListsAndKinds()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var file = Path.Combine(dir, "meta.csv");
        File.WriteAllText(file,
            "path,captions,tags,source,licence,kind\n" +
            "a/dog.wav,\"A dog barks, twice|A small dog\",dog;bark,freesound,CC0,effect\n" +
            "street.wav,Busy street,,field,CC-BY,general\n");
        var meta = SourceMetadataReader.Read(file, dir);
        Assert.Equal(["A dog barks, twice", "A small dog"], meta["a/dog.wav"].Captions);
        Assert.Equal(["dog", "bark"], meta["a/dog.wav"].Tags);
        Assert.Equal(("freesound", "CC0", SourceKind.Effect), (meta["a/dog.wav"].Source, meta["a/dog.wav"].Licence, meta["a/dog.wav"].Kind));
        Assert.Equal(SourceKind.General, meta["street.wav"].Kind);
        Assert.Empty(meta["street.wav"].Tags);
    }

    [Fact]
    public void JsonLinesMetadataAcceptsListsOrStrings()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var file = Path.Combine(dir, "meta.jsonl");
        File.WriteAllLines(file, [
            "{\"path\":\"x.wav\",\"captions\":[\"a door creaks\"],\"tags\":\"door|creak\",\"license\":\"CC0\"}",
            "",
            "{\"path\":\"" + Path.Combine(dir, "y.wav").Replace("\\", "\\\\") + "\",\"caption\":\"thunder\",\"kind\":\"general\"}",
        ]);
        var meta = SourceMetadataReader.Read(file, dir);
        Assert.Equal(["a door creaks"], meta["x.wav"].Captions);
        Assert.Equal(["door", "creak"], meta["x.wav"].Tags);
        Assert.Equal("CC0", meta["x.wav"].Licence);
        Assert.Equal(["thunder"], meta["y.wav"].Captions);
        Assert.Equal(SourceKind.General, meta["y.wav"].Kind);
    }

    [Theory]
    [InlineData("meta.csv", "name,captions\nx.wav,hi\n", "no 'path' column")]
    [InlineData("meta.csv", "path,kind\nx.wav,loud\n", "line 2: kind 'loud'")]
    [InlineData("meta.csv", "path\nx.wav\nx.wav\n", "listed twice")]
    [InlineData("meta.jsonl", "{\"path\":\"x.wav\"}\n{oops\n", "line 2: not valid JSON")]
    [InlineData("meta.jsonl", "{\"captions\":[\"x\"]}\n", "line 1: missing \"path\"")]
    public void BadMetadataNamesTheFileAndLine(string name, string content, string expected)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var file = Path.Combine(dir, name);
        File.WriteAllText(file, content);
        var e = Assert.Throws<FlamException>(() => SourceMetadataReader.Read(file, dir));
        Assert.Contains(expected, e.Message);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void ClassificationFollowsThePaperRules()
    {
        var options = new SynthesisOptions();
        List<IndexedFile> Files(params (string Name, double Seconds)[] files) =>
            files.Select(f => new IndexedFile(f.Name, 1, 0, f.Seconds, 48000, 1, -20, null)).ToList();
        var mixed = Files(("dog_bark.wav", 2), ("forest_ambiance.wav", 30), ("city ambience short.wav", 4), ("long_speech.wav", 45), ("brief_ambiance.wav", 6));

        // One mixed corpus with the paper's rule: events < 10 s without the keyword, backgrounds ≥ 10 s with it.
        var paper = options with { Classification = new ClassificationRules { BackgroundsRequireKeyword = true } };
        var library = SourceLibrary.Create("/c", mixed, null, "/c", mixed, null, paper);
        Assert.Equal(["dog_bark.wav"], library.Events.Select(e => e.RelativePath));
        Assert.Equal(["forest_ambiance.wav"], library.Backgrounds.Select(e => e.RelativePath));
        Assert.Equal(["brief_ambiance.wav", "city ambience short.wav", "long_speech.wav"], library.Excluded.Select(e => Path.GetFileName(e.Path)));

        // A dedicated backgrounds folder needs no keyword.
        var folders = SourceLibrary.Create("/e", Files(("dog_bark.wav", 2)), null, "/b", Files(("rain.wav", 20), ("drip.wav", 3)), null, options);
        Assert.Equal(["rain.wav"], folders.Backgrounds.Select(e => e.RelativePath));
        Assert.Contains(folders.Excluded, x => x.Path.EndsWith("drip.wav") && x.Reason.Contains("< 10 s"));
    }
}

public class FrameLabelsTests
{
    [Fact]
    public void AFrameIsPositiveWhenHalfOfItIsCovered()
    {
        // 10 s, T = 32: frames of 0.3125 s. Event [0.3125, 0.8] covers frame 1 fully, frame 2 (0.625–0.9375) by 0.175 s = 56 %.
        var labels = FrameLabels.FromEvents([new ManifestEvent("bell", 0.3125, 0.8), new ManifestEvent("bell", 9.9, 10.0)], 10, 32);
        var bell = labels["bell"];
        Assert.Equal(32, bell.Length);
        Assert.Equal([1, 2], Enumerable.Range(0, 32).Where(t => bell[t]));
        var shorter = FrameLabels.FromEvents([new ManifestEvent("bell", 0.3125, 0.75)], 10, 32)["bell"];
        Assert.Equal([1], Enumerable.Range(0, 32).Where(t => shorter[t]));
    }

    [Fact]
    public void OverlappingEventsOfOneTextCountOnce()
    {
        // Two copies of [0, 0.1]: the union covers 32 % of frame 0 (negative); counted twice it would be 64 %.
        var labels = FrameLabels.FromEvents([new ManifestEvent("a", 0, 0.1), new ManifestEvent("a", 0, 0.1), new ManifestEvent("b", 0, 0.2)], 10, 32);
        Assert.False(labels["a"][0]);
        Assert.True(labels["b"][0]);
    }
}
