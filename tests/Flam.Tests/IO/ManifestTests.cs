using Flam.IO;

namespace Flam.Tests.IO;

public class ManifestTests
{
    private static string WriteManifest(string dir, params string[] lines)
    {
        var path = Path.Combine(dir, "m.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void RoundTripKeepsEveryField()
    {
        using var dir = FixturePaths.NewTempDirectory();
        File.WriteAllBytes(Path.Combine(dir, "a.wav"), [0]);
        var entry = new ManifestEntry("a.wav", 10, ["a dog barks"], ["dog", "bark"],
            [new ManifestEvent("dog bark", 1.25, 2.5)], "synth");
        var path = Path.Combine(dir, "m.jsonl");
        Manifest.Write(path, [entry]);

        var read = Manifest.Read(path);

        var back = Assert.Single(read.Entries);
        Assert.Equal(entry.Audio, back.Audio);
        Assert.Equal(entry.Duration, back.Duration);
        Assert.Equal(entry.Captions, back.Captions);
        Assert.Equal(entry.Tags, back.Tags);
        Assert.Equal(entry.Events, back.Events);
        Assert.Equal("synth", back.Source);
        Assert.Equal(Path.Combine(dir, "a.wav"), read.AudioPath(back));
        Assert.Contains("\"onset\":1.25", File.ReadAllText(path));
    }

    [Fact]
    public void ClipLevelEntryOmitsEventsAndDefaultsListsToEmpty()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = WriteManifest(dir, "{\"audio\":\"x.wav\",\"duration\":3}");
        var entry = Assert.Single(Manifest.Read(path, MissingAudioPolicy.Ignore).Entries);
        Assert.Null(entry.Events);
        Assert.Empty(entry.Captions);
        Assert.Empty(entry.Tags);
        Assert.DoesNotContain("events", Manifest.Format(entry with { Events = null }));
    }

    [Fact]
    public void BadJsonNamesTheLine()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = WriteManifest(dir, "{\"audio\":\"x.wav\",\"duration\":3}", "", "{not json");
        var e = Assert.Throws<FlamException>(() => Manifest.Read(path, MissingAudioPolicy.Ignore));
        Assert.Contains("line 3", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("{\"audio\":\"x.wav\",\"duration\":3,\"events\":[{\"text\":\"a\",\"onset\":2,\"offset\":4}]}", "outside the clip")]
    [InlineData("{\"audio\":\"x.wav\",\"duration\":3,\"events\":[{\"text\":\"a\",\"onset\":-0.5,\"offset\":1}]}", "outside the clip")]
    [InlineData("{\"audio\":\"x.wav\",\"duration\":3,\"events\":[{\"text\":\"a\",\"onset\":2,\"offset\":2}]}", "onset 2 ≥ offset 2")]
    [InlineData("{\"audio\":\"x.wav\",\"duration\":3,\"events\":[{\"text\":\"\",\"onset\":1,\"offset\":2}]}", "no \"text\"")]
    [InlineData("{\"duration\":3}", "missing \"audio\"")]
    [InlineData("{\"audio\":\"x.wav\",\"duration\":0}", "\"duration\"")]
    [InlineData("[1,2]", "not a valid JSON entry")]
    public void InvalidEntriesAreRejectedWithTheLine(string line, string expected)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = WriteManifest(dir, "{\"audio\":\"ok.wav\",\"duration\":3}", line);
        var e = Assert.Throws<FlamException>(() => Manifest.Read(path, MissingAudioPolicy.Ignore));
        Assert.Contains("line 2", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void EmptyManifestIsAnError()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = WriteManifest(dir, "", "  ");
        var e = Assert.Throws<FlamException>(() => Manifest.Read(path));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void MissingAudioFailsListingFilesOrIsSkippedWithACount()
    {
        using var dir = FixturePaths.NewTempDirectory();
        File.WriteAllBytes(Path.Combine(dir, "here.wav"), [0]);
        var path = WriteManifest(dir,
            "{\"audio\":\"here.wav\",\"duration\":3}",
            "{\"audio\":\"gone1.wav\",\"duration\":3}",
            "{\"audio\":\"gone2.wav\",\"duration\":3}");

        var e = Assert.Throws<FlamException>(() => Manifest.Read(path));
        Assert.Contains("2 audio file(s) missing", e.Message);
        Assert.Contains("line 2: gone1.wav", e.Message);

        var skipped = Manifest.Read(path, MissingAudioPolicy.Skip);
        Assert.Equal(2, skipped.SkippedMissingAudio);
        Assert.Equal("here.wav", Assert.Single(skipped.Entries).Audio);
    }

    [Fact]
    public void WriteRefusesInvalidEntries()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir, "m.jsonl");
        var bad = new ManifestEntry("a.wav", 1, [], [], [new ManifestEvent("x", 0.5, 1.5)]);
        var e = Assert.Throws<FlamException>(() => Manifest.Write(path, [bad]));
        Assert.Contains("outside the clip", e.Message);
        Assert.False(File.Exists(path));
    }
}
