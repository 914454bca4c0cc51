using System.Text.Json;
using Flam.Synthesis;
using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>The corpus's events.jsonl is the synthesis source metadata: `flam synthesize --events-meta` must read it.</summary>
public class CorpusMetadataCompatibilityTests
{
    [Theory]
    [InlineData(CorpusClip.CleanSource, SourceKind.Effect)]
    [InlineData(CorpusClip.GeneralSource, SourceKind.General)]
    public void SynthesisReadsCorpusLinesWithTheirEffectOrGeneralKind(string source, SourceKind expected)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var clip = new CorpusClip("pkg/dog_01.ogg", "audio/pkg/dog_01.ogg", "audio/pkg/dog_01.ogg", 1.5, "dog barking",
            ["dog barking", "a dog barks"], ["dog", "animal"], source, CorpusClip.EventKind, "train", "pkg", "sounds/dog_01.ogg",
            "sounds/dog", "CC0", "", "table");
        var file = Path.Combine(dir, "events.jsonl");
        File.WriteAllText(file, JsonSerializer.Serialize(clip) + "\n");

        var entry = Assert.Single(SourceMetadataReader.Read(file, dir)).Value;

        Assert.Equal(expected, entry.Kind);
        Assert.Equal(["dog barking", "a dog barks"], entry.Captions);
        Assert.Equal(["dog", "animal"], entry.Tags);
    }
}
