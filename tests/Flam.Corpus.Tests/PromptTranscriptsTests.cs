using System.IO.Compression;
using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>The Asterisk prompt-list format (hand-written lines in the style of core-sounds-en.txt) and the captions quoted from it.</summary>
public sealed class PromptTranscriptsTests
{
    private const string Sample = """
        ; Core Asterisk Sounds in English

        vm-nobodyavail: Nobody is available to take your call at the moment.
        beep: [this is a simple beep tone]
        agent-user: Agent login.  Please enter your agent number followed by the pound key.
        digits/7: seven
        spy-iax2: IAX (note: does not say "2")
        this line has no separator
        : no key
        empty-text:
        two words: a key with a space
        vm-nobodyavail: a repeat of the first key
        """;

    [Fact]
    public void ParsesKeysWithFoldersAndReportsMalformedLines()
    {
        var list = PromptTranscripts.Parse(Sample);

        Assert.Equal(["agent-user", "beep", "digits/7", "spy-iax2", "vm-nobodyavail"], list.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Nobody is available to take your call at the moment.", list.Entries["vm-nobodyavail"]);
        Assert.Equal("[this is a simple beep tone]", list.Entries["beep"]);
        Assert.Equal("seven", list.Entries["digits/7"]);
        // Only the first colon separates: the note's own colon stays in the text.
        Assert.Equal("IAX (note: does not say \"2\")", list.Entries["spy-iax2"]);
        Assert.Equal(5, list.Problems.Count);
        Assert.StartsWith("line 8:", list.Problems[0]);
        Assert.StartsWith("line 9:", list.Problems[1]);
        Assert.Contains("'empty-text' has no text", list.Problems[2]);
        Assert.Contains("'two words' is not a recording name", list.Problems[3]);
        Assert.Contains("'vm-nobodyavail' repeats", list.Problems[4]);
    }

    public static TheoryData<string, string?> Captions => new()
    {
        { "Nobody is available to take your call at the moment.", "Nobody is available to take your call at the moment" },
        // Bracketed entries are sounds, not speech.
        { "[this is a simple beep tone]", null },
        { "<beep ascending>", null },
        { "(10 seconds of silence)", null },
        // Whole sentences while they total at most 12 words (2 + 10 here) ...
        { "Agent login.  Please enter your agent number followed by the pound key.", "Agent login. Please enter your agent number followed by the pound key" },
        { "Login incorrect.  Mailbox?", "Login incorrect. Mailbox?" },
        // ... else only the first ones (2 + 14 words would be too many) ...
        { "Thank you.  Please enter your agent number followed by the pound key, then hang up.", "Thank you" },
        { "Please leave your message after the tone.  When done hang up or press the pound key. (simple tone sound plays)", "Please leave your message after the tone" },
        // ... and a first sentence longer than 12 words is cut, with an ellipsis, without a dangling comma.
        { "Please press 1 to mute or unmute yourself, 2 to lock or unlock the conference, 3 to eject the last user.", "Please press 1 to mute or unmute yourself, 2 to lock or..." },
        { "You have these options, dial one, dial two, dial three, dial four, dial five.", "You have these options, dial one, dial two, dial three, dial four..." },
        // Notes dropped, quotes made single, the prompt's own leading and trailing dots dropped.
        { "IAX (note: does not say \"2\")", "IAX" },
        { "Dial 4 to send this caller to a polite \"don't call\" menu.", "Dial 4 to send this caller to a polite 'don't call' menu" },
        { "...to decrease the audio volume from other participants.", "to decrease the audio volume from other participants" },
        { "At the sound of the tone, the time will be exactly...", "At the sound of the tone, the time will be exactly" },
        { "at [@]", "at" },
    };

    [Theory]
    [MemberData(nameof(Captions))]
    public void SpokenCaptionQuotesTheFirstSentencesOrTwelveWords(string transcript, string? expected) =>
        Assert.Equal(expected, PromptTranscripts.SpokenCaption(transcript));

    [Fact]
    public void ReadsGzipAndNamesMissingOrCorruptFiles()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var gz = Path.Combine(dir, "core-sounds-en.txt.gz");
        using (var gzip = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        using (var writer = new StreamWriter(gzip))
        {
            writer.Write(Sample);
        }
        Assert.Equal("seven", PromptTranscripts.Read(gz).Entries["digits/7"]);

        var corrupt = Path.Combine(dir, "corrupt.txt.gz");
        File.WriteAllText(corrupt, "not gzip at all");
        Assert.Contains(corrupt, Assert.Throws<FlamException>(() => PromptTranscripts.Read(corrupt)).Message);
        var missing = Path.Combine(dir, "missing.txt.gz");
        Assert.Contains(missing, Assert.Throws<FlamException>(() => PromptTranscripts.Read(missing)).Message);
    }

    [Fact]
    public void ShippedTableQuotesTheTranscriptElseTheFileName()
    {
        const string prompt = "vm-nobodyavail.wav";
        var spoken = PromptTranscripts.SpokenCaption("Nobody is available to take your call at the moment.");

        var withTranscript = LabelTable.Default.Label("asterisk-core-sounds-en-wav", prompt, null, spoken);
        Assert.Equal("woman speaking", withTranscript.Label);
        Assert.Equal(["a woman saying \"Nobody is available to take your call at the moment\"", "a woman speaking on a telephone prompt"], withTranscript.Captions);
        Assert.Equal(["speech", "woman", "voice", "talking"], withTranscript.Tags);

        var without = LabelTable.Default.Label("asterisk-core-sounds-en-wav", prompt, null);
        Assert.Equal("woman speaking", without.Label);
        Assert.Equal(["a woman saying \"vm nobodyavail\"", "a woman speaking on a telephone prompt"], without.Captions);
        Assert.Equal(withTranscript.Tags, without.Tags);
    }
}
