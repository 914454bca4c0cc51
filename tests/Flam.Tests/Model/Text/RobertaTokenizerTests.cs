using System.Text.Json;
using Flam.Model.Text;
using Microsoft.ML.Tokenizers;

namespace Flam.Tests.Model.Text;

/// <summary>
/// <see cref="RobertaTokenizer"/> on the tiny RoBERTa-style files (ids &lt; 1000). Expected ids come from tiktoken's gpt2
/// tokens renamed through the tiny vocabulary (a prefix of GPT-2's merges), never from the code under test.
/// </summary>
public sealed class RobertaTokenizerTests
{
    private static readonly Lazy<RobertaTokenizer> Tiny = new(() => RobertaTokenizer.Load(FixturePaths.Get("tokenizer", "tiny")));

    /// <summary>Ids of <paramref name="text"/> per tiktoken gpt2, mapped to the tiny vocabulary through the token strings.</summary>
    private static int[] ExpectedBpeIds(string text)
    {
        var gpt2 = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(FixturePaths.Get("tokenizer", "gpt2", "encoder.json")))!
            .ToDictionary(kv => kv.Value, kv => kv.Key);
        var tiny = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(FixturePaths.Get("tokenizer", "tiny", "vocab.json")))!;
        return TiktokenTokenizer.CreateForModel("gpt2").EncodeToIds(text).Select(id => tiny[gpt2[id]]).ToArray();
    }

    [Fact]
    public void Wraps_lowercased_bpe_in_bos_and_eos()
    {
        // Words that GPT-2's first 740 merges fully merge (with their leading space), so the tiny BPE and GPT-2 agree on them.
        int[] expected = [0, .. ExpectedBpeIds(" the people play good game with time"), 2];
        Assert.Equal(expected, Tiny.Value.Encode(" The PEOPLE play Good game with time"));
        Assert.Equal((0, 1, 2), (Tiny.Value.BosId, Tiny.Value.PadId, Tiny.Value.EosId));
    }

    [Fact]
    public void Pads_to_77_with_id_1_and_masks_the_padding()
    {
        var batch = Tiny.Value.EncodeBatch(["a dog", "the sound of a car in the rain"]);
        Assert.Equal((2, 77), (batch.Count, batch.Length));
        var row0 = Tiny.Value.Encode("a dog");
        for (var i = 0; i < 77; i++)
        {
            Assert.Equal(i < row0.Length ? row0[i] : 1L, batch.InputIds[i]);
            Assert.Equal(i < row0.Length ? 1L : 0L, batch.AttentionMask[i]);
        }
    }

    [Fact]
    public void Dynamic_padding_pads_to_the_longest_query_with_the_same_tokens()
    {
        var texts = new[] { "a dog", "the sound of a car in the rain" };
        var full = Tiny.Value.EncodeBatch(texts);
        var dynamic = Tiny.Value.EncodeBatch(texts, TokenPadding.Longest);
        var longest = texts.Max(t => Tiny.Value.Encode(t).Length);
        Assert.Equal(longest, dynamic.Length);
        for (var r = 0; r < 2; r++)
        {
            Assert.Equal(full.InputIds.Skip(r * 77).Take(longest), dynamic.InputIds.Skip(r * longest).Take(longest));
            Assert.Equal(full.AttentionMask.Skip(r * 77).Take(longest), dynamic.AttentionMask.Skip(r * longest).Take(longest));
            Assert.All(full.AttentionMask.Skip(r * 77 + longest).Take(77 - longest), m => Assert.Equal(0L, m));
        }
    }

    [Fact]
    public void Query_longer_than_77_tokens_is_truncated_with_a_warning()
    {
        var text = string.Concat(Enumerable.Repeat(" Time", 100));
        var bpe = ExpectedBpeIds(text.ToLowerInvariant());
        Assert.True(bpe.Length > 75);
        var warnings = new List<string>();
        var ids = Tiny.Value.Encode(text, warnings.Add);
        Assert.Equal([0, .. bpe.Take(75), 2], ids);
        var warning = Assert.Single(warnings);
        Assert.Contains("77", warning);
        Assert.Contains("Time Time", warning);
    }

    [Fact]
    public void Query_of_exactly_77_tokens_is_not_warned_about()
    {
        var warnings = new List<string>();
        var text = string.Concat(Enumerable.Repeat(" time", 75));
        Assert.Equal(75, ExpectedBpeIds(text).Length);
        Assert.Equal(77, Tiny.Value.Encode(text, warnings.Add).Length);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t\n ")]
    public void Empty_or_whitespace_query_is_rejected(string text)
    {
        var e = Assert.Throws<FlamException>(() => Tiny.Value.EncodeBatch(["a dog", text]));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Missing_tokenizer_files_are_named()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var e = Assert.Throws<FlamException>(() => RobertaTokenizer.Load(dir));
        Assert.Contains(Path.Combine(dir, "vocab.json"), e.Message);
        File.Copy(FixturePaths.Get("tokenizer", "tiny", "vocab.json"), Path.Combine(dir, "vocab.json"));
        e = Assert.Throws<FlamException>(() => RobertaTokenizer.Load(dir));
        Assert.Contains(Path.Combine(dir, "merges.txt"), e.Message);
        e = Assert.Throws<FlamException>(() => RobertaTokenizer.Load(Path.Combine(dir, "nope")));
        Assert.Contains("nope", e.Message);
    }

    [Theory]
    [InlineData("vocab.json", "not json {", "not a JSON object")]
    [InlineData("vocab.json", "[1, 2, 3]", "not a JSON object")]
    [InlineData("vocab.json", "{}", "empty")]
    [InlineData("vocab.json", "{\"a\": -4}", "negative id")]
    [InlineData("merges.txt", "#version: 0.2\nĠ t\nthree tokens here\n", "line 3")]
    [InlineData("merges.txt", "#version: 0.2\n", "no merges")]
    [InlineData("merges.txt", "#version: 0.2\nq z\n", "not in the vocabulary")]
    public void Malformed_tokenizer_files_are_named(string file, string content, string problem)
    {
        using var dir = FixturePaths.NewTempDirectory();
        foreach (var name in new[] { "vocab.json", "merges.txt" })
        {
            File.Copy(FixturePaths.Get("tokenizer", "tiny", name), Path.Combine(dir, name));
        }
        File.WriteAllText(Path.Combine(dir, file), content);
        var e = Assert.Throws<FlamException>(() => RobertaTokenizer.Load(dir));
        Assert.Contains(Path.Combine(dir, file), e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Vocabulary_without_roberta_specials_is_rejected()
    {
        // GPT-2's own files are a valid BPE but have no <s>/<pad>/</s>.
        var e = Assert.Throws<FlamException>(() => RobertaTokenizer.Load(
            FixturePaths.Get("tokenizer", "gpt2", "encoder.json"), FixturePaths.Get("tokenizer", "gpt2", "vocab.bpe")));
        Assert.Contains("encoder.json", e.Message);
        Assert.Contains("<s>", e.Message);
    }
}
