using System.Text;
using Flam.Model.Text;
using Microsoft.ML.Tokenizers;

namespace Flam.Tests.Model.Text;

/// <summary>GPT-2's BPE files through <see cref="ByteLevelBpe"/> must give tiktoken's gpt2 (r50k) ids.</summary>
public sealed class ByteLevelBpeTests
{
    private static readonly Lazy<ByteLevelBpe> Gpt2 = new(() => ByteLevelBpe.Load(
        FixturePaths.Get("tokenizer", "gpt2", "encoder.json"), FixturePaths.Get("tokenizer", "gpt2", "vocab.bpe")));

    private static readonly Lazy<Tokenizer> R50k = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    [Fact]
    public void Matches_r50k_on_2500_generated_strings()
    {
        var corpus = GeneratedCorpus(2500, seed: 20250717);
        var mismatches = new List<string>();
        foreach (var text in corpus)
        {
            var expected = R50k.Value.EncodeToIds(text);
            var actual = Gpt2.Value.Encode(text);
            if (!expected.SequenceEqual(actual))
            {
                mismatches.Add($"{Escape(text)}: expected [{string.Join(' ', expected)}] got [{string.Join(' ', actual)}]");
            }
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {corpus.Count} differ, e.g.\n" + string.Join("\n", mismatches.Take(5)));
    }

    [Theory]
    [InlineData("Hello world")]
    [InlineData("  leading spaces and   runs   of spaces  ")]
    [InlineData("line one\nline two\n\n\tindented")]
    [InlineData("it's they're we've I'm you'll he'd")]
    [InlineData("1234567890 3.14159 -42 1e-5")]
    [InlineData("naïve café, Ümlaut – “quotes” … 中文 日本語 🎉🐕")]
    [InlineData("pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious")]
    public void Matches_r50k_on_edge_cases(string text) =>
        Assert.Equal(R50k.Value.EncodeToIds(text), Gpt2.Value.Encode(text));

    [Fact]
    public void Generated_corpus_is_varied()
    {
        // The comparison above is only as good as its corpus: make sure it exercises what differs between BPE implementations.
        var corpus = GeneratedCorpus(2500, seed: 20250717);
        Assert.Equal(2500, corpus.Distinct().Count());
        Assert.Contains(corpus, s => s.Contains("   "));
        Assert.Contains(corpus, s => s.StartsWith(' '));
        Assert.Contains(corpus, s => s.Contains('\n'));
        Assert.Contains(corpus, s => s.Any(char.IsDigit));
        Assert.Contains(corpus, s => s.Any(char.IsSurrogate));
        Assert.Contains(corpus, s => s.Any(c => c > 0x3000 && !char.IsSurrogate(c)));
        Assert.Contains(corpus, s => s.Split(' ').Any(w => w.Length > 30));
    }

    /// <summary>Deterministic strings mixing words, long words, digits, punctuation, contractions, unicode and whitespace runs.</summary>
    internal static List<string> GeneratedCorpus(int count, int seed)
    {
        string[] words = ["the", "dog", "Barking", "GLASS", "breaks", "a", "of", "engine", "idling", "rain", "thunder", "speech",
            "Music", "bird", "chirps", "door", "slams", "car", "horn", "siren", "footsteps", "applause", "keyboard", "typing"];
        string[] punctuation = [".", ",", "!", "?", "...", ";", ":", "-", "--", "(", ")", "[", "]", "\"", "'", "/", "\\", "@", "#",
            "$", "%", "&", "*", "+", "=", "<", ">", "|", "~", "`", "^", "_", "{", "}"];
        string[] contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "n't", "'S", "'LL"];
        string[] unicode = ["é", "naïve", "Ünïcödé", "ß", "ø", "Ω", "α", "Привет", "мир", "مرحبا", "שלום", "中文", "日本語", "한국어",
            "ไทย", "🎉", "🐕", "👍🏽", "∑", "€", "½", "\u00a0", "\u2003", "e\u0301", "ﬁ", "𝔘𝔫𝔦"];
        string[] whitespace = [" ", "  ", "   ", "\n", "\n\n", "\t", " \n ", "\r\n", "    "];
        var random = new Random(seed);
        var seen = new HashSet<string>();
        var corpus = new List<string>(count);
        while (corpus.Count < count)
        {
            var builder = new StringBuilder();
            var pieces = random.Next(1, 12);
            if (random.Next(4) == 0)
            {
                builder.Append(whitespace[random.Next(whitespace.Length)]);
            }
            for (var p = 0; p < pieces; p++)
            {
                switch (random.Next(8))
                {
                    case 0: builder.Append(random.Next(100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
                    case 1: builder.Append(punctuation[random.Next(punctuation.Length)]); break;
                    case 2: builder.Append(contractions[random.Next(contractions.Length)]); break;
                    case 3: builder.Append(unicode[random.Next(unicode.Length)]); break;
                    case 4: builder.Append(LongWord(random)); break;
                    default: builder.Append(words[random.Next(words.Length)]); break;
                }
                builder.Append(random.Next(5) == 0 ? whitespace[random.Next(whitespace.Length)] : " ");
            }
            if (random.Next(3) == 0)
            {
                builder.Length--;
            }
            var text = builder.ToString();
            if (seen.Add(text))
            {
                corpus.Add(text);
            }
        }
        return corpus;
    }

    private static string LongWord(Random random)
    {
        var length = random.Next(12, 48);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)(random.Next(3) == 0 ? 'A' + random.Next(26) : 'a' + random.Next(26));
        }
        return new string(chars);
    }

    private static string Escape(string text) => text.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
}
