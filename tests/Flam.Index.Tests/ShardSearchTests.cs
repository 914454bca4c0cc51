using Flam.Index;

namespace Flam.Tests.Index;

/// <summary>The merge of the shards' top-k: the order of one index's search (max descending, then file, then onset), cut to k.</summary>
public sealed class ShardSearchTests
{
    private static SearchHit Hit(string file, double onset, float max) => new("q", file, onset, onset + 1, max, max / 2);

    [Fact]
    public void Merge_orders_hits_of_all_shards_as_one_index_does_and_keeps_the_top()
    {
        IEnumerable<SearchHit>[] shards =
        [
            [Hit("b.wav", 3, 0.9f), Hit("b.wav", 1, 0.5f)],
            [Hit("a.wav", 7, 0.9f), Hit("c.wav", 0, 0.7f), Hit("a.wav", 2, 0.9f)],
            [Hit("d.wav", 4, 0.95f)],
        ];
        var merged = ShardSearch.Merge(shards, 5).Select(h => $"{h.File}@{h.Onset}").ToList();
        Assert.Equal(["d.wav@4", "a.wav@2", "a.wav@7", "b.wav@3", "c.wav@0"], merged);
    }

    [Fact]
    public void Shards_of_different_models_are_refused_and_shards_of_one_model_pass()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var clip = IndexTestData.WriteClip(temp["clip.wav"], 12, seed: 1);
        IndexTestData.Add(temp["a"], IndexTestData.Settings(), clip);
        IndexTestData.Add(temp["b"], IndexTestData.Settings(), clip);
        IndexTestData.Add(temp["c"], IndexTestData.Settings(modelId: "other-model"), clip);
        using AudioIndexReader a = AudioIndexReader.Open(temp["a"]), b = AudioIndexReader.Open(temp["b"]), c = AudioIndexReader.Open(temp["c"]);

        ShardSearch.RequireOneModel([a, b]);
        var mixed = Assert.Throws<FlamException>(() => ShardSearch.RequireOneModel([a, b, c]));
        Assert.Contains($"The shards '{a.Folder}' and '{c.Folder}' were built with different models", mixed.Message);
    }
}
