using Flam.IO;
using Flam.Training;
using TorchSharp;

namespace Flam.Tests.Training;

[Collection(TorchCollection.Name)]
public class NegativeTextSamplerTests
{
    private static readonly string[] Vocabulary = ["Dog barking", "car horn", "glass breaking", "rain", "thunder", "door slam", "siren", " Rain "];

    [Fact]
    public void DrawsDistinctNormalisedTextsOutsideTheExclusionsDeterminedByTheKey()
    {
        var sampler = new NegativeTextSampler(Vocabulary);
        Assert.Equal(7, sampler.Count); // "rain" and " Rain " are one text
        var exclude = new HashSet<string> { "dog barking", "rain" };
        var first = sampler.Sample(4, exclude, 42);
        Assert.Equal(4, first.Count);
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.All(first, t => Assert.DoesNotContain(t, exclude));
        Assert.All(first, t => Assert.Contains(t, Vocabulary.Select(SedBatchBuilder.NormalizeText)));
        Assert.Equal(first, sampler.Sample(4, exclude, 42));
        var draws = Enumerable.Range(0, 20).Select(k => string.Join("|", sampler.Sample(4, exclude, (ulong)k))).Distinct().Count();
        Assert.True(draws > 1, "different keys must be able to draw different texts");
    }

    [Fact]
    public void AMostlyExcludedVocabularyYieldsWhatIsLeft()
    {
        var sampler = new NegativeTextSampler(Vocabulary);
        var all = Vocabulary.Select(SedBatchBuilder.NormalizeText).ToHashSet();
        all.Remove("siren");
        Assert.Equal(["siren"], sampler.Sample(5, all, 7));
        Assert.Empty(sampler.Sample(3, all.Append("siren").ToHashSet(), 7));
        Assert.Throws<ArgumentException>(() => new NegativeTextSampler(["  ", ""]));
    }

    [Fact]
    public void BatchFillsFreeSlotsWithAllNegativeTextsUpToTheLimit()
    {
        using var scope = torch.NewDisposeScope();
        var clips = new IReadOnlyList<ManifestEvent>?[] { [new("Dog barking", 0, 5)], [new("car horn", 5, 10)] };
        var sampler = new NegativeTextSampler(Vocabulary);
        var options = new SedBatchOptions(TextSlotsPerClip: 3, Frames: 8, NegativeTextsPerClip: 1);
        using var batch = SedBatchBuilder.Build(clips, 2, options, sampler, 3);

        // K = 6 slots: 2 clip texts, then 1 negative per clip = 2 negatives, then 2 masked slots.
        Assert.Equal(4, batch.TextCount);
        Assert.Equal(["dog barking", "car horn"], batch.Texts.Take(2));
        Assert.All(batch.Texts.Skip(2).Take(2), t => Assert.DoesNotContain(t, new[] { "dog barking", "car horn", "" }));
        Assert.Equal(["", ""], batch.Texts.Skip(4));
        Assert.Equal([1f, 1f, 1f, 1f, 0f, 0f], batch.TextMask.data<float>().ToArray());
        Assert.Equal(0f, batch.Labels.narrow(1, 2, 4).sum().item<float>());
        Assert.Equal(8f, batch.Labels.sum().item<float>()); // 4 frames each for the two real events

        // Without a sampler (or with 0 per clip) the batch is the official one.
        using var plain = SedBatchBuilder.Build(clips, 2, options with { NegativeTextsPerClip = 0 }, sampler, 3);
        Assert.Equal(2, plain.TextCount);
        Assert.Throws<ArgumentException>(() => (options with { NegativeTextsPerClip = -1 }).Validate());
    }

    // Sentence-space stand-ins: "dog barking" lies next to "dogs barking" (a paraphrase), then "dog growling", then
    // "car horn"; "siren" is orthogonal to the dogs.
    private static readonly Dictionary<string, float[]> Embeddings = new()
    {
        ["dog barking"] = [1f, 0f, 0f],
        ["dogs barking"] = [0.98f, 0.2f, 0f],
        ["dog growling"] = [0.55f, 0.835f, 0f],
        ["car horn"] = [0.3f, 0.95f, 0f],
        ["siren"] = [0f, 0f, 1f],
        ["rain"] = [0f, 0.6f, 0.8f],
    };

    private static NegativeTextSampler WithNeighbours(int count = 3)
    {
        var sampler = new NegativeTextSampler(Embeddings.Keys);
        using var embeddings = torch.tensor(sampler.Texts.SelectMany(t => Embeddings[t]).ToArray(), [sampler.Count, 3]);
        sampler.WithNeighbours(embeddings, count);
        return sampler;
    }

    [Fact]
    public void Hard_negatives_are_the_nearest_texts_below_the_paraphrase_cap()
    {
        var sampler = WithNeighbours();
        var exclude = new HashSet<string> { "dog barking" };
        // All hard: nearest first, the paraphrase (cosine 0.98, above the cap) never.
        Assert.Equal(["dog growling", "car horn"], sampler.Sample(2, exclude, 1, ["dog barking"], 1));
        // Half hard, half drawn by the key: the hard one is the nearest, the other is another text.
        var mixed = sampler.Sample(2, exclude, 5, ["dog barking"], 0.5);
        Assert.Equal("dog growling", mixed[0]);
        Assert.NotEqual("dog growling", mixed[1]);
        Assert.Equal(mixed, sampler.Sample(2, exclude, 5, ["dog barking"], 0.5));
        // Texts of the batch are never negatives, even when nearest.
        Assert.Equal(["car horn"], sampler.Sample(1, new HashSet<string> { "dog barking", "dog growling" }, 1, ["dog barking"], 1));
        // Without neighbours every text is drawn at random.
        var plain = new NegativeTextSampler(Embeddings.Keys);
        Assert.Equal(plain.Sample(2, exclude, 1), plain.Sample(2, exclude, 1, ["dog barking"], 1));
    }

    [Fact]
    public void A_batch_with_hard_negatives_fills_its_free_slots_with_neighbours_of_its_texts()
    {
        var clips = new IReadOnlyList<ManifestEvent>?[] { [new("Dog barking", 0, 5)] };
        var options = new SedBatchOptions(TextSlotsPerClip: 3, Frames: 8, NegativeTextsPerClip: 2, HardNegativeFraction: 1);
        using var batch = SedBatchBuilder.Build(clips, 1, options, WithNeighbours(), 3);
        Assert.Equal(["dog barking", "dog growling", "car horn"], batch.Texts);
        Assert.Throws<ArgumentException>(() => (options with { NegativeTextsPerClip = 0 }).Validate());
        Assert.Throws<ArgumentException>(() => (options with { HardNegativeFraction = 1.5 }).Validate());
    }
}
