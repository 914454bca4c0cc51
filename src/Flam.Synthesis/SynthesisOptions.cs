using System.Text.Json.Serialization;
using Flam.Audio;

namespace Flam.Synthesis;

/// <summary>What happens to an event longer than the mixture.</summary>
public enum LongEventPolicy
{
    /// <summary>Keep its first mixture-length seconds (with the fade-out applied at the cut).</summary>
    Trim,
    /// <summary>Leave the event out of the library (listed in the report).</summary>
    Skip,
}

/// <summary>What identifies a source for the held-out split.</summary>
public enum HoldOutBy
{
    /// <summary>The file: each event/background file is either held out or not.</summary>
    Identity,
    /// <summary>The label text: all files with the same (lower-cased) label go to the same side, so test labels are unseen too.</summary>
    Label,
}

/// <summary>Which side of the held-out split a run draws its sources from.</summary>
public enum SplitSide
{
    /// <summary>Every source (no hold-out).</summary>
    All,
    /// <summary>Only sources not held out.</summary>
    Train,
    /// <summary>Only held-out sources.</summary>
    Test,
}

/// <summary>
/// Every choice of the mixture recipe (paper §4.2, Appendix C.4). Values the paper gives are its values; values it does
/// not give are documented defaults (see docs/synthesis.md). All durations in seconds, levels in dB.
/// </summary>
public sealed record SynthesisOptions
{
    /// <summary>Output sample rate; every source is resampled to it (FLAM: 48 kHz).</summary>
    public int SampleRate { get; init; } = AudioFile.FlamSampleRate;

    /// <summary>Mixture length (paper: 10 s).</summary>
    public double Duration { get; init; } = 10;

    /// <summary>Fewest events per mixture (paper: not given).</summary>
    public int MinEvents { get; init; } = 1;

    /// <summary>Most events per mixture (paper: not given; 5 keeps ≤ 3-at-once placements easy in 10 s).</summary>
    public int MaxEvents { get; init; } = 5;

    /// <summary>Probability that an event comes from clean sound-effect sources rather than general audio (paper: 80 %).</summary>
    public double EffectProbability { get; init; } = 0.8;

    /// <summary>Most events sounding at once, counted on labelled-active frames (paper: 3).</summary>
    public int MaxConcurrentEvents { get; init; } = 3;

    /// <summary>Random onsets tried per event instance before it is dropped for breaking the concurrency limit.</summary>
    public int PlacementAttempts { get; init; } = 20;

    /// <summary>Probability that an event is split into segments (paper: 10 %).</summary>
    public double SplitProbability { get; init; } = 0.1;

    /// <summary>Shortest segment of a split event (paper: 0.5 s).</summary>
    public double MinSegmentSeconds { get; init; } = 0.5;

    /// <summary>Most segments of a split event (paper: not given).</summary>
    public int MaxSegments { get; init; } = 3;

    /// <summary>Probability that an event is repeated (paper: 10 %).</summary>
    public double RepeatProbability { get; init; } = 0.1;

    /// <summary>Fewest copies of a repeated event (paper: not given).</summary>
    public int MinRepeats { get; init; } = 2;

    /// <summary>Most copies of a repeated event (paper: not given).</summary>
    public int MaxRepeats { get; init; } = 4;

    /// <summary>
    /// Lowest event-to-background loudness offset: event A-weighted RMS over its labelled-active frames minus the background
    /// excerpt's A-weighted RMS over the whole excerpt (paper: range lost).
    /// </summary>
    public double MinOffsetDb { get; init; } = -5;

    /// <summary>Highest event-to-background loudness offset (see <see cref="MinOffsetDb"/>).</summary>
    public double MaxOffsetDb { get; init; } = 15;

    /// <summary>Linear fade-in and fade-out applied to every event instance (paper: 10 ms).</summary>
    public double FadeSeconds { get; init; } = 0.01;

    /// <summary>Peak ceiling: a mixture whose peak exceeds it is scaled down to it (never up); the gain is recorded.</summary>
    public double PeakCeiling { get; init; } = 0.999;

    /// <summary>Events longer than the mixture: trimmed (default) or skipped.</summary>
    public LongEventPolicy LongEvents { get; init; } = LongEventPolicy.Trim;

