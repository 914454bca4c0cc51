using System.IO.Compression;
using System.Text.Json;
using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>Builds of the Asterisk prompts over fake, already-unpacked packages: captions from the transcript package, and the fallbacks.</summary>
public sealed class TranscribedSpeechBuildTests
{
    private const string Prompts = "asterisk-core-sounds-en-wav";
    private const string TranscriptPackage = "asterisk-core-sounds-en";
    private const string TranscriptPath = "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz";
    private const string Copyright = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2003-2010, Allison Smith\nLicense: CC-BY-SA-3.0\n";

    private const string Transcripts = """
        ; Core Asterisk Sounds in English
        thank-you: Thank you.
        vm-nobodyavail: Nobody is available to take your call at the moment.
        tt-monkeys: [sound of monkeys screaming]
        dictate/pause: pause
        a line without a separator
        """;

    private static CorpusOptions Options(string temp) => new()
    {
        OutputDirectory = Path.Combine(temp, "out"),
        CacheDirectory = Path.Combine(temp, "cache"),
        Packages = [Prompts],
        Fetch = false,
        Threads = 2,
    };

    /// <summary>The prompts package: three listed prompts, one non-speech entry, one prompt the list lacks.</summary>
    private static void MakePrompts(string cache)
    {
        var dir = Path.Combine(CorpusTestData.FakePackage(cache, Prompts, Copyright), "usr", "share", "asterisk", "sounds", "en_US_f_Allison");
        CorpusTestData.WriteWav(Path.Combine(dir, "thank-you.wav"), 1.2, 220);
        CorpusTestData.WriteWav(Path.Combine(dir, "vm-nobodyavail.wav"), 2.5, 240);
        CorpusTestData.WriteWav(Path.Combine(dir, "tt-monkeys.wav"), 3.0, 260);
        CorpusTestData.WriteWav(Path.Combine(dir, "dictate", "pause.wav"), 0.6, 280);
        CorpusTestData.WriteWav(Path.Combine(dir, "new-prompt.wav"), 1.0, 300);
    }

    private static void MakeTranscripts(string cache, Action<string> write)
    {
        var root = CorpusTestData.FakePackage(cache, TranscriptPackage, Copyright);
        write(Path.Combine(root, TranscriptPath));
    }

    private static void WriteGzip(string path, string text)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        using var writer = new StreamWriter(gzip);
        writer.Write(text);
    }

    private static (CorpusResult Result, string Log) Build(CorpusOptions options)
    {
        var log = new StringWriter();
        return (new CorpusBuilder(options, LabelTable.Default, log).Build(), log.ToString());
    }

    [Fact]
    public void PromptsQuoteTheirTranscriptAndNonSpeechIsLeftOut()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp);
        MakePrompts(options.CacheDirectory);
        MakeTranscripts(options.CacheDirectory, path => WriteGzip(path, Transcripts));
        var (result, log) = Build(options);

        string[] Captions(string id) => result.Clips.Single(c => c.Id == $"{Prompts}/{id}").Captions.ToArray();
        Assert.Equal(["a woman saying \"Nobody is available to take your call at the moment\"", "a woman speaking on a telephone prompt"], Captions("vm-nobodyavail.wav"));
        Assert.Equal("a woman saying \"Thank you\"", Captions("thank-you.wav")[0]);
        Assert.Equal("a woman saying \"pause\"", Captions("dictate/pause.wav")[0]);
        // Not in the list: today's file-name rule.
        Assert.Equal("a woman saying \"new prompt\"", Captions("new-prompt.wav")[0]);
        Assert.All(result.Clips, c => Assert.Equal("woman speaking", c.Label));
        Assert.Contains(result.Excluded, e => e.Path == "tt-monkeys.wav" && e.Reason == "not speech (transcript: [sound of monkeys screaming])");
        Assert.DoesNotContain(result.Clips, c => c.Id.Contains("tt-monkeys"));
        Assert.Contains("1 malformed lines skipped (line 6: no 'key: text' separator)", log);
        Assert.Contains("3 of 4 selected files have a transcript", log);

        // Provenance: the transcript and its list on the clip's metadata line; null for the untranscribed prompt.
        var lines = File.ReadAllLines(Path.Combine(options.OutputDirectory, "events.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var nobody = lines.Single(l => l.GetProperty("id").GetString() == $"{Prompts}/vm-nobodyavail.wav");
        Assert.Equal("Nobody is available to take your call at the moment.", nobody.GetProperty("transcript").GetString());
        Assert.Equal($"{TranscriptPackage}:{TranscriptPath}", nobody.GetProperty("transcript_source").GetString());
        var fresh = lines.Single(l => l.GetProperty("id").GetString() == $"{Prompts}/new-prompt.wav");
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("transcript").ValueKind);
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("transcript_source").ValueKind);
        Assert.Contains($"Captions of 3 files quote the transcripts in {TranscriptPackage}:{TranscriptPath}.", File.ReadAllText(Path.Combine(options.OutputDirectory, "LICENSES.md")));
    }

    public static TheoryData<string, string> Unavailable => new()
    {
        { "package not in the cache, offline", "fetching is off" },
        { "list missing from the package", "does not exist" },
        { "list not gzip", "is not readable" },
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public void WithoutTheTranscriptListTheBuildWarnsAndFallsBackToFileNames(string situation, string reason)
    {
        using var temp = FixturePaths.NewTempDirectory();
        var options = Options(temp);
        MakePrompts(options.CacheDirectory);
        if (situation == "list missing from the package")
        {
            MakeTranscripts(options.CacheDirectory, _ => { });
        }
        else if (situation == "list not gzip")
        {
            MakeTranscripts(options.CacheDirectory, path => File.WriteAllText(path, Transcripts));
        }
        var (result, log) = Build(options);

        Assert.Contains($"warning: no transcripts for {Prompts}", log);
        Assert.Contains(reason, log);
        Assert.Equal(5, result.Clips.Count);
        Assert.Equal("a woman saying \"vm nobodyavail\"", result.Clips.Single(c => c.Id == $"{Prompts}/vm-nobodyavail.wav").Captions[0]);
        Assert.All(result.Clips, c => Assert.Null(c.Transcript));
    }
}
