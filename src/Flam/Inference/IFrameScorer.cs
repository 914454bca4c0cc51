namespace Flam.Inference;

/// <summary>
/// Scores fixed-length audio windows against text queries: the only thing <see cref="SoundEventDetector"/> needs
/// from a model, so windowing, averaging and events are testable without a network.
/// </summary>
public interface IFrameScorer
{
    /// <summary>
    /// Calibrated frame probabilities <c>[windows, queries, frames]</c> for windows of exactly
    /// <see cref="DetectionOptions.WindowSamples"/> samples.
    /// </summary>
    float[,,] Score(IReadOnlyList<float[]> windows, IReadOnlyList<string> queries);
}
