using System.Text.Json;
using Flam.Cli;
using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>End-to-end builds over fake, already-unpacked package trees (no apt, no network).</summary>
[Collection(TorchCollection.Name)]
public sealed class CorpusBuilderTests
{
    private const string Theme = "sound-theme-freedesktop";

    private const string ThemeCopyright = """
        Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

        Files: *
        Copyright: The ALSA developers
        License: GPL-2+

        Files: stereo/bell.wav stereo/bell_copy.wav stereo/rain-long.wav
        Copyright: Dr. Richard Boulanger et al
        License: CC-BY-3.0

        Files: stereo/nc-*
        Copyright: Somebody
        License: CC-BY-NC-3.0
        """;

    private static string MakeTheme(string cache)
    {
        var root = CorpusTestData.FakePackage(cache, Theme, ThemeCopyright);
        var dir = Path.Combine(root, "usr", "share", "sounds", "freedesktop", "stereo");
        CorpusTestData.WriteWav(Path.Combine(dir, "bell.wav"), 1.0, 880);
        CorpusTestData.WriteWav(Path.Combine(dir, "bell_copy.wav"), 1.0, 880);         // same samples as bell.wav
        CorpusTestData.WriteWav(Path.Combine(dir, "rain-long.wav"), 10.5, 300, 0.2);    // ≥ 10 s, but desktop sounds have no backgrounds
        CorpusTestData.WriteWav(Path.Combine(dir, "silence.wav"), 1.0, 0, 0);           // silent
        CorpusTestData.WriteWav(Path.Combine(dir, "audio-channel-front-left.wav"), 1.0, 500); // excluded by the catalogue
        CorpusTestData.WriteWav(Path.Combine(dir, "nc-chime.wav"), 1.0, 700);           // non-commercial licence
        for (var i = 1; i <= 4; i++)
        {
            CorpusTestData.WriteWav(Path.Combine(dir, $"knock_{i:00}.wav"), 0.5, 200 + 50 * i);
        }
        File.WriteAllText(Path.Combine(dir, "readme.txt"), "not audio");
        return dir;
    }

    private static CorpusOptions Options(string temp) => new()
    {
        OutputDirectory = Path.Combine(temp, "out"),
        CacheDirectory = Path.Combine(temp, "cache"),
        Packages = [Theme],
        Fetch = false,
        MaxVariantsPerFamily = 3,
        Threads = 2,
    };

    private static CorpusResult Build(CorpusOptions options) => new CorpusBuilder(options, LabelTable.Default, TextWriter.Null).Build();

    [Fact]
    public void NumberedNamesKeepEachNumberedFileAsItsOwnFamily()
    {
        // Colobot's sound001.wav … are different sounds (SoundType enum values), not takes of one "sound": the family cap must not merge them.
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp) with { Packages = ["colobot-common-sounds"] };
        var root = CorpusTestData.FakePackage(options.CacheDirectory, "colobot-common-sounds", """
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

            Files: *
            Copyright: 2001-2016, Daniel Roux, EPSITEC SA & TerranovaTeam
            License: GPL-3+
            """);
        var dir = Path.Combine(root, "usr", "share", "games", "colobot", "sounds");
        foreach (var (n, i) in new[] { "001", "002", "003", "004", "005" }.Select((n, i) => (n, i)))
        {
            CorpusTestData.WriteWav(Path.Combine(dir, $"sound{n}.wav"), 0.5, 200 + 50 * i);
        }
        CorpusTestData.WriteWav(Path.Combine(dir, "sound009.wav"), 0.5, 900); // not in the catalogue's list (an interface message)

        var result = Build(options);

        Assert.Equal(5, result.Clips.Count);
        Assert.Equal(["sound001", "sound002", "sound003", "sound004", "sound005"], result.Clips.Select(c => c.Family).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(result.Excluded, e => e.Reason.StartsWith("family cap", StringComparison.Ordinal));
        Assert.Contains(result.Excluded, e => e.Path == "sound009.wav" && e.Reason.StartsWith("not selected", StringComparison.Ordinal));
    }

