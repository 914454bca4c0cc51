namespace Flam.Training;

/// <summary>Learning-rate decay after the warm-up.</summary>
public enum LearningRateDecay
{
    /// <summary>Half-cosine from the peak to <see cref="TrainingOptions.MinLearningRate"/>.</summary>
    Cosine,
    /// <summary>Straight line from the peak to <see cref="TrainingOptions.MinLearningRate"/> (the paper's stage 1).</summary>
    Linear,
}

/// <summary>
/// Everything a training run needs (the <c>flam train</c> options). Defaults follow the paper where it gives
/// numbers (Appendix C.5/C.6) and are documented in docs/training.md where it does not.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Training manifests (JSONL).</summary>
    public required IReadOnlyList<string> TrainManifests { get; init; }

    /// <summary>Held-out manifest for validation (clips with events), or null.</summary>
    public string? ValidationManifest { get; init; }

    /// <summary>1: global loss only; 2: global + SED + prior.</summary>
    public int Stage { get; init; } = 2;

    /// <summary>Model config: a preset name or a JSON file.</summary>
    public required string Config { get; init; }

    /// <summary>Checkpoint to start from (ours or the released .pth), or null for random initialisation.</summary>
    public string? Init { get; init; }

    /// <summary>
    /// Text tower of a fresh model: "roberta" (the config's own, trainable) or "minilm" (the frozen sentence encoder,
    /// <see cref="Model.FlamConfig.WithMiniLmText"/>). A resumed or --init model keeps what its config says.
    /// </summary>
    public string TextTower { get; init; } = "roberta";

    /// <summary>Folder of the tokenizer (vocab.json, merges.txt) for the RoBERTa text tower.</summary>
    public string? TokenizerDirectory { get; init; }

    /// <summary>Output folder.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Continue from the last checkpoint in <see cref="OutputDirectory"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Replace a run already in <see cref="OutputDirectory"/> (its files are removed first) instead of refusing.</summary>
    public bool Force { get; init; }

    /// <summary>Optimiser steps in total.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>
    /// Stop this invocation once this many steps are done (with a checkpoint), as if interrupted; the schedule still
    /// spans <see cref="Steps"/>, and <see cref="Resume"/> continues. Null runs to <see cref="Steps"/>.
    /// </summary>
    public int? StopAfter { get; init; }

    /// <summary>Clips per micro-batch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches per optimiser step (effective batch = BatchSize · this).</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Seed of every random choice (data, augmentation, dropout, initialisation).</summary>
    public int Seed { get; init; }

    /// <summary>Peak learning rate (not given in the paper).</summary>
    public double LearningRate { get; init; } = 1e-4;

    /// <summary>Final learning rate of the decay.</summary>
    public double MinLearningRate { get; init; }

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>Decay after the warm-up.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Cosine;

    /// <summary>AdamW decoupled weight decay (not applied to norms, biases, logit scales and position-bias tables).</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Adam β1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam β2.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Global gradient-norm clip; 0 disables clipping.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Loss weights and frame-loss blocking.</summary>
    public FlamLossOptions Loss { get; init; } = new(Blocking: new FramewiseBlocking(64));

    /// <summary>SED batch layout.</summary>
    public SedBatchOptions Batches { get; init; } = new();

    /// <summary>Sampling weight per manifest <c>source</c> (missing sources weigh 1).</summary>
    public IReadOnlyDictionary<string, double> SourceWeights { get; init; } = new Dictionary<string, double>();

    /// <summary>Probability of the down-sample-and-back augmentation (30 %).</summary>
    public double DownsampleProbability { get; init; } = 0.3;

    /// <summary>Sample rates (Hz) the down-sample augmentation picks from, uniformly (paper C.5: 16 and 32 kHz). Adding
    /// 8 000 also trains on telephone-band audio (nothing above 4 kHz), as phone recordings are.</summary>
    public IReadOnlyList<int> DownsampleRates { get; init; } = [16000, 32000];

    /// <summary>Number of SpecAugment frequency stripes (official FLAM: 2).</summary>
    public int FrequencyStripes { get; init; } = 2;

    /// <summary>Maximum width of a frequency stripe in mel bins (official FLAM: 8).</summary>
    public int FrequencyStripeWidth { get; init; } = 8;

    /// <summary>Stage 2: probability that a clip's caption is replaced by one of its tags (½).</summary>
    public double TagProbability { get; init; } = 0.5;

    /// <summary>
    /// Stage 2 with negative texts: made-up texts (<see cref="NonsenseTexts"/>) added to the negative-text vocabulary, as
    /// this fraction of its size (0 = none, the official batches).
    /// </summary>
    public double NonsenseTextFraction { get; init; }

    /// <summary>
    /// Parameters left as they are: state-dict names or their module prefixes (<c>text_projection</c> freezes
    /// <c>text_projection.0.weight</c> and the rest of that module). Each must name at least one parameter. A frozen
    /// batch norm (<c>audio_branch.bn0</c>) also keeps its running statistics: it normalises as in evaluation.
    /// </summary>
    public IReadOnlyList<string> Frozen { get; init; } = [];

    /// <summary>Drop manifest entries whose audio is missing (counted) instead of failing.</summary>
    public bool SkipMissing { get; init; }

    /// <summary>
    /// Folder of the log-mel cache (null: off). Un-augmented training windows keep their log-mel there, keyed by audio
    /// file, size, last-write time, crop and front-end settings, and reuse it on later epochs and runs.
    /// </summary>
    public string? LogMelCache { get; init; }

    /// <summary>Worker threads that decode and augment audio ahead of the model.</summary>
    public int Workers { get; init; } = 2;

    /// <summary>Optimiser steps prepared ahead by the workers.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>Write a checkpoint every this many steps (and at the end).</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Checkpoints kept (older ones are deleted).</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>Validate every this many steps (and at the end) when a validation manifest is given.</summary>
    public int ValidateEvery { get; init; } = 500;

    /// <summary>Device name (cpu, cuda, cuda:N).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Checks every option; throws <see cref="FlamException"/> naming the first bad one.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new FlamException(message);
        }
        Require(TrainManifests.Count > 0, "At least one training manifest (--train) is needed.");
        Require(TextTower is "roberta" or Model.Text.MiniLmTextTower.ModelType, $"Unknown text tower '{TextTower}' (supported: roberta, minilm).");
        Require(!(Resume && Force), "--resume continues the run in the output folder and --force replaces it: give one of them.");
        Require(Stage is 1 or 2, $"--stage must be 1 or 2, got {Stage}.");
        Require(Steps > 0, $"--steps must be positive, got {Steps}.");
        Require(StopAfter is null or > 0, $"--stop-after must be positive, got {StopAfter}.");
        Require(BatchSize > 0, $"--batch-size must be positive, got {BatchSize}.");
        Require(GradientAccumulation > 0, $"--accumulate must be positive, got {GradientAccumulation}.");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"--lr must be a positive number, got {LearningRate}.");
        Require(MinLearningRate >= 0 && MinLearningRate <= LearningRate, $"--min-lr must be in [0, --lr], got {MinLearningRate}.");
        Require(WarmupSteps >= 0, $"--warmup must not be negative, got {WarmupSteps}.");
        Require(WeightDecay >= 0, $"--weight-decay must not be negative, got {WeightDecay}.");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1 && Epsilon > 0, "Adam betas must be in [0, 1) and epsilon positive.");
        Require(GradientClip >= 0, $"--clip must not be negative, got {GradientClip}.");
        Require(DownsampleProbability is >= 0 and <= 1 && TagProbability is >= 0 and <= 1, "Probabilities must be in [0, 1].");
        Require(DownsampleRates.Count > 0 && DownsampleRates.All(r => r is >= 1000 and < Audio.AudioFile.FlamSampleRate),
            $"Down-sample rates must be given, each from 1000 Hz up to below {Audio.AudioFile.FlamSampleRate} Hz (got {string.Join(", ", DownsampleRates)}).");
        Require(NonsenseTextFraction is >= 0 and <= 10, $"The nonsense text fraction must be between 0 and 10, got {NonsenseTextFraction}.");
        Require(FrequencyStripes >= 0 && FrequencyStripeWidth >= 0, "SpecAugment stripes and widths must not be negative.");
        Require(Workers > 0 && Prefetch >= 0, "--workers must be positive and --prefetch not negative.");
        Require(CheckpointEvery > 0 && KeepCheckpoints > 0 && ValidateEvery > 0, "--checkpoint-every, --keep and --validate-every must be positive.");
        Require(SourceWeights.Values.All(w => w >= 0 && double.IsFinite(w)), "Source weights must be finite and not negative.");
        try
        {
            Loss.Validate();
            Batches.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FlamException(e.Message, e);
        }
    }
}
