using Flam.Audio;
using Flam.Inference;

namespace Flam.Tests.Inference;

/// <summary>Windowing, overlap averaging, end trimming and exact frame times, with fake scorers instead of the network.</summary>
[Collection(TorchCollection.Name)]
public sealed class SoundEventDetectorTests
{
    private static readonly DetectionOptions Defaults = DetectionOptions.Default;
    private static readonly string[] TwoQueries = ["dog barking", "glass breaking"];

    /// <summary>A recording whose frame t has the constant value (t mod 7)/7 (frames of the default 0.3125 s grid).</summary>
    private static float[] Staircase(double seconds)
    {
        var signal = new float[(int)Math.Round(seconds * Defaults.SampleRate)];
        for (var i = 0; i < signal.Length; i++)
        {
            signal[i] = (i / Defaults.FrameSamples % 7) / 7f;
        }
        return signal;
    }

    /// <summary>Naive twin: for each frame of the recording, average the scorer's formula over every window start covering it.</summary>
    private static float[] NaiveAverage(float[] signal, int query, int windowCount)
    {
        var frames = (int)Math.Ceiling(signal.Length / (double)Defaults.FrameSamples);
        var padded = new float[(windowCount - 1) * Defaults.HopSamples + Defaults.WindowSamples];
        Array.Copy(signal, padded, signal.Length);
        var expected = new float[frames];
        for (var t = 0; t < frames; t++)
        {
            var values = new List<float>();
            for (var w = 0; w < windowCount; w++)
            {
                var k = t - w * Defaults.HopFrames;
                if (k >= 0 && k < Defaults.FramesPerWindow)
                {
                    values.Add(PositionDependentScorer.Value(FakeScorers.FrameMean(padded, t, Defaults.FrameSamples), k, query));
                }
            }
            expected[t] = values.Average();
        }
        return expected;
    }

    [Fact]
    public void Overlapping_frames_are_averaged_and_frames_past_the_end_dropped()
    {
        var signal = Staircase(23.0);
        var scorer = new PositionDependentScorer(Defaults);
        var result = new SoundEventDetector(scorer, Defaults).Detect("x", FakeScorers.Cut(signal, Defaults), TwoQueries);

        Assert.Equal(4, scorer.Windows.Count); // starts 0, 5, 10, 15 s; the last covers 15–25 s
        Assert.Equal(74, result.FrameCount);   // ⌈23 / 0.3125⌉
        Assert.Equal(23.0, result.Duration, 9);
        for (var q = 0; q < 2; q++)
        {
            var expected = NaiveAverage(signal, q, 4);
            Assert.Equal(expected.Length, result.Queries[q].Probabilities.Length);
            for (var t = 0; t < expected.Length; t++)
            {
                Assert.True(Math.Abs(expected[t] - result.Queries[q].Probabilities[t]) < 1e-6, $"query {q} frame {t}: {expected[t]} vs {result.Queries[q].Probabilities[t]}");
            }
        }
        // Frame 20 (6.25 s) lies in windows 0 (k = 20) and 1 (k = 4): the mean of two different values.
        Assert.Equal((PositionDependentScorer.Value(6 / 7f, 20, 0) + PositionDependentScorer.Value(6 / 7f, 4, 0)) / 2, result.Queries[0].Probabilities[20], 5);
    }

    [Fact]
    public void Clip_shorter_than_a_window_is_padded_with_silence()
    {
        var signal = Staircase(3.0);
        var scorer = new PositionDependentScorer(Defaults);
        var result = new SoundEventDetector(scorer, Defaults).Detect("short", FakeScorers.Cut(signal, Defaults), TwoQueries);

        var window = Assert.Single(scorer.Windows);
        Assert.Equal(signal, window[..signal.Length]);
        Assert.All(window[signal.Length..], s => Assert.Equal(0f, s));
        Assert.Equal(10, result.FrameCount); // ⌈3 / 0.3125⌉ = ⌈9.6⌉
        Assert.Equal(NaiveAverage(signal, 1, 1), result.Queries[1].Probabilities);
    }

