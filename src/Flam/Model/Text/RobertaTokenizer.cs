namespace Flam.Model.Text;

/// <summary>How a batch of token sequences is padded.</summary>
public enum TokenPadding
{
    /// <summary>Every row padded to the context length (77), as the official code does.</summary>
    ContextLength,

    /// <summary>Rows padded only to the longest row of the batch (same encoder outputs, less work).</summary>
    Longest,
}

/// <summary>
/// Token ids and attention mask of a batch, row-major <c>[Count, Length]</c>.
/// </summary>
/// <param name="InputIds">Token ids, padding included.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding.</param>
/// <param name="Count">Number of rows (texts).</param>
/// <param name="Length">Tokens per row.</param>
public sealed record TokenBatch(long[] InputIds, long[] AttentionMask, int Count, int Length);

/// <summary>
/// RoBERTa tokenizer as FLAM uses it: the text is lower-cased, byte-level BPE encoded, wrapped in
/// <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>, truncated to the context length (77) and padded with <c>&lt;pad&gt;</c> (id 1).
/// </summary>
public sealed class RobertaTokenizer : ITextTokenizer
{
    /// <summary>FLAM's text context length (tokens, specials included).</summary>
    public const int DefaultContextLength = 77;

    /// <summary>File name of the vocabulary inside a tokenizer folder.</summary>
    public const string VocabFileName = "vocab.json";

    /// <summary>File name of the merges inside a tokenizer folder.</summary>
    public const string MergesFileName = "merges.txt";

    private readonly ByteLevelBpe _bpe;

    private RobertaTokenizer(ByteLevelBpe bpe, int contextLength)
    {
        _bpe = bpe;
        ContextLength = contextLength;
        BosId = SpecialId(bpe, "<s>");
        EosId = SpecialId(bpe, "</s>");
        PadId = SpecialId(bpe, "<pad>");
    }

    /// <summary>Maximum tokens per text, <c>&lt;s&gt;</c> and <c>&lt;/s&gt;</c> included.</summary>
    public int ContextLength { get; }

    /// <summary>Id of <c>&lt;s&gt;</c> (0 in roberta-base).</summary>
    public int BosId { get; }

    /// <summary>Id of <c>&lt;/s&gt;</c> (2 in roberta-base).</summary>
    public int EosId { get; }

    /// <summary>Id of <c>&lt;pad&gt;</c> (1 in roberta-base).</summary>
    public int PadId { get; }

    /// <summary>Reads <c>vocab.json</c> and <c>merges.txt</c> from <paramref name="directory"/>.</summary>
    public static RobertaTokenizer Load(string directory, int contextLength = DefaultContextLength)
    {
        if (!Directory.Exists(directory))
        {
            throw new FlamException($"Tokenizer folder '{directory}' not found (it must hold {VocabFileName} and {MergesFileName}).");
        }
        return Load(Path.Combine(directory, VocabFileName), Path.Combine(directory, MergesFileName), contextLength);
    }

    /// <summary>Reads the two tokenizer files; <see cref="FlamException"/> naming the file when one is missing or malformed.</summary>
    public static RobertaTokenizer Load(string vocabPath, string mergesPath, int contextLength = DefaultContextLength)
    {
        if (contextLength < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(contextLength), contextLength, "The context must hold <s>, one token and </s>.");
        }
        return new RobertaTokenizer(ByteLevelBpe.Load(vocabPath, mergesPath), contextLength);
    }

    /// <summary>
    /// Encodes one text: lower-cased, <c>&lt;s&gt;</c> ids <c>&lt;/s&gt;</c>, no padding. Texts longer than the context
    /// keep their first <see cref="ContextLength"/> − 2 tokens (the end token stays), and <paramref name="warn"/> is told.
    /// An empty or whitespace-only text is a <see cref="FlamException"/>.
    /// </summary>
    public int[] Encode(string text, Action<string>? warn = null)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FlamException("A text query is empty or only whitespace; describe the sound in words.");
        }
        var ids = _bpe.Encode(text.ToLowerInvariant());
        var kept = Math.Min(ids.Count, ContextLength - 2);
        if (kept < ids.Count)
        {
            warn?.Invoke($"Query \"{Abbreviate(text)}\" has {ids.Count + 2} tokens; only the first {ContextLength} are used.");
        }
        var result = new int[kept + 2];
        result[0] = BosId;
        for (var i = 0; i < kept; i++)
        {
            result[i + 1] = ids[i];
        }
        result[^1] = EosId;
        return result;
    }

    /// <summary>Encodes several texts into one padded batch (see <see cref="Encode"/> for each row).</summary>
    public TokenBatch EncodeBatch(IReadOnlyList<string> texts, TokenPadding padding = TokenPadding.ContextLength, Action<string>? warn = null)
    {
        if (texts.Count == 0)
        {
            throw new FlamException("No text query given.");
        }
        var rows = texts.Select(t => Encode(t, warn)).ToArray();
        var length = padding == TokenPadding.ContextLength ? ContextLength : rows.Max(r => r.Length);
        var ids = new long[rows.Length * length];
        var mask = new long[rows.Length * length];
        Array.Fill(ids, PadId);
        for (var r = 0; r < rows.Length; r++)
        {
            for (var i = 0; i < rows[r].Length; i++)
            {
                ids[r * length + i] = rows[r][i];
                mask[r * length + i] = 1;
            }
        }
        return new TokenBatch(ids, mask, rows.Length, length);
    }

    private static int SpecialId(ByteLevelBpe bpe, string token) =>
        bpe.Vocabulary.TryGetValue(token, out var id)
            ? id
            : throw new FlamException($"Tokenizer vocabulary '{bpe.VocabPath}' has no '{token}' token; it is not a RoBERTa vocabulary.");

    private static string Abbreviate(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
