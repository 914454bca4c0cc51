using Flam.Audio;

namespace Flam.Inference;

/// <summary>What one query found in one recording.</summary>
/// <param name="Query">The text query.</param>
/// <param name="Probabilities">Calibrated frame probabilities, overlapping windows averaged, one per frame.</param>
/// <param name="Smoothed">
/// <paramref name="Probabilities"/> after the median filter: what the threshold is applied to and what reports show.
/// </param>
/// <param name="Events">Runs of smoothed frames above the threshold.</param>
public sealed record QueryDetection(string Query, float[] Probabilities, float[] Smoothed, IReadOnlyList<SoundEvent> Events);

/// <summary>Detections of every query in one recording.</summary>
/// <param name="Source">The recording (a path, or a name given by the caller).</param>
/// <param name="Duration">Length in seconds.</param>
/// <param name="FrameSeconds">Seconds per frame; frame <c>k</c> starts at <c>k·FrameSeconds</c>.</param>
/// <param name="Queries">One entry per query, in the order asked.</param>
public sealed record DetectionResult(string Source, double Duration, double FrameSeconds, IReadOnlyList<QueryDetection> Queries)
{
    /// <summary>Number of frames: ⌈duration / frame⌉ (the last one may extend past the end).</summary>
    public int FrameCount => Queries.Count == 0 ? 0 : Queries[0].Probabilities.Length;
}

/// <summary>
/// Open-vocabulary sound event detection on audio of any length. The recording is cut into windows of the model's
/// length every hop (<see cref="DetectionOptions"/>); each frame's probability is the mean over the windows that
/// cover it; the last window is zero-padded and its frames past the end are dropped; a recording shorter than a
/// window is one zero-padded window, and one shorter than a frame (a 0.12 s key drop) still gets one frame, its events
/// ending at its duration. Only an empty recording is refused. (The official code only accepts exactly 10 s.) Windows are scored in batches,
/// each batch against all queries at once.
/// </summary>
public sealed class SoundEventDetector
{
    private readonly IFrameScorer _scorer;
    private readonly DetectionOptions _options;

    /// <summary>Creates a detector; <paramref name="options"/> are validated here.</summary>
    public SoundEventDetector(IFrameScorer scorer, DetectionOptions options)
    {
        options.Validate();
        _scorer = scorer;
        _options = options;
    }

    /// <summary>The options in use.</summary>
    public DetectionOptions Options => _options;

    /// <summary>
    /// Streams <paramref name="path"/> in windows (see <see cref="AudioFile.Windows(string, int, int, int, AudioDecodeOptions)"/>)
    /// and detects every query; <paramref name="decode"/> sets where decoder warnings go.
    /// </summary>
    public DetectionResult DetectFile(string path, IReadOnlyList<string> queries, Action<double>? secondsDone = null, AudioDecodeOptions? decode = null) =>
        Detect(path, AudioFile.Windows(path, _options.WindowSamples, _options.HopSamples, _options.SampleRate, decode ?? AudioDecodeOptions.Default),
            queries, secondsDone);

    /// <summary>
    /// Detects every query in a recording given as consecutive windows (starts on the hop grid, each
    /// <see cref="DetectionOptions.WindowSamples"/> long with <see cref="AudioWindow.Valid"/> real samples).
    /// <paramref name="secondsDone"/> is told how far into the recording scoring has got.
    /// </summary>
    public DetectionResult Detect(string source, IEnumerable<AudioWindow> windows, IReadOnlyList<string> queries, Action<double>? secondsDone = null)
    {
        if (queries.Count == 0)
        {
            throw new FlamException("No text query given.");
        }
        var averager = new WindowAverager(_options, queries);
        var batch = new List<AudioWindow>(_options.WindowBatchSize);
        long totalSamples = 0;

        void ScoreBatch()
        {
            var scores = _scorer.Score(batch.Select(w => w.Samples).ToArray(), queries);
            averager.Add(batch.Select(w => w.Start / _options.FrameSamples).ToArray(), scores);
            secondsDone?.Invoke((double)(batch[^1].Start + batch[^1].Valid) / _options.SampleRate);
            batch.Clear();
        }

        foreach (var window in windows)
        {
            if (window.Samples.Length != _options.WindowSamples || window.Start % _options.HopSamples != 0)
            {
                throw new InvalidOperationException(
                    $"Window at sample {window.Start} of {window.Samples.Length} samples is not on the {_options.HopSamples}-sample hop grid of {_options.WindowSamples}-sample windows.");
            }
            totalSamples = Math.Max(totalSamples, window.Start + window.Valid);
            if (window.Valid == 0)
            {
                continue; // entirely past the end: nothing of it would be kept
            }
            batch.Add(window);
            if (batch.Count == _options.WindowBatchSize)
            {
                ScoreBatch();
            }
        }
        if (totalSamples == 0)
        {
            throw new FlamException($"'{source}' is empty (0 samples): there is nothing to detect in it.");
        }
        if (batch.Count > 0)
        {
            ScoreBatch();
        }

        return averager.Finish(source, totalSamples);
    }
}
