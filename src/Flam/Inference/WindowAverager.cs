namespace Flam.Inference;

/// <summary>
/// Turns per-window frame probabilities of one recording into its detection: each frame's probability is the mean over
/// the windows that cover it, then <see cref="NearestEdgeMedianFilter"/> and <see cref="EventExtractor"/>. Shared by
/// <see cref="SoundEventDetector"/> (windows scored from audio) and anything that scores stored frame embeddings, so
/// both give the same numbers.
/// </summary>
/// <param name="options">Frame grid, median filter and threshold (validated by the caller).</param>
/// <param name="queries">The queries, in the order of the scores' second dimension.</param>
public sealed class WindowAverager(DetectionOptions options, IReadOnlyList<string> queries)
{
    // Per frame of the recording (frame-major, one value per query): sum over covering windows, and their count. Flat
    // arrays grown by doubling: a search averages hundreds of thousands of frames per query.
    private double[] _sums = [];
    private int[] _counts = [];
    private int _covered; // frames 0 .. _covered − 1 have slots

    /// <summary>
    /// Adds windows starting at frames <paramref name="firstFrames"/> with scores <c>[windows, queries, frames]</c>
    /// (window <c>w</c> of the scores starts at frame <c>firstFrames[w]</c>).
    /// </summary>
    public void Add(IReadOnlyList<long> firstFrames, float[,,] scores)
    {
        var frames = options.FramesPerWindow;
        var count = queries.Count;
        if (scores.GetLength(0) != firstFrames.Count || scores.GetLength(1) != count || scores.GetLength(2) != frames)
        {
            throw new InvalidOperationException(
                $"The scorer returned [{scores.GetLength(0)}, {scores.GetLength(1)}, {scores.GetLength(2)}] for {firstFrames.Count} windows, {count} queries and {frames} frames per window.");
        }
        // Room for all the windows at once: growing window by window would allocate about twice the final arrays.
        var last = 0L;
        foreach (var first in firstFrames) last = Math.Max(last, first);
        if (firstFrames.Count > 0) Cover((int)last + frames);
        for (var w = 0; w < firstFrames.Count; w++)
        {
            var first = (int)firstFrames[w];
            for (var k = 0; k < frames; k++)
            {
                _counts[first + k]++;
                for (var q = 0; q < count; q++)
                {
                    _sums[((first + k) * count) + q] += scores[w, q, k];
                }
            }
        }
    }

    /// <summary>Forgets every window added, keeping the buffers: one averager serves many recordings (or ranges of one) without allocating each time.</summary>
    public void Clear()
    {
        Array.Clear(_counts, 0, _covered);
        Array.Clear(_sums, 0, _covered * queries.Count);
        _covered = 0;
    }

    private void Cover(int frames)
    {
        if (frames > _counts.Length)
        {
            var size = Math.Max(frames, 2 * _counts.Length);
            Array.Resize(ref _counts, size);
            Array.Resize(ref _sums, size * queries.Count);
        }
        _covered = Math.Max(_covered, frames);
    }

    /// <summary>
    /// The detection of a recording of <paramref name="totalSamples"/> samples: one probability per frame
    /// (⌈samples / frame⌉ frames, each covered by at least one added window), smoothed, and events.
    /// </summary>
    /// <exception cref="FlamException">A probability is not finite (broken weights).</exception>
    public DetectionResult Finish(string source, long totalSamples)
    {
        var duration = (double)totalSamples / options.SampleRate;
        var frameCount = (int)((totalSamples + options.FrameSamples - 1) / options.FrameSamples);
        var results = new QueryDetection[queries.Count];
        for (var q = 0; q < queries.Count; q++)
        {
            var probabilities = Means(source, q, 0, frameCount);
            var smoothed = NearestEdgeMedianFilter.Apply(probabilities, options.MedianFrames);
            var events = EventExtractor.Extract(queries[q], smoothed, options.FrameSeconds, duration, options.Threshold);
            results[q] = new QueryDetection(queries[q], probabilities, smoothed, events);
        }
        return new DetectionResult(source, duration, options.FrameSeconds, results);
    }

    /// <summary>
    /// Query <paramref name="query"/>'s mean probability of frames <paramref name="from"/> .. <paramref name="to"/> over the
    /// windows added that cover them (each must be covered). With only some of a recording's windows added, frames whose
    /// every covering window was added get their final value.
    /// </summary>
    /// <exception cref="FlamException">A probability is not finite (broken weights).</exception>
    public float[] Means(string source, int query, int from, int to)
    {
        var probabilities = new float[to - from];
        for (var t = from; t < to; t++)
        {
            if (t >= _covered || _counts[t] == 0)
            {
                throw new InvalidOperationException($"Frame {t} of '{source}' is covered by no window.");
            }
            probabilities[t - from] = (float)(_sums[(t * queries.Count) + query] / _counts[t]);
            if (!float.IsFinite(probabilities[t - from]))
            {
                // Only broken weights do this (the network maps any finite audio, silence included, to finite values).
                throw new FlamException(
                    $"'{source}': the model gave a non-finite probability for \"{queries[query]}\" at {t * options.FrameSeconds:0.###} s; the checkpoint's weights may contain NaN or infinity.");
            }
        }
        return probabilities;
    }
}