    /// <summary>Encoding of the written mixtures.</summary>
    public WavSampleFormat Format { get; init; } = WavSampleFormat.Pcm16;

    /// <summary>The manifest's <c>source</c> value for every mixture (for the trainer's sampling weights).</summary>
    public string SourceName { get; init; } = "synthetic-sed";

    /// <summary>Label rule (Appendix C.4).</summary>
    public LabelOptions Labels { get; init; } = new();

    /// <summary>Event/background classification of the source folders.</summary>
    public ClassificationRules Classification { get; init; } = new();

    /// <summary>Fraction of sources held out for testing (0 = no split). The paper held out 5k of its backgrounds and 10k events.</summary>
    public double HoldOutFraction { get; init; }

    /// <summary>What identifies a source for the split.</summary>
    public HoldOutBy HoldOutBy { get; init; } = HoldOutBy.Identity;

    /// <summary>Which side of the split this run uses.</summary>
    public SplitSide Split { get; init; } = SplitSide.All;

    /// <summary>
    /// Use only files listed in the events/backgrounds metadata; unlisted files in the folders are ignored.
    /// Lets a corpus with its own splits (one metadata file per split) drive the hold-out.
    /// </summary>
    public bool ListedOnly { get; init; }

    /// <summary>Mixture length in samples.</summary>
    [JsonIgnore]
    public int DurationSamples => (int)Math.Round(Duration * SampleRate);

    /// <summary>Checks every option; throws one <see cref="FlamException"/> listing all problems.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }
        static bool IsProbability(double p) => p >= 0 && p <= 1;
        Check(SampleRate >= 8000, $"sample rate must be ≥ 8000 Hz, got {SampleRate}");
        Check(Duration > 0 && Duration <= 600, $"duration must be in (0, 600] s, got {Duration}");
        Check(MinEvents >= 0 && MaxEvents >= MinEvents, $"event count range [{MinEvents}, {MaxEvents}] is invalid");
        Check(IsProbability(EffectProbability), $"effect probability must be in [0, 1], got {EffectProbability}");
        Check(MaxConcurrentEvents >= 1, $"max concurrent events must be ≥ 1, got {MaxConcurrentEvents}");
        Check(PlacementAttempts >= 1, $"placement attempts must be ≥ 1, got {PlacementAttempts}");
        Check(IsProbability(SplitProbability) && IsProbability(RepeatProbability) && SplitProbability + RepeatProbability <= 1,
            $"split ({SplitProbability}) and repeat ({RepeatProbability}) probabilities must be in [0, 1] and sum to ≤ 1");
        Check(MinSegmentSeconds > 0 && MaxSegments >= 2, $"segments need a positive minimum length and max segments ≥ 2");
        Check(MinRepeats >= 2 && MaxRepeats >= MinRepeats, $"repeat count range [{MinRepeats}, {MaxRepeats}] is invalid (min ≥ 2)");
        Check(double.IsFinite(MinOffsetDb) && double.IsFinite(MaxOffsetDb) && MaxOffsetDb >= MinOffsetDb,
            $"loudness offset range [{MinOffsetDb}, {MaxOffsetDb}] dB is invalid");
        Check(FadeSeconds >= 0 && FadeSeconds * 2 < MinSegmentSeconds, $"fade must be ≥ 0 and shorter than half a segment, got {FadeSeconds}");
        Check(PeakCeiling > 0 && PeakCeiling <= 1, $"peak ceiling must be in (0, 1], got {PeakCeiling}");
        Check(!string.IsNullOrWhiteSpace(SourceName), "source name must not be empty");
        Check(HoldOutFraction >= 0 && HoldOutFraction < 1, $"hold-out fraction must be in [0, 1), got {HoldOutFraction}");
        Check(Split == SplitSide.All || HoldOutFraction > 0, $"--split {Split.ToString().ToLowerInvariant()} needs a hold-out fraction > 0");
        problems.AddRange(Labels.Problems());
        problems.AddRange(Classification.Problems());
        if (problems.Count > 0)
        {
            throw new FlamException("Invalid synthesis options: " + string.Join("; ", problems) + ".");
        }
    }
}