    [Fact]
    public void SelectsDeduplicatesLicencesAndWritesMetadata()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp);
        MakeTheme(options.CacheDirectory);
        var result = Build(options);

        var ids = result.Clips.Select(c => c.Id).ToList();
        Assert.Equal([$"{Theme}/bell.wav", $"{Theme}/knock_01.wav", $"{Theme}/knock_02.wav", $"{Theme}/knock_03.wav"], ids);
        Assert.Contains(result.Excluded, e => e.Path == "rain-long.wav" && e.Reason.StartsWith("too long for an event"));
        Assert.Contains(result.Excluded, e => e.Path == "bell_copy.wav" && e.Reason.Contains($"{Theme}/bell.wav"));
        Assert.Contains(result.Excluded, e => e.Path == "silence.wav" && e.Reason == "silent");
        Assert.Contains(result.Excluded, e => e.Path == "knock_04.wav" && e.Reason.StartsWith("family cap"));
        Assert.Contains(result.Excluded, e => e.Path == "nc-chime.wav" && e.Reason.Contains("CC-BY-NC-3.0"));
        Assert.Contains(result.Excluded, e => e.Path == "audio-channel-front-left.wav");

        var bell = result.Clips.Single(c => c.Id == $"{Theme}/bell.wav");
        Assert.Equal("CC-BY-3.0", bell.Licence);
        Assert.Equal("Dr. Richard Boulanger et al", bell.Copyright);
        Assert.Equal("GPL-2+", result.Clips.Single(c => c.Id == $"{Theme}/knock_01.wav").Licence);
        Assert.Equal(1.0, bell.Duration, 3);
        Assert.Equal(CorpusClip.EventKind, bell.Kind);
        Assert.Equal(CorpusClip.CleanSource, bell.Source);
        Assert.Equal("usr/share/sounds/freedesktop/stereo/bell.wav", bell.Original);
        Assert.All(result.Clips, c => { Assert.NotEmpty(c.Captions); Assert.NotEmpty(c.Tags); });

        var output = options.OutputDirectory;
        Assert.True(File.ReadAllBytes(Path.Combine(output, "audio", Theme, "bell.wav")).SequenceEqual(
            File.ReadAllBytes(Path.Combine(options.CacheDirectory, "root", Theme, "usr/share/sounds/freedesktop/stereo/bell.wav"))));
        var events = File.ReadAllLines(Path.Combine(output, "events.jsonl"));
        Assert.Equal(4, events.Length);
        using (var line = JsonDocument.Parse(events[0]))
        {
            var root = line.RootElement;
            Assert.Equal($"audio/{Theme}/bell.wav", root.GetProperty("path").GetString());
            Assert.Equal(root.GetProperty("path").GetString(), root.GetProperty("audio").GetString());
            Assert.Equal("CC-BY-3.0", root.GetProperty("licence").GetString());
            Assert.Equal(Theme, root.GetProperty("package").GetString());
            Assert.True(File.Exists(Path.Combine(output, root.GetProperty("path").GetString()!)));
        }
        Assert.Empty(File.ReadAllLines(Path.Combine(output, "backgrounds.jsonl")));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(output, "licences.tsv")).Length);
        Assert.Equal(5, File.ReadAllLines(Path.Combine(output, "manifest.tsv")).Length);
        foreach (var name in new[] { "LICENSES.md", "splits.json", "excluded.tsv", "SUMMARY.md" })
        {
            Assert.True(File.Exists(Path.Combine(output, name)), name);
        }
        using var splits = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "splits.json")));
        Assert.Equal(4, splits.RootElement.GetProperty("clips").EnumerateObject().Count());
    }

    [Fact]
    public void RebuildIsIdenticalAndDropsStaleAudio()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp);
        MakeTheme(options.CacheDirectory);
        Build(options);
        var first = File.ReadAllBytes(Path.Combine(options.OutputDirectory, "events.jsonl"));
        var stale = Path.Combine(options.OutputDirectory, "audio", Theme, "old.wav");
        File.WriteAllText(stale, "left over from another run");

        Build(options);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(options.OutputDirectory, "events.jsonl")));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(Path.Combine(options.CacheDirectory, "decoded-audiofile.tsv")));
    }

    [Fact]
    public void InnerZipArchivesAreExpandedSelectively()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp) with { Packages = ["ufoai-sound"] };
        var root = CorpusTestData.FakePackage(options.CacheDirectory, "ufoai-sound",
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: The UFO:AI Team\nLicense: GPL-2+\n\nFiles: base/sound/doors/*\nCopyright: Door Person\nLicense: CC-BY-SA-3.0\n");
        var baseDir = Path.Combine(root, "usr", "share", "games", "ufoai", "base");
        CorpusTestData.WriteToneZip(Path.Combine(baseDir, "0snd.pk3"), ("sound/doors/creak_low_short.wav", 0.8, 300), ("sound/ui/click.wav", 0.8, 900));
        var result = Build(options);

        var clip = Assert.Single(result.Clips);
        Assert.Equal("audio/ufoai-sound/0snd/sound/doors/creak_low_short.wav", clip.Path);
        Assert.Equal("usr/share/games/ufoai/base/0snd.pk3!/sound/doors/creak_low_short.wav", clip.Original);
        Assert.Equal("CC-BY-SA-3.0", clip.Licence);
        Assert.False(File.Exists(Path.Combine(baseDir, "0snd", "sound", "ui", "click.wav")));
    }

    [Fact]
    public void GeneralPathsMakeSpokenPaceNotesGeneralAudioBesideTheCarEffects()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp) with { Packages = ["trigger-rally-data"] };
        var root = CorpusTestData.FakePackage(options.CacheDirectory, "trigger-rally-data",
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: The Langridges\nLicense: GPL-2+\n");
        CorpusTestData.WriteToneZip(Path.Combine(root, "usr", "share", "games", "trigger-rally", "data.zip"),
            ("sounds/gear.wav", 0.6, 300), ("sounds/codriver/paula/GravelOver.wav", 0.5, 180));
        var result = Build(options);

        var gear = Assert.Single(result.Clips, c => c.Id.EndsWith("/gear.wav", StringComparison.Ordinal));
        Assert.Equal(CorpusClip.CleanSource, gear.Source);
        var note = Assert.Single(result.Clips, c => c.Id.EndsWith("/GravelOver.wav", StringComparison.Ordinal));
        Assert.Equal(CorpusClip.GeneralSource, note.Source);
        Assert.Equal("woman speaking", note.Label);
        Assert.Contains("a woman saying \"gravel over\"", note.Captions);
    }

    [Fact]
    public void LicensedFolderUsesItsTable()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var folder = Path.Combine(temp, "ambience");
        CorpusTestData.WriteWav(Path.Combine(folder, "fireplace.wav"), 12, 150, 0.3);
        CorpusTestData.WriteWav(Path.Combine(folder, "unlisted.wav"), 12, 250, 0.3);
        File.WriteAllText(Path.Combine(folder, "LICENSES.md"), "| file | content | author | licence |\n|---|---|---|---|\n| fireplace.wav | crackling fire | ezwa | Public Domain |\n");
        var options = Options(temp) with { Packages = [], Folders = [folder] };
        var result = Build(options);

        var clip = Assert.Single(result.Clips);
        Assert.Equal("crackling fire", clip.Label);
        Assert.Equal("Public Domain", clip.Licence);
        Assert.Equal("ezwa", clip.Copyright);
        Assert.Equal(CorpusClip.BackgroundKind, clip.Kind);
        Assert.Equal(CorpusClip.GeneralSource, clip.Source);
        Assert.Contains(result.Excluded, e => e.Path == "unlisted.wav");
    }

    [Fact]
    public void SameStemInTwoFormatsKeepsDistinctIds()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp) with { Packages = ["wesnoth-1.16-data"] };
        var root = CorpusTestData.FakePackage(options.CacheDirectory, "wesnoth-1.16-data", "This package was debianized by someone.\nGPL version 2 or later.\n");
        var dir = Path.Combine(root, "usr", "share", "games", "wesnoth", "1.16", "data", "core", "sounds");
        // Wesnoth ships both mace.ogg and mace.wav; ids without the extension collided. Upper case stands in for a
        // second format here because the tests cannot encode Ogg.
        CorpusTestData.WriteWav(Path.Combine(dir, "mace.wav"), 0.5, 300);
        CorpusTestData.WriteWav(Path.Combine(dir, "mace.WAV"), 0.5, 400);
        var result = Build(options);

        Assert.Equal(["wesnoth-1.16-data/mace.WAV", "wesnoth-1.16-data/mace.wav"], result.Clips.Select(c => c.Id));
        // A free-form copyright file: the catalogue's stated package licence applies.
        Assert.All(result.Clips, c => Assert.Equal("GPL-2+", c.Licence));
    }

    [Fact]
    public void LongSpeechIsNeitherEventNorBackground()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp) with { Packages = ["asterisk-core-sounds-en-wav"] };
        var root = CorpusTestData.FakePackage(options.CacheDirectory, "asterisk-core-sounds-en-wav",
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2003-2010, Allison Smith\nLicense: CC-BY-SA-3.0\n");
        var dir = Path.Combine(root, "usr", "share", "asterisk", "sounds", "en_US_f_Allison");
        CorpusTestData.WriteWav(Path.Combine(dir, "thank-you.wav"), 1.2, 220);
        CorpusTestData.WriteWav(Path.Combine(dir, "long-menu.wav"), 12, 230);
        var result = Build(options);

        var clip = Assert.Single(result.Clips);
        Assert.Equal("woman speaking", clip.Label);
        Assert.Contains("a woman saying \"thank you\"", clip.Captions);
        Assert.Equal(CorpusClip.GeneralSource, clip.Source);
        Assert.Contains(result.Excluded, e => e.Path == "long-menu.wav" && e.Reason.StartsWith("too long for an event"));
    }

    [Fact]
    public void PackageMissingFromCacheWithoutFetchNamesIt()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var e = Assert.Throws<FlamException>(() => Build(Options(temp)));
        Assert.Contains(Theme, e.Message);
        Assert.Contains("fetching is off", e.Message);
    }

    [Fact]
    public void CorruptAudioIsListedNotFatal()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp);
        var dir = MakeTheme(options.CacheDirectory);
        File.WriteAllText(Path.Combine(dir, "broken.wav"), "RIFF....WAVEjunk");
        File.WriteAllText(Path.Combine(dir, "broken.oga"), "OggS but not really");
        var result = Build(options);
        Assert.Contains(result.Excluded, e => e.Path == "broken.wav" && e.Reason.StartsWith("undecodable"));
        Assert.Contains(result.Excluded, e => e.Path == "broken.oga" && e.Reason.StartsWith("undecodable"));
        Assert.Equal(4, result.Clips.Count);
    }

    [Theory]
    [InlineData(new[] { "corpus", "build", "--packages", "no-such-package", "--offline" }, "Unknown corpus package 'no-such-package'")]
    [InlineData(new[] { "corpus", "build", "--folder", "/no/such/folder", "--packages", "oxygen-sounds", "--offline" }, "/no/such/folder")]
    [InlineData(new[] { "corpus", "build", "--labels", "/no/such/labels.tsv", "--offline" }, "/no/such/labels.tsv")]
    public async Task CliRejectsBadInput(string[] args, string expected)
    {
        using var temp = FixturePaths.NewTempDirectory();
        var full = args.Concat(["--out", Path.Combine(temp, "out"), "--cache", Path.Combine(temp, "cache")]).ToArray();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(full, stdout, stderr);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(expected, stderr.ToString());
    }
}