    [Fact]
    public void Window_of_exactly_ten_seconds_gives_the_scorer_output_unchanged()
    {
        var signal = Staircase(10.0);
        var scorer = new PositionDependentScorer(Defaults);
        var result = new SoundEventDetector(scorer, Defaults).Detect("ten", FakeScorers.Cut(signal, Defaults), TwoQueries);
        Assert.Single(scorer.Windows);
        Assert.Equal(32, result.FrameCount);
        for (var k = 0; k < 32; k++)
        {
            Assert.Equal(PositionDependentScorer.Value(k % 7 / 7f, k, 0), result.Queries[0].Probabilities[k], 6);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(16)]
    public void Batching_does_not_change_the_result(int batchSize)
    {
        var signal = Staircase(23.0);
        var reference = new SoundEventDetector(new PositionDependentScorer(Defaults), Defaults with { WindowBatchSize = 1 })
            .Detect("x", FakeScorers.Cut(signal, Defaults), TwoQueries);
        var scorer = new PositionDependentScorer(Defaults);
        var batched = new SoundEventDetector(scorer, Defaults with { WindowBatchSize = batchSize })
            .Detect("x", FakeScorers.Cut(signal, Defaults), TwoQueries);

        int[] expectedBatches = batchSize switch { 1 => [1, 1, 1, 1], 3 => [3, 1], _ => [4] };
        Assert.Equal(expectedBatches, scorer.BatchSizes);
        for (var q = 0; q < 2; q++)
        {
            Assert.Equal(reference.Queries[q].Probabilities, batched.Queries[q].Probabilities);
        }
    }

    [Fact]
    public void Event_times_follow_the_frame_grid_across_windows()
    {
        // Loud from 7.5 s to 9.375 s = frames 24..29, i.e. frames 8..13 of the window starting at 5 s.
        var signal = new float[23 * Defaults.SampleRate];
        Array.Fill(signal, 1f, (int)(7.5 * Defaults.SampleRate), (int)(1.875 * Defaults.SampleRate));
        var result = new SoundEventDetector(new LoudnessScorer(Defaults), Defaults).Detect("x", FakeScorers.Cut(signal, Defaults), ["q"]);
        var e = Assert.Single(result.Queries[0].Events);
        Assert.Equal(new SoundEvent("q", 7.5, 9.375, 0.9f, 0.9f), e);
    }

    [Fact]
    public void Event_reaching_the_end_stops_at_the_duration()
    {
        var signal = new float[(int)(12.4 * Defaults.SampleRate)];
        Array.Fill(signal, 1f, 11 * Defaults.SampleRate, signal.Length - 11 * Defaults.SampleRate);
        var result = new SoundEventDetector(new LoudnessScorer(Defaults), Defaults with { MedianFrames = 1 })
            .Detect("x", FakeScorers.Cut(signal, Defaults), ["q"]);
        Assert.Equal(40, result.FrameCount); // ⌈12.4 / 0.3125⌉ = ⌈39.68⌉; the last frame is 68 % real, loud audio
        var e = Assert.Single(result.Queries[0].Events);
        Assert.Equal(10.9375, e.Onset, 9); // frame 35 (10.9375–11.25 s) is 80 % loud, frame 34 silent
        Assert.Equal(12.4, e.Offset, 9); // the last frame ends at 12.5 s, the recording at 12.4 s
    }

    [Fact]
    public void Median_filter_is_applied_before_thresholding()
    {
        // One loud frame (frame 10) is an isolated spike: the 3-frame median removes it, length 1 keeps it.
        var signal = new float[10 * Defaults.SampleRate];
        Array.Fill(signal, 1f, 10 * Defaults.FrameSamples, Defaults.FrameSamples);
        var filtered = new SoundEventDetector(new LoudnessScorer(Defaults), Defaults).Detect("x", FakeScorers.Cut(signal, Defaults), ["q"]);
        var raw = new SoundEventDetector(new LoudnessScorer(Defaults), Defaults with { MedianFrames = 1 }).Detect("x", FakeScorers.Cut(signal, Defaults), ["q"]);
        Assert.Empty(filtered.Queries[0].Events);
        Assert.Equal(0.9f, filtered.Queries[0].Probabilities[10]);
        Assert.Equal(0.1f, filtered.Queries[0].Smoothed[10]);
        Assert.Equal(new SoundEvent("q", 3.125, 3.4375, 0.9f, 0.9f), Assert.Single(raw.Queries[0].Events));
    }

    [Fact]
    public void Empty_audio_is_rejected_with_its_name()
    {
        var scorer = new PositionDependentScorer(Defaults);
        var e = Assert.Throws<FlamException>(() => new SoundEventDetector(scorer, Defaults)
            .Detect("tiny.wav", FakeScorers.Cut([], Defaults), TwoQueries));
        Assert.Contains("tiny.wav", e.Message);
        Assert.Contains("empty (0 samples)", e.Message);
        Assert.Empty(scorer.Windows);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5760)]   // 0.12 s: a key drop
    [InlineData(14880)]  // 0.31 s: a door slam
    [InlineData(14999)]  // one sample short of a frame
    public void Clip_shorter_than_one_frame_is_padded_to_one_frame_and_its_event_ends_at_its_duration(int samples)
    {
        var signal = new float[samples];
        Array.Fill(signal, 1e6f); // loud enough that the single padded frame's mean is loud, whatever the length
        var scorer = new PositionDependentScorer(Defaults);
        var padded = new SoundEventDetector(scorer, Defaults).Detect("slam.wav", FakeScorers.Cut(signal, Defaults), TwoQueries);
        var window = Assert.Single(scorer.Windows);
        Assert.Equal(Defaults.WindowSamples, window.Length);
        Assert.All(window[samples..], s => Assert.Equal(0f, s));
        Assert.Equal(1, padded.FrameCount);

        var result = new SoundEventDetector(new LoudnessScorer(Defaults), Defaults).Detect("slam.wav", FakeScorers.Cut(signal, Defaults), ["q"]);
        var duration = (double)samples / Defaults.SampleRate;
        Assert.Equal(duration, result.Duration, 12);
        Assert.Equal(new SoundEvent("q", 0, duration, 0.9f, 0.9f), Assert.Single(result.Queries[0].Events));
    }

