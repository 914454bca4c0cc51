using Flam.Audio;
using Flam.Model;
using Flam.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Inference;

/// <summary>
/// Clip-level FLAM features of audio files and texts, batched, under <c>no_grad</c>, for <c>flam embed</c> and the
/// retrieval / zero-shot evaluations. Every returned tensor lives in the caller's dispose scope.
/// </summary>
/// <remarks>
/// The global audio feature of a file is FLAM's mean-of-frames embedding norm(MLP_a(mean_t f_a(x)_t)) of each 10 s
/// window; a file longer than one window is cut into consecutive non-overlapping windows, the last one aligned to
/// the file's end (so it overlaps its predecessor instead of holding silence), and its feature is the normalised
/// mean of the window features. A file shorter than a window is padded with silence, as <c>flam detect</c> does.
/// </remarks>
public sealed class EmbeddingExtractor
{
    private readonly FlamModel _model;
    private readonly ITextTokenizer? _tokenizer;
    private readonly Device _device;
    private readonly Action<string>? _warn;

    // Texts are cheap next to 10 s windows; a larger batch costs little memory.
    private const int TextBatchSize = 64;

    /// <summary>Creates an extractor; <paramref name="tokenizer"/> is only needed for <see cref="EncodeTexts"/> and <see cref="Tokenize"/>.</summary>
    /// <param name="model">The loaded model (its device is used for all inputs).</param>
    /// <param name="tokenizer">Tokenizer matching the model's text tower, or null when only token ids or audio are encoded.</param>
    /// <param name="batchSize">Audio windows encoded at once (≥ 1); texts go 64 at a time.</param>
    /// <param name="warn">Receives warnings (padded clips, over-long texts).</param>
    public EmbeddingExtractor(FlamModel model, ITextTokenizer? tokenizer, int batchSize = 4, Action<string>? warn = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _model = model;
        _tokenizer = tokenizer;
        _warn = warn;
        BatchSize = batchSize;
        _device = model.parameters().First().device;
    }

    /// <summary>Audio windows encoded at once.</summary>
    public int BatchSize { get; }

