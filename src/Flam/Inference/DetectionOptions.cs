using Flam.Model;

namespace Flam.Inference;

/// <summary>
/// How sound events are detected in a recording. Defaults follow the paper's evaluation and the released model:
/// threshold 0.5 on the calibrated (unbiased) output, a 3-frame median filter, 10 s windows of 32 frames
/// (0.3125 s each) every 5 s. A model's own window, frame and sample rate come from its config through
/// <see cref="ForModel"/>.
/// </summary>
public sealed record DetectionOptions
{
    /// <summary>The options used when nothing is configured.</summary>
    public static DetectionOptions Default { get; } = new();

    /// <summary>A frame is active when its (median-filtered) unbiased probability is strictly above this.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>Median filter length in frames (odd; 1 turns the filter off).</summary>
    public int MedianFrames { get; init; } = 3;

    /// <summary>Seconds between the starts of consecutive windows; overlapping frames are averaged.</summary>
    public double HopSeconds { get; init; } = 5.0;

    /// <summary>Seconds of audio the model takes at once (the released model: 10 s).</summary>
    public double WindowSeconds { get; init; } = 10.0;

    /// <summary>Seconds covered by one output frame (10 s / 32 frames for the released model).</summary>
    public double FrameSeconds { get; init; } = 0.3125;

    /// <summary>Windows sent to the model at once; larger batches use the matrix units better and need more memory.</summary>
    public int WindowBatchSize { get; init; } = 4;

    /// <summary>Audio sample rate the windows are cut at.</summary>
    public int SampleRate { get; init; } = 48000;

    /// <summary>Frames per window.</summary>
    public int FramesPerWindow => (int)Math.Round(WindowSeconds / FrameSeconds);

    /// <summary>Frames between window starts.</summary>
    public int HopFrames => (int)Math.Round(HopSeconds / FrameSeconds);

    /// <summary>Samples per frame.</summary>
    public int FrameSamples => (int)Math.Round(FrameSeconds * SampleRate);

    /// <summary>Samples per window.</summary>
    public int WindowSamples => FramesPerWindow * FrameSamples;

    /// <summary>Samples between window starts.</summary>
    public int HopSamples => HopFrames * FrameSamples;

    /// <summary>
    /// These options with the window, frame and sample rate of a model's audio encoder (<paramref name="audio"/>): its
    /// clip length, its frames per clip (32 for the released model, 128 for <c>base-12hz</c>) and its sample rate.
    /// Threshold, median filter, hop and batch size are kept; <see cref="Validate"/> then checks the hop against the
    /// model's frame grid.
    /// </summary>
    public DetectionOptions ForModel(HtsatConfig audio)
    {
        var windowSeconds = (double)audio.ClipSamples / audio.SampleRate;
        return this with { SampleRate = audio.SampleRate, WindowSeconds = windowSeconds, FrameSeconds = windowSeconds / audio.Frames };
    }

    /// <summary>Throws <see cref="FlamException"/> describing the first inconsistent option.</summary>
    public void Validate()
    {
        if (!(Threshold > 0 && Threshold < 1))
        {
            throw new FlamException($"The detection threshold must be between 0 and 1 (exclusive), got {Threshold}.");
        }
        if (MedianFrames < 1 || MedianFrames % 2 == 0)
        {
            throw new FlamException($"The median filter length must be an odd number of frames (1 = off), got {MedianFrames}.");
        }
        if (SampleRate <= 0)
        {
            throw new FlamException($"The sample rate must be positive, got {SampleRate}.");
        }
        if (!(FrameSeconds > 0) || !IsWhole(FrameSeconds * SampleRate))
        {
            throw new FlamException($"The frame length must be a positive whole number of samples at {SampleRate} Hz, got {FrameSeconds} s.");
        }
        if (!(WindowSeconds > 0) || !IsWhole(WindowSeconds / FrameSeconds))
        {
            throw new FlamException($"The window ({WindowSeconds} s) must be a positive whole number of frames of {FrameSeconds} s.");
        }
        // Overlapping windows are averaged frame by frame, so their frames must fall on the same grid.
        if (!(HopSeconds > 0) || HopSeconds > WindowSeconds || !IsWhole(HopSeconds / FrameSeconds))
        {
            throw new FlamException(
                $"The hop must be a multiple of the frame length {FrameSeconds} s between {FrameSeconds} s and the window {WindowSeconds} s, got {HopSeconds} s.");
        }
        if (WindowBatchSize < 1)
        {
            throw new FlamException($"The window batch size must be at least 1, got {WindowBatchSize}.");
        }
    }

    /// <summary>Windows a recording of <paramref name="seconds"/> is cut into (at least one).</summary>
    public long WindowCount(double seconds)
    {
        var samples = (long)Math.Ceiling(seconds * SampleRate);
        return samples <= WindowSamples ? 1 : (samples - WindowSamples + HopSamples - 1) / HopSamples + 1;
    }

    /// <summary>
    /// These options with <see cref="WindowBatchSize"/> fitted to the data and the machine, before anything is
    /// allocated. A batch larger than the windows of the longest recording (<paramref name="durations"/> in seconds,
    /// NaN when a header does not tell) only reserves memory, so it is lowered to that count — with a note through
    /// <paramref name="note"/> when the user chose it (<paramref name="chosen"/>). A batch whose estimated memory
    /// (<paramref name="bytesPerWindow"/> each) exceeds <paramref name="availableBytes"/> is refused, saying how much it
    /// would need and which batch fits.
    /// </summary>
    /// <exception cref="FlamException">The batch does not fit in memory.</exception>
    public DetectionOptions FitBatch(IReadOnlyCollection<double> durations, bool chosen, long bytesPerWindow, long availableBytes, Action<string> note)
    {
        var batch = WindowBatchSize;
        if (durations.Count > 0 && durations.All(double.IsFinite))
        {
            var most = durations.Max(WindowCount);
            if (batch > most)
            {
                if (chosen)
                {
                    note($"--batch {batch} is more than the {most} window(s) of {(durations.Count == 1 ? "the recording" : "the longest recording")}; using {most}.");
                }
                batch = (int)most;
            }
        }
        var needed = (double)batch * bytesPerWindow;
        if (needed > availableBytes)
        {
            static string Size(double bytes) => bytes >= 1 << 30 ? $"{bytes / (1 << 30):0.#} GB" : $"{bytes / (1 << 20):0} MB";
            var fits = Math.Max(1, availableBytes / Math.Max(1, bytesPerWindow));
            throw new FlamException(
                $"A batch of {batch} windows would need about {Size(needed)} ({Size(bytesPerWindow)} per window), more than the {Size(availableBytes)} of memory available; " +
                (fits < batch ? $"use --batch {fits} or less." : "free memory or use a smaller model."));
        }
        return this with { WindowBatchSize = batch };
    }

    private static bool IsWhole(double value) => Math.Abs(value - Math.Round(value)) < 1e-9 && Math.Round(value) >= 1;
}
