using Flam.Audio;
using Flam.Inference;

namespace Flam.Tests.Inference;

/// <summary>Network-free scorers and window cutting for the detection tests.</summary>
internal static class FakeScorers
{
    /// <summary>Cuts <paramref name="signal"/> like <see cref="AudioFile.Windows"/>: every hop until a window reaches the end, the last zero-padded.</summary>
    public static IEnumerable<AudioWindow> Cut(float[] signal, DetectionOptions options)
    {
        for (long start = 0; ; start += options.HopSamples)
        {
            var samples = new float[options.WindowSamples];
            var valid = (int)Math.Max(0, Math.Min(options.WindowSamples, signal.Length - start));
            Array.Copy(signal, start, samples, 0, valid);
            yield return new AudioWindow(start, samples, valid);
            if (start + options.WindowSamples >= signal.Length)
            {
                yield break;
            }
        }
    }

    /// <summary>Mean of the samples of frame <paramref name="k"/> of a window.</summary>
    public static float FrameMean(float[] window, int k, int frameSamples)
    {
        var sum = 0.0;
        for (var i = k * frameSamples; i < (k + 1) * frameSamples; i++)
        {
            sum += window[i];
        }
        return (float)(sum / frameSamples);
    }
}

/// <summary>
/// A scorer whose output depends on the audio and on the frame's position in its window, so overlapping windows
/// disagree and averaging is visible: p = 0.5·mean(frame) + k/64 + 0.1·query. Records every call.
/// </summary>
internal sealed class PositionDependentScorer(DetectionOptions options) : IFrameScorer
{
    public List<float[]> Windows { get; } = [];
    public List<int> BatchSizes { get; } = [];

    public static float Value(float frameMean, int k, int query) => 0.5f * frameMean + k / 64f + 0.1f * query;

    public float[,,] Score(IReadOnlyList<float[]> windows, IReadOnlyList<string> queries)
    {
        BatchSizes.Add(windows.Count);
        Windows.AddRange(windows);
        var result = new float[windows.Count, queries.Count, options.FramesPerWindow];
        for (var w = 0; w < windows.Count; w++)
        {
            for (var k = 0; k < options.FramesPerWindow; k++)
            {
                var mean = FakeScorers.FrameMean(windows[w], k, options.FrameSamples);
                for (var q = 0; q < queries.Count; q++)
                {
                    result[w, q, k] = Value(mean, k, q);
                }
            }
        }
        return result;
    }
}

/// <summary>A scorer that says 0.9 where the audio is loud (frame mean &gt; 0.5) and 0.1 elsewhere, for every query.</summary>
internal sealed class LoudnessScorer(DetectionOptions options) : IFrameScorer
{
    public float[,,] Score(IReadOnlyList<float[]> windows, IReadOnlyList<string> queries)
    {
        var result = new float[windows.Count, queries.Count, options.FramesPerWindow];
        for (var w = 0; w < windows.Count; w++)
        {
            for (var k = 0; k < options.FramesPerWindow; k++)
            {
                var p = FakeScorers.FrameMean(windows[w], k, options.FrameSamples) > 0.5f ? 0.9f : 0.1f;
                for (var q = 0; q < queries.Count; q++)
                {
                    result[w, q, k] = p;
                }
            }
        }
        return result;
    }
}