    /// <summary>
    /// All audio features of clips of at most one model window each (shorter ones padded with silence, with a warning).
    /// </summary>
    /// <exception cref="FlamException">A file is missing, unreadable, empty or longer than one window.</exception>
    public AudioFeatures EncodeClips(IReadOnlyList<string> paths)
    {
        int clip = _model.Config.Audio.ClipSamples;
        var waves = paths.Select(path =>
        {
            var samples = Load(path);
            if (samples.Length > clip)
            {
                throw new FlamException($"'{path}' is {Seconds(samples.Length):F2} s long; flam embed takes clips of at most {Seconds(clip):F0} s (use flam detect for long recordings).");
            }
            if (samples.Length < clip)
            {
                _warn?.Invoke($"'{path}' is shorter than {Seconds(clip):F0} s; padded with silence.");
            }
            return samples;
        }).ToList();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var parts = waves.Chunk(BatchSize).Select(EncodeWindows).ToList();
        return new AudioFeatures(
            cat(parts.Select(p => p.FineGrained).ToList(), 0).MoveToOuterDisposeScope(), cat(parts.Select(p => p.Embedding).ToList(), 0).MoveToOuterDisposeScope(),
            cat(parts.Select(p => p.Local).ToList(), 0).MoveToOuterDisposeScope(), cat(parts.Select(p => p.GlobalMeanOfLocal).ToList(), 0).MoveToOuterDisposeScope(),
            cat(parts.Select(p => p.GlobalEmbeddingPath).ToList(), 0).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Global audio features [files, d] of files of any length (see the class remarks for windows, padding and averaging).
    /// </summary>
    /// <param name="paths">Audio files.</param>
    /// <param name="progress">Called with the number of files done.</param>
    /// <exception cref="FlamException">A file is missing, unreadable or empty.</exception>
    public Tensor GlobalAudioFeatures(IReadOnlyList<string> paths, Action<int>? progress = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>(paths.Count);
        for (var i = 0; i < paths.Count; i++)
        {
            using var fileScope = NewDisposeScope();
            var windows = SplitWindows(Load(paths[i]));
            // The other feature tensors of each batch are freed with the file's scope.
            var features = cat(windows.Chunk(BatchSize).Select(batch => EncodeWindows(batch).GlobalMeanOfLocal).ToList(), 0);
            rows.Add(nn.functional.normalize(features.mean([0]), dim: -1).MoveToOuterDisposeScope());
            progress?.Invoke(i + 1);
        }
        return stack(rows).MoveToOuterDisposeScope();
    }

    /// <summary>Token ids of each text without padding (tokenizer warnings go to the warning callback).</summary>
    /// <exception cref="InvalidOperationException">The extractor has no tokenizer.</exception>
    public IReadOnlyList<long[]> Tokenize(IReadOnlyList<string> texts)
    {
        var tokenizer = _tokenizer ?? throw new InvalidOperationException("This extractor was created without a tokenizer.");
        var batch = tokenizer.EncodeBatch(texts, TokenPadding.Longest, _warn);
        var rows = new List<long[]>(batch.Count);
        for (var r = 0; r < batch.Count; r++)
        {
            var tokens = batch.AttentionMask.AsSpan(r * batch.Length, batch.Length).ToArray().Count(m => m != 0);
            rows.Add(batch.InputIds.AsSpan(r * batch.Length, tokens).ToArray());
        }
        return rows;
    }

    /// <summary>Text features of texts (tokenized, then <see cref="EncodeTokens"/>).</summary>
    public TextFeatures EncodeTexts(IReadOnlyList<string> texts) => EncodeTokens(Tokenize(texts));

    /// <summary>
    /// Text features of token-id rows (without padding), padded to the context length with the model's padding id as
    /// the official tokenizer call does, encoded 64 rows at a time.
    /// </summary>
    /// <exception cref="FlamException">A row is empty, longer than the context or holds an id outside the vocabulary.</exception>
    public TextFeatures EncodeTokens(IReadOnlyList<long[]> rows)
    {
        var config = _model.Config;
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length == 0 || rows[i].Length > config.ContextLength)
            {
                throw new FlamException($"Text {i + 1} has {rows[i].Length} tokens; the model takes 1..{config.ContextLength}.");
            }
            // A frozen sentence-encoder tower's ids are its own text-cache slots, not vocabulary entries.
            if (_model.TextBranch is not MiniLmTextTower && rows[i].Any(id => id < 0 || id >= config.Text.VocabSize))
            {
                throw new FlamException($"Text {i + 1} has a token id outside the vocabulary 0..{config.Text.VocabSize - 1}.");
            }
        }
        if (rows.Count == 0) throw new ArgumentException("No texts to encode.", nameof(rows));
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var parts = new List<TextFeatures>();
        using var padTokenId = config.Text.PadTokenId.ToScalar();
        foreach (var batch in rows.Chunk(TextBatchSize))
        {
            var ids = full(batch.Length, config.ContextLength, padTokenId, ScalarType.Int64);
            var mask = zeros(batch.Length, config.ContextLength, ScalarType.Int64);
            for (var i = 0; i < batch.Length; i++)
            {
                ids[i, ..batch[i].Length] = tensor(batch[i]);
                mask[i, ..batch[i].Length] = 1;
            }
            parts.Add(_model.EncodeText(ids.to(_device), mask.to(_device)));
        }
        return new TextFeatures(
            cat(parts.Select(p => p.BranchOutput).ToList(), 0).MoveToOuterDisposeScope(), cat(parts.Select(p => p.Features).ToList(), 0).MoveToOuterDisposeScope(),
            cat(parts.Select(p => p.LogitBias).ToList(), 0).MoveToOuterDisposeScope(), cat(parts.Select(p => p.LogitScale).ToList(), 0).MoveToOuterDisposeScope());
    }

    private double Seconds(long samples) => samples / (double)_model.Config.Audio.SampleRate;

    private float[] Load(string path)
    {
        if (!File.Exists(path)) throw new FlamException($"Audio file '{path}' does not exist.");
        var samples = AudioFile.Load(path, _model.Config.Audio.SampleRate);
        if (samples.Length == 0) throw new FlamException($"'{path}' holds no audio samples.");
        return samples;
    }

    /// <summary>Consecutive full windows; the last one ends at the recording's end (a short recording is one window).</summary>
    private List<float[]> SplitWindows(float[] samples)
    {
        int clip = _model.Config.Audio.ClipSamples;
        if (samples.Length <= clip) return [samples];
        var windows = new List<float[]>();
        for (long start = 0; start < samples.Length; start += clip)
        {
            var from = (int)Math.Min(start, samples.Length - clip);
            windows.Add(samples[from..(from + clip)]);
        }
        return windows;
    }

    /// <summary>Encodes up to one window per waveform, zero-padded to the model's clip length.</summary>
    private AudioFeatures EncodeWindows(float[][] waves)
    {
        using var scope = NewDisposeScope();
        var batch = zeros(waves.Length, _model.Config.Audio.ClipSamples);
        for (var i = 0; i < waves.Length; i++)
        {
            batch[i, ..waves[i].Length] = tensor(waves[i]);
        }
        var features = _model.EncodeAudio(batch.to(_device));
        features.FineGrained.MoveToOuterDisposeScope();
        features.Embedding.MoveToOuterDisposeScope();
        features.Local.MoveToOuterDisposeScope();
        features.GlobalMeanOfLocal.MoveToOuterDisposeScope();
        features.GlobalEmbeddingPath.MoveToOuterDisposeScope();
        return features;
    }
}
