using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Flam.Model.Text;

/// <summary>
/// GPT-2 style byte-level BPE (the scheme RoBERTa uses) read from a <c>vocab.json</c> (token → id) and a
/// <c>merges.txt</c> (ranked merge pairs). Encodes text to ids without special tokens, lower-casing or padding;
/// <see cref="RobertaTokenizer"/> adds those.
/// </summary>
/// <remarks>
/// Built on Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/> with <c>ByteLevel = true</c> and GPT-2's
/// pre-tokenizer pattern: measured to match tiktoken's <c>r50k_base</c> on GPT-2's files, whereas the library's
/// <c>CodeGenTokenizer</c> differs on runs of spaces. The files are parsed here (not by the library) so that a
/// malformed file gives a message naming it and the line at fault.
/// </remarks>
public sealed class ByteLevelBpe
{
    /// <summary>GPT-2's pre-tokenizer: contractions, letters, digits, other symbols, each optionally led by one space; runs of whitespace.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly Regex Gpt2Regex = new(Gpt2Pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    private readonly BpeTokenizer _bpe;

    private ByteLevelBpe(BpeTokenizer bpe, IReadOnlyDictionary<string, int> vocabulary, string vocabPath)
    {
        _bpe = bpe;
        Vocabulary = vocabulary;
        VocabPath = vocabPath;
    }

    /// <summary>Token string (byte-level alphabet, e.g. <c>Ġthe</c>) → id, as read from the vocabulary file.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary { get; }

    /// <summary>The vocabulary file this tokenizer was read from (for messages).</summary>
    public string VocabPath { get; }

    /// <summary>
    /// Reads <paramref name="vocabPath"/> (a JSON object of token → non-negative id) and <paramref name="mergesPath"/>
    /// (optional <c>#version</c> line, then one "left right" pair per line). Throws <see cref="FlamException"/>
    /// naming the file when it is missing or malformed.
    /// </summary>
    public static ByteLevelBpe Load(string vocabPath, string mergesPath)
    {
        var vocabulary = ReadVocabulary(vocabPath);
        var merges = ReadMerges(mergesPath, vocabulary);
        try
        {
            var options = new BpeOptions(vocabulary)
            {
                Merges = merges,
                ByteLevel = true,
                PreTokenizer = new RegexPreTokenizer(Gpt2Regex, null),
            };
            return new ByteLevelBpe(BpeTokenizer.Create(options), vocabulary, vocabPath);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new FlamException($"Tokenizer files '{vocabPath}' and '{mergesPath}' do not form a valid BPE: {e.Message}", e);
        }
    }

    /// <summary>Encodes <paramref name="text"/> exactly as given (no lower-casing, no special tokens).</summary>
    public IReadOnlyList<int> Encode(string text) => _bpe.EncodeToIds(text);

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        var text = ReadText(path, "vocabulary");
        Dictionary<string, int>? vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(text);
        }
        catch (JsonException e)
        {
            throw new FlamException($"Tokenizer vocabulary '{path}' is not a JSON object of token → id: {e.Message}", e);
        }
        if (vocabulary is null || vocabulary.Count == 0)
        {
            throw new FlamException($"Tokenizer vocabulary '{path}' is empty.");
        }
        foreach (var (token, id) in vocabulary)
        {
            if (id < 0)
            {
                throw new FlamException($"Tokenizer vocabulary '{path}': token '{token}' has negative id {id}.");
            }
        }
        return vocabulary;
    }

    private static List<string> ReadMerges(string path, Dictionary<string, int> vocabulary)
    {
        var lines = ReadText(path, "merges").Split('\n');
        var merges = new List<string>(lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0 || (i == 0 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }
            var parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new FlamException($"Tokenizer merges '{path}' line {i + 1}: expected two tokens separated by one space, got '{line}'.");
            }
            // A merge whose result is not in the vocabulary can never produce an id: the files do not belong together.
            if (!vocabulary.ContainsKey(parts[0] + parts[1]))
            {
                throw new FlamException($"Tokenizer merges '{path}' line {i + 1}: the merged token '{parts[0] + parts[1]}' is not in the vocabulary; are vocab.json and merges.txt from the same tokenizer?");
            }
            merges.Add(line);
        }
        if (merges.Count == 0)
        {
            throw new FlamException($"Tokenizer merges '{path}' contains no merges.");
        }
        return merges;
    }

    private static string ReadText(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new FlamException($"Tokenizer {what} file '{path}' not found.");
        }
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"Cannot read tokenizer {what} file '{path}': {e.Message}", e);
        }
    }
}
