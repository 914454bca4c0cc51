using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

public sealed class LabelTableTests
{
    private const string Table =
        "# comment\n" +
        "0ad-data:.*/animal/cattle\tcattle mooing\tcattle mooing|a cow lowing\tcattle,cow,animal\n" +
        "0ad-data:.*/impact/arrow_stone\tarrow hitting stone\tarrow hitting stone|an arrow strikes stone\tarrow,stone,impact\n" +
        "0ad-data:.*/impact/arrow\tarrow impact\tarrow impact on {words}\tarrow,{words}\n" +
        "tuxpaint-stamps-default:\t{text}\tthe sound of a {text}\t{text},{folder}\n";

    private static LabelTable Load() => LabelTable.Parse("test", Table);

    public static TheoryData<string, string, string?, string, string[], string[]> Cases => new()
    {
        { "0ad-data", "public/audio/actor/fauna/animal/cattle_01.ogg", null, "cattle mooing", ["cattle mooing", "a cow lowing"], ["cattle", "cow", "animal"] },
        // The more specific row comes first, so arrow_stone does not fall through to the generic arrow row.
        { "0ad-data", "public/audio/attack/impact/arrow_stone_03.ogg", null, "arrow hitting stone", ["arrow hitting stone", "an arrow strikes stone"], ["arrow", "stone", "impact"] },
        { "0ad-data", "public/audio/attack/impact/arrow_wood_02.ogg", null, "arrow impact", ["arrow impact on arrow wood"], ["arrow", "wood"] },
        { "tuxpaint-stamps-default", "household/vacuum_cleaner.ogg", "A vacuum cleaner.", "vacuum cleaner", ["the sound of a vacuum cleaner"], ["vacuum", "cleaner", "household"] },
        // No row: caption text, else the file name's words; tags from the label and the folder.
        { "ufoai-sound", "0snd/sound/doors/creak_low_short.ogg", null, "creak low short", ["creak low short"], ["creak", "low", "short", "doors"] },
        { "btanks-data", "sounds/ambient/forest.ogg", null, "forest", ["forest"], ["forest", "ambient"] },
        { "ambience", "fireplace.ogg", "crackling fire", "crackling fire", ["crackling fire"], ["crackling", "fire"] },
        // A meaningless stem falls back to the folder's words.
        { "0ad-data", "public/audio/attack/fire/c_11.ogg", null, "fire", ["fire"], ["fire"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LabelsFollowTheTableThenTheFallbacks(string source, string path, string? text, string label, string[] captions, string[] tags)
    {
        var result = Load().Label(source, path, text);
        Assert.Equal(label, result.Label);
        Assert.Equal(captions, result.Captions);
        Assert.Equal(tags, result.Tags);
    }

    [Fact]
    public void ParagraphTextIsNotALabel()
    {
        var result = Load().Label("tuxpaint-stamps-default", "seasonal/hanukkah/dreydl-hay.ogg",
            "Hei stands for halb or half. If the dreidel lands on hei, take half of what is in the middle.");
        Assert.Equal("dreydl hay", result.Label);
    }

    [Fact]
    public void EveryClipGetsACaptionAndATag()
    {
        var table = LabelTable.Parse("t", "x:\tthing\t{words}\t{words}\n");
        var result = table.Label("x", "1.ogg", null);
        Assert.Equal("thing", Assert.Single(result.Captions));
        Assert.Equal("thing", Assert.Single(result.Tags));
    }

    [Fact]
    public void ShippedTableParsesAndLabelsTheBriefExamples()
    {
        var table = LabelTable.Default;
        Assert.True(table.Count > 50, $"only {table.Count} rows");
        Assert.Equal("cattle mooing", table.Label("0ad-data", "public/audio/actor/fauna/animal/cattle_01.ogg", null).Label);
        Assert.Equal("arrow hitting stone", table.Label("0ad-data", "public/audio/attack/impact/arrow_stone_03.ogg", null).Label);
        Assert.Contains("cow", table.Label("0ad-data", "public/audio/actor/fauna/animal/cattle_01.ogg", null).Tags);
    }

    [Fact]
    public void FlightGearSoundsAreLabelledAsAircraftSounds()
    {
        var table = LabelTable.Default;
        // The generic engine's "coughing.wav" is an engine misfiring, not a person coughing.
        Assert.Equal("engine sputtering", table.Label("flightgear-data-base", "Sounds/coughing.wav", null).Label);
        Assert.Equal("thunder", table.Label("flightgear-data-base", "Sounds/thunder2.wav", null).Label);
        Assert.Equal("rain on a windshield", table.Label("flightgear-data-base", "Sounds/rain-windshield.wav", null).Label);
        Assert.Equal("propeller plane engine idling", table.Label("flightgear-data-base", "Aircraft/c172p/Sounds/engine-idle.wav", null).Label);
        Assert.Equal("propeller plane", table.Label("flightgear-data-base", "Aircraft/c172p/Sounds/engine.wav", null).Label);
        Assert.Equal("plane crash", table.Label("flightgear-data-base", "Sounds/crash.wav", null).Label);
        Assert.Equal("crash", table.Label("flightgear-data-base", "Aircraft/c172p/Sounds/damage-heavy.wav", null).Label);
    }

    [Theory]
    [InlineData("a\tb\tc\n", "line 1")]
    [InlineData("# c\na\tb\t\td\n", "line 2")]
    [InlineData("(\tb\tc\td\n", "invalid pattern")]
    public void MalformedRowsNameTheLine(string text, string expected)
    {
        var e = Assert.Throws<FlamException>(() => LabelTable.Parse("labels.tsv", text));
        Assert.Contains("labels.tsv", e.Message);
        Assert.Contains(expected, e.Message);
    }
}
