using System.Globalization;
using System.Text.Json;
using Flam.Audio;
using Flam.Cli;
using Flam.IO;
using Flam.Synthesis;
using static Flam.Tests.Synthesis.SynthesisTestData;

namespace Flam.Tests.Synthesis;

[Collection(TorchCollection.Name)]
public class SynthesizerTests
{
    internal static SynthesisRequest Request(string events, string backgrounds, string output, int count = 8, long seed = 7, int threads = 1,
        SynthesisOptions? options = null, bool force = false) =>
        new(events, null, backgrounds, null, output, count, seed, options ?? new SynthesisOptions(), threads, force);

    [Fact]
    public void OutputIsByteIdenticalWithOneOrTwoThreads()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        Synthesizer.Run(Request(events, backgrounds, Path.Combine(root, "one"), count: 10, threads: 1));
        Synthesizer.Run(Request(events, backgrounds, Path.Combine(root, "two"), count: 10, threads: 2));

        var one = Snapshot(Path.Combine(root, "one"));
        var two = Snapshot(Path.Combine(root, "two"));
        Assert.Equal(one.Keys.Order(), two.Keys.Order());
        Assert.Contains(Path.Combine("audio", "mix_000009.wav"), one.Keys);
        foreach (var (name, bytes) in one)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(two[name]), $"{name} differs between 1 and 2 threads");
        }
    }

    [Fact]
    public void WritesEveryOutputInItsFormat()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var output = Path.Combine(root, "set");
        var summary = Synthesizer.Run(Request(events, backgrounds, output, count: 6));

        Assert.Equal(6, summary.Mixtures);
        Assert.Equal(6, summary.Events);
        Assert.Equal(2, summary.Backgrounds);
        var manifest = Manifest.Read(Path.Combine(output, "manifest.jsonl"));
        Assert.Equal(6, manifest.Entries.Count);
        foreach (var entry in manifest.Entries)
        {
            var info = AudioFile.Probe(manifest.AudioPath(entry));
            Assert.Equal((48000, 1, 480000L, "wav/pcm16"), (info.SampleRate, info.Channels, info.Frames, info.Format));
            Assert.Equal(10.0, entry.Duration);
            Assert.Equal("synthetic-sed", entry.Source);
            Assert.NotNull(entry.Events);
            Assert.Equal(entry.Events!.Select(e => e.Text).Distinct(), entry.Captions);
        }
        var labels = new[] { "beep", "low hum", "whistle high", "chirp", "noise burst", "knock" };
        Assert.All(manifest.Entries.SelectMany(e => e.Events!), e => Assert.Contains(e.Text, labels));
        Assert.Equal("filename\tonset\toffset\tevent_label", File.ReadLines(Path.Combine(output, "ground_truth.tsv")).First());
        Assert.Equal(manifest.Entries.Sum(e => e.Events!.Count), File.ReadLines(Path.Combine(output, "ground_truth.tsv")).Count() - 1);
        Assert.Equal(["filename\tduration", .. Enumerable.Range(0, 6).Select(i => $"mix_{i:D6}.wav\t10")],
            File.ReadAllLines(Path.Combine(output, "durations.tsv")));
        using var recipe = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "recipe.json")));
        Assert.Equal(7, recipe.RootElement.GetProperty("seed").GetInt64());
        Assert.Equal(-5, recipe.RootElement.GetProperty("options").GetProperty("minOffsetDb").GetDouble());
        Assert.Equal(6, Directory.GetFiles(Path.Combine(output, "recipes")).Length);
    }

    [Fact]
    public void FrameLabelsAtT32AgreeWithTheGroundTruthTable()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var output = Path.Combine(root, "set");
        Synthesizer.Run(Request(events, backgrounds, output, count: 8, seed: 3));
        var manifest = Manifest.Read(Path.Combine(output, "manifest.jsonl"));
        var table = File.ReadLines(Path.Combine(output, "ground_truth.tsv")).Skip(1).Select(l => l.Split('\t'))
            .Select(f => (File: f[0], On: double.Parse(f[1], CultureInfo.InvariantCulture), Off: double.Parse(f[2], CultureInfo.InvariantCulture), Label: f[3]))
            .ToList();
        var checkedFrames = 0;
        foreach (var entry in manifest.Entries)
        {
            var file = Path.GetFileName(entry.Audio);
            var frames = FrameLabels.FromEvents(entry.Events!, entry.Duration, 32);
            foreach (var (label, values) in frames)
            {
                var rows = table.Where(r => r.File == file && r.Label == label).ToList();
                Assert.NotEmpty(rows);
                for (var t = 0; t < 32; t++)
                {
                    // Naive coverage from the table: 2 000 points per frame.
                    const int points = 2000;
                    var width = entry.Duration / 32;
                    var inside = Enumerable.Range(0, points).Count(p =>
                    {
                        var time = (t + (p + 0.5) / points) * width;
                        return rows.Any(r => r.On <= time && time < r.Off);
                    });
                    var coverage = (double)inside / points;
                    if (Math.Abs(coverage - 0.5) > 0.002)
                    {
                        Assert.True((coverage >= 0.5) == values[t], $"{file} '{label}' frame {t}: coverage {coverage}, label {values[t]}");
                        checkedFrames++;
                    }
                }
            }
        }
        Assert.True(checkedFrames > 100);
    }

    [Fact]
    public void ResumeKeepsFinishedFilesAndRemakesMissingOnesIdentically()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var output = Path.Combine(root, "set");
        Synthesizer.Run(Request(events, backgrounds, output, count: 5));
        var before = Snapshot(output);
        File.Delete(Path.Combine(output, "audio", "mix_000002.wav"));
        File.Delete(Path.Combine(output, "recipes", "mix_000003.json"));
        File.WriteAllText(Path.Combine(output, "audio", ".mix_000004.wav.1234abcd.tmp"), "half a file");

        var summary = Synthesizer.Run(Request(events, backgrounds, output, count: 5, threads: 2));

        Assert.Equal(2, summary.Generated);
        Assert.Equal(3, summary.Reused);
        var after = Snapshot(output);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(before, kv => Assert.True(kv.Value.AsSpan().SequenceEqual(after[kv.Key]), kv.Key));
    }

    [Fact]
    public void HeldOutSplitUsesDisjointSources()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        WriteWavs(backgrounds, Enumerable.Range(1, 4).ToDictionary(i => $"extra_{i}.wav", i => Noise(10, 0.02, 40 + i)));
        var options = new SynthesisOptions { HoldOutFraction = 0.5, HoldOutBy = HoldOutBy.Identity };
        Synthesizer.Run(Request(events, backgrounds, Path.Combine(root, "train"), count: 12, options: options with { Split = SplitSide.Train }));
        Synthesizer.Run(Request(events, backgrounds, Path.Combine(root, "test"), count: 12, options: options with { Split = SplitSide.Test }));

        (HashSet<string> Events, HashSet<string> Backgrounds) Used(string set)
        {
            var recipes = Directory.GetFiles(Path.Combine(root, set, "recipes"))
                .Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement).ToList();
            return (recipes.SelectMany(r => r.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("source").GetString()!)).ToHashSet(),
                recipes.Select(r => r.GetProperty("background").GetString()!).ToHashSet());
        }
        var train = Used("train");
        var test = Used("test");
        Assert.NotEmpty(train.Events);
        Assert.NotEmpty(test.Events);
        Assert.Empty(train.Events.Intersect(test.Events));
        Assert.Empty(train.Backgrounds.Intersect(test.Backgrounds));
        Assert.All(train.Events.Concat(test.Events), e => Assert.Equal(test.Events.Contains(e), SourceLibrary.IsHeldOut(e, 0.5)));
    }

    [Fact]
    public void ListedOnlyUsesJustTheFilesTheMetadataNames()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var eventsMeta = Path.Combine(root, "events.train.jsonl");
        File.WriteAllLines(eventsMeta, [
            """{"path":"beep_01.wav","captions":["beep"]}""",
            """{"path":"knock.wav","captions":["knocking"]}""",
        ]);
        var backgroundsMeta = Path.Combine(root, "backgrounds.train.jsonl");
        File.WriteAllLines(backgroundsMeta, ["""{"path":"street.wav","captions":["street"]}"""]);
        var options = new SynthesisOptions { ListedOnly = true };

        var summary = Synthesizer.Run(new SynthesisRequest(events, eventsMeta, backgrounds, backgroundsMeta, Path.Combine(root, "set"),
            10, 3, options, 1, false));

        Assert.Equal((2, 1), (summary.Events, summary.Backgrounds));
        var texts = Manifest.Read(Path.Combine(root, "set", "manifest.jsonl")).Entries.SelectMany(e => e.Events!).Select(e => e.Text).ToHashSet();
        Assert.Subset(new HashSet<string> { "beep", "knocking" }, texts);
        var withoutMeta = new SynthesisRequest(events, null, backgrounds, backgroundsMeta, Path.Combine(root, "other"), 2, 3, options, 1, false);
        Assert.Contains("metadata", Assert.Throws<FlamException>(() => Synthesizer.Run(withoutMeta)).Message);
    }

    [Fact]
    public void CorruptSourcesAreSkippedAndListedInTheReport()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        File.WriteAllText(Path.Combine(events, "broken_glass.wav"), "RIFF this is not audio");
        File.WriteAllBytes(Path.Combine(backgrounds, "truncated.wav"), File.ReadAllBytes(Path.Combine(backgrounds, "street.wav"))[..30]);
        var output = Path.Combine(root, "set");

        var summary = Synthesizer.Run(Request(events, backgrounds, output, count: 3));

        Assert.Equal(2, summary.UnreadableSources);
        using var report = JsonDocument.Parse(File.ReadAllText(summary.ReportPath));
        var listed = report.RootElement.GetProperty("unreadable").EnumerateArray().Select(e => Path.GetFileName(e.GetProperty("path").GetString())).ToList();
        Assert.Equal(["broken_glass.wav", "truncated.wav"], listed.Order());
        Assert.DoesNotContain("broken glass", File.ReadAllText(Path.Combine(output, "ground_truth.tsv")));
    }

    [Fact]
    public void NoBackgroundsOrNoEventsIsAClearError()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var shortOnly = Path.Combine(root, "short-backgrounds");
        WriteWavs(shortOnly, new Dictionary<string, float[]> { ["brief.wav"] = Noise(3, 0.1, 1) });
        var e = Assert.Throws<FlamException>(() => Synthesizer.Run(Request(events, shortOnly, Path.Combine(root, "a"))));
        Assert.Contains("No usable backgrounds", e.Message);
        Assert.Contains(shortOnly, e.Message);

        var empty = Path.Combine(root, "no-events");
        Directory.CreateDirectory(empty);
        e = Assert.Throws<FlamException>(() => Synthesizer.Run(Request(empty, backgrounds, Path.Combine(root, "b"))));
        Assert.Contains("No usable events", e.Message);
    }

    [Fact]
    public void AnOutputFolderFromAnotherRecipeIsRefusedUnlessForced()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var output = Path.Combine(root, "set");
        Synthesizer.Run(Request(events, backgrounds, output, count: 2, seed: 1));
        var first = File.ReadAllBytes(Path.Combine(output, "audio", "mix_000000.wav"));

        var e = Assert.Throws<FlamException>(() => Synthesizer.Run(Request(events, backgrounds, output, count: 2, seed: 2)));
        Assert.Contains("different recipe", e.Message);
        Assert.Contains("seed", e.Message);
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(output, "audio", "mix_000000.wav")));

        e = Assert.Throws<FlamException>(() => Synthesizer.Run(Request(events, backgrounds, output, count: 2, seed: 1,
            options: new SynthesisOptions { MaxOffsetDb = 3 })));
        Assert.Contains("options.maxOffsetDb", e.Message);

        Synthesizer.Run(Request(events, backgrounds, output, count: 2, seed: 2, force: true));
        Assert.NotEqual(first, File.ReadAllBytes(Path.Combine(output, "audio", "mix_000000.wav")));
        // A larger count with the same recipe extends the set.
        Assert.Equal(1, Synthesizer.Run(Request(events, backgrounds, output, count: 3, seed: 2)).Generated);
    }

    [Fact]
    public void EventsLongerThanTheMixtureAreTrimmedOrSkipped()
    {
        using var root = FixturePaths.NewTempDirectory();
        var events = Path.Combine(root, "events");
        var backgrounds = Path.Combine(root, "backgrounds");
        WriteWavs(events, new Dictionary<string, float[]> { ["siren.wav"] = Tone(3.0, 800), ["ping.wav"] = Tone(0.3, 1500) });
        WriteWavs(backgrounds, new Dictionary<string, float[]> { ["bg.wav"] = Noise(10.5, 0.02, 1) });
        var options = new SynthesisOptions { Duration = 2, MinEvents = 2, MaxEvents = 2 };

        var trimmed = Synthesizer.Run(Request(events, backgrounds, Path.Combine(root, "trim"), count: 6, options: options));
        Assert.Equal(1, trimmed.TrimmedEvents);
        var siren = Manifest.Read(Path.Combine(root, "trim", "manifest.jsonl")).Entries.SelectMany(e => e.Events!).Where(e => e.Text == "siren").ToList();
        Assert.NotEmpty(siren);
        Assert.All(siren, s => Assert.True(s.Offset <= 2.0 && s.Offset - s.Onset > 1.9));

        var skipped = Synthesizer.Run(Request(events, backgrounds, Path.Combine(root, "skip"), count: 6,
            options: options with { LongEvents = LongEventPolicy.Skip }));
        Assert.Equal(1, skipped.Events);
        Assert.Contains("siren", File.ReadAllText(skipped.ReportPath));
        Assert.DoesNotContain("siren", File.ReadAllText(Path.Combine(root, "skip", "ground_truth.tsv")));
    }

    [Fact]
    public void SilentEventsAreDroppedWithACount()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        WriteWavs(events, new Dictionary<string, float[]> { ["quiet_hum.wav"] = Silence(1.5) });
        var summary = Synthesizer.Run(Request(events, backgrounds, Path.Combine(root, "set"), count: 12));
        Assert.True(summary.SilentEvents > 0);
        Assert.DoesNotContain("quiet hum", File.ReadAllText(Path.Combine(root, "set", "ground_truth.tsv")));
        using var report = JsonDocument.Parse(File.ReadAllText(summary.ReportPath));
        Assert.Equal(summary.SilentEvents, report.RootElement.GetProperty("silentEvents").GetInt32());
    }

    [Fact]
    public void InvalidOptionsAreRejectedTogether()
    {
        var e = Assert.Throws<FlamException>(() => new SynthesisOptions { MinEvents = 3, MaxEvents = 2, EffectProbability = 1.5 }.Validate());
        Assert.Contains("event count range", e.Message);
        Assert.Contains("effect probability", e.Message);
        Assert.Throws<FlamException>(() => new SynthesisOptions { Split = SplitSide.Test }.Validate());
        Assert.Throws<FlamException>(() => new SynthesisOptions { Labels = new LabelOptions { ThresholdDb = 5 } }.Validate());
    }

    [Fact]
    public async Task CliMakesASetFromPlainFolders()
    {
        using var root = FixturePaths.NewTempDirectory();
        var (events, backgrounds) = WriteSourceFolders(root);
        var output = Path.Combine(root, "set");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["synthesize", "--events", events, "--backgrounds", backgrounds, "--count", "3", "--seed", "5",
            "--out", output, "--threads", "2", "--format", "Float32", "--max-events", "2"], stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        Assert.Contains("3 mixtures", stdout.ToString());
        Assert.Equal("wav/float32", AudioFile.Probe(Path.Combine(output, "audio", "mix_000002.wav")).Format);
        Assert.Equal(3, Manifest.Read(Path.Combine(output, "manifest.jsonl")).Entries.Count);

        code = await FlamApp.RunAsync(["synthesize", "--events", Path.Combine(root, "missing"), "--backgrounds", backgrounds,
            "--count", "3", "--out", Path.Combine(root, "x")], stdout, stderr);
        Assert.Equal(1, code);
        Assert.Contains("missing", stderr.ToString());
    }
}