    [Fact]
    public void Audio_of_exactly_one_frame_gives_one_frame()
    {
        var result = new SoundEventDetector(new PositionDependentScorer(Defaults), Defaults)
            .Detect("x", FakeScorers.Cut(new float[Defaults.FrameSamples], Defaults), TwoQueries);
        Assert.Equal(1, result.FrameCount);
    }

    private sealed class NaNScorer(DetectionOptions options) : IFrameScorer
    {
        public float[,,] Score(IReadOnlyList<float[]> windows, IReadOnlyList<string> queries)
        {
            var result = new float[windows.Count, queries.Count, options.FramesPerWindow];
            result[0, queries.Count - 1, 3] = float.NaN;
            return result;
        }
    }

    [Fact]
    public void Non_finite_model_output_is_reported_not_written()
    {
        var e = Assert.Throws<FlamException>(() => new SoundEventDetector(new NaNScorer(Defaults), Defaults)
            .Detect("broken.wav", FakeScorers.Cut(new float[Defaults.WindowSamples], Defaults), TwoQueries));
        Assert.Contains("broken.wav", e.Message);
        Assert.Contains("glass breaking", e.Message);
        Assert.Contains("0.938 s", e.Message);
    }

    [Fact]
    public void Windows_off_the_hop_grid_are_a_programming_error()
    {
        var window = new AudioWindow(123, new float[Defaults.WindowSamples], 1000);
        Assert.Throws<InvalidOperationException>(() => new SoundEventDetector(new PositionDependentScorer(Defaults), Defaults).Detect("x", [window], ["q"]));
    }
}
