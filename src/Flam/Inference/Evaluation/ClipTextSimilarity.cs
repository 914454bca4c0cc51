using static TorchSharp.torch;

namespace Flam.Inference.Evaluation;

/// <summary>
/// Clip-level similarities for retrieval and zero-shot classification: cosine similarities of FLAM's normalised global
/// audio and text features (<see cref="EmbeddingExtractor"/>).
/// </summary>
public static class ClipTextSimilarity
{
    /// <summary>
    /// The similarities clips × texts (row-major, float64) of the audio files <paramref name="audioPaths"/> and
    /// <paramref name="texts"/>. Texts are encoded first, so tokenizer problems surface before any audio is decoded;
    /// <paramref name="progress"/> gets the number of clips encoded so far.
    /// </summary>
    public static double[] Compute(EmbeddingExtractor extractor, IReadOnlyList<string> audioPaths, IReadOnlyList<string> texts, Action<int>? progress = null)
    {
        using var scope = NewDisposeScope();
        using var text = extractor.EncodeTexts(texts);
        var audio = extractor.GlobalAudioFeatures(audioPaths, progress);
        var similarity = audio.matmul(text.Features.T).to(ScalarType.Float64).cpu().contiguous();
        return similarity.data<double>().ToArray();
    }
}
