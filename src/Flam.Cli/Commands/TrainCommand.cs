using System.CommandLine;
using System.Globalization;
using Flam.Model;
using Flam.Model.Text;
using Flam.Training;
using static Flam.Cli.CliOptions;

namespace Flam.Cli.Commands;

/// <summary><c>flam train</c>: stage 1 or 2 FLAM training from JSONL manifests (docs/training.md).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var d = new TrainingOptions { TrainManifests = [], Config = "", OutputDirectory = "" };
        var command = new Command("train", "Train FLAM: stage 1 (global loss) or stage 2 (global + frame-wise SED + prior), with resumable atomic checkpoints.");
        var train = new Option<string[]>("--train") { Description = "Training manifest(s) (JSONL); repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true };
        var val = new Option<string?>("--val") { Description = "Held-out manifest (clips with events) for the mean frame AUROC." };
        var stage = Opt("--stage", "1: global loss only; 2: global + SED + prior.", d.Stage);
        var config = new Option<string>("--config") { Description = $"Model config: a preset ({string.Join(", ", FlamConfig.PresetNames)}) or a JSON file.", Required = true };
        var init = new Option<string?>("--init") { Description = "Start from this checkpoint (ours .safetensors or the released OpenFLAM .pth)." };
        var textTower = Opt("--text-tower", "Text tower of a fresh model: roberta (trainable, needs --tokenizer) or minilm (frozen all-MiniLM-L6-v2, no tokenizer files).", "roberta");
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Folder with vocab.json and merges.txt for the RoBERTa tower." };
        var steps = Opt("--steps", "Optimiser steps in total.", d.Steps);
        var stopAfter = new Option<int?>("--stop-after") { Description = "Stop after this many steps (checkpointed) as if interrupted; --resume continues." };
        var batch = Opt("--batch-size", "Clips per micro-batch.", d.BatchSize);
        var accumulate = Opt("--accumulate", "Micro-batches per optimiser step (effective batch = batch-size × this).", d.GradientAccumulation);
        var seed = Opt("--seed", "Seed of every random choice.", d.Seed);
        var output = new Option<string>("--out") { Description = "Output folder (model.safetensors, config.json, log.jsonl, checkpoints/, best/).", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue from the last valid checkpoint in --out up to --steps (only with the settings that made the run)." };
        var force = new Option<bool>("--force") { Description = "Replace a run already in --out (its files are removed first); without it (or --resume) such a folder is refused." };
        var lr = Opt("--lr", "Peak learning rate.", d.LearningRate);
        var minLr = Opt("--min-lr", "Learning rate at the end of the decay.", d.MinLearningRate);
        var warmup = Opt("--warmup", "Linear warm-up steps.", d.WarmupSteps);
        var decay = Opt("--decay", "Decay after warm-up: Cosine or Linear.", d.Decay);
        var weightDecay = Opt("--weight-decay", "AdamW decoupled weight decay (not on norms, biases, logit scales, position-bias tables).", d.WeightDecay);
        var clip = Opt("--clip", "Gradient-norm clip (0 = off).", d.GradientClip);
        var sedWeight = Opt("--sed-weight", "Weight of the frame-wise loss.", d.Loss.SedWeight);
        var priorWeight = Opt("--prior-weight", "Weight of the prior loss.", d.Loss.PriorWeight);
        var nonsense = Opt("--nonsense-texts", "Stage 2 with --negative-texts: add made-up texts (\"vosk trelimap\") to the negative-text vocabulary, as this fraction of its size (0 = none).", d.NonsenseTextFraction);
        var decisionWeight = Opt("--decision-weight", "Stage 2: weight of the class-balanced loss on the unbiased logit α·⟨a,e⟩, whose sign is the calibrated decision (0 = off, the official recipe).", d.Loss.DecisionWeight);
        var decisionNegative = Opt("--decision-negative-weight", "Stage 2, with --decision-weight: weight of a negative frame against a positive one in that loss (1 = class-balanced; above 1 trades misses for fewer false alarms of absent sounds).", d.Loss.DecisionNegativeWeight);
        var globalWeight = Opt("--global-weight", "Weight of the global loss.", d.Loss.GlobalWeight);
        var textBlock = Opt("--text-block", "Text slots per block of the frame-wise loss (bounded memory).", d.Loss.Blocking!.TextBlockSize);
        var slots = Opt("--text-slots", "Text slots per clip in SED batches (K = this × B).", d.Batches.TextSlotsPerClip);
        var hardNegatives = Opt("--hard-negatives", "Stage 2, frozen minilm text tower: this fraction of the negative texts are the vocabulary texts nearest the batch's own texts in sentence space (\"a cat meowing\" for \"a dog barking\"), paraphrases left out; the rest random.", d.Batches.HardNegativeFraction);
        var minedNegatives = Opt("--mined-negatives", "Stage 2, frozen minilm text tower: this fraction of the negative texts are the vocabulary texts the model being trained scores highest on the batch's clips (the sounds it confuses, \"glass breaking\" on a gunshot), paraphrases of the batch's texts left out. With --hard-negatives at most 1 in all.", d.Batches.MinedNegativeFraction);
        var negativeTexts = Opt("--negative-texts", "Stage 2: up to this many texts per clip from the training events' vocabulary that occur in no clip of the batch fill free text slots as all-negative texts (0 = off, the official batches).", d.Batches.NegativeTextsPerClip);
        var coverage = Opt("--min-frame-coverage", "A label frame is positive when an event covers at least this fraction of it.", d.Batches.MinFrameCoverage);
        var sourceWeight = new Option<string[]>("--source-weight") { Description = "Sampling weight per manifest source, NAME=W (repeatable; default 1).", AllowMultipleArgumentsPerToken = true };
        var downsample = Opt("--downsample-probability", "Probability of the down-and-up augmentation (to one of --downsample-rates and back).", d.DownsampleProbability);
        var downsampleRates = new Option<int[]>("--downsample-rates")
        {
            Description = "Sample rates (Hz) the down-and-up augmentation picks from (8000 adds telephone-band audio).",
            DefaultValueFactory = _ => [.. d.DownsampleRates],
            AllowMultipleArgumentsPerToken = true,
        };
        var stripes = Opt("--freq-stripes", "SpecAugment frequency stripes per clip.", d.FrequencyStripes);
        var stripeWidth = Opt("--freq-stripe-width", "Maximum stripe width in mel bins.", d.FrequencyStripeWidth);
        var tagP = Opt("--tag-probability", "Stage 2: probability a caption is replaced by a tag.", d.TagProbability);
        var skipMissing = new Option<bool>("--skip-missing") { Description = "Drop manifest entries whose audio is missing (counted) instead of failing." };
        var workers = Opt("--workers", "Threads decoding and augmenting audio.", d.Workers);
        var logMelCache = new Option<string?>("--logmel-cache") { Description = "Folder caching the log-mel of un-augmented training windows across epochs and runs (default: off)." };
        var prefetch = Opt("--prefetch", "Steps prepared ahead.", d.Prefetch);
        var checkpointEvery = Opt("--checkpoint-every", "Checkpoint every N steps (and at the end).", d.CheckpointEvery);
        var keep = Opt("--keep", "Checkpoints kept.", d.KeepCheckpoints);
        var validateEvery = Opt("--validate-every", "Validate every N steps (and at the end).", d.ValidateEvery);
        var device = Opt("--device", "cpu, cuda or cuda:N.", d.Device);
        var freeze = new Option<string[]>("--freeze")
        {
            Description = "Leave these parameters as they are: state-dict names or module prefixes (e.g. text_projection); repeat for several. " +
                "A frozen batch norm (audio_branch.bn0) also keeps its running statistics.",
            AllowMultipleArgumentsPerToken = true,
        };

        Option[] all = [train, val, stage, config, init, textTower, tokenizer, steps, stopAfter, batch, accumulate, seed, output, resume, lr, minLr,
            warmup, decay, weightDecay, clip, sedWeight, priorWeight, decisionWeight, decisionNegative, nonsense, globalWeight, textBlock, slots, negativeTexts, hardNegatives, minedNegatives, coverage, sourceWeight, downsample, downsampleRates, stripes,
            stripeWidth, tagP, skipMissing, workers, logMelCache, prefetch, checkpointEvery, keep, validateEvery, device, freeze, force];
        foreach (var option in all) command.Options.Add(option);

        command.SetAction(parse =>
        {
            var options = new TrainingOptions
            {
                TrainManifests = parse.GetValue(train) ?? [],
                ValidationManifest = parse.GetValue(val),
                Stage = parse.GetValue(stage),
                Config = parse.GetValue(config)!,
                Init = parse.GetValue(init),
                TokenizerDirectory = parse.GetValue(tokenizer),
                TextTower = parse.GetValue(textTower)!,
                OutputDirectory = parse.GetValue(output)!,
                Resume = parse.GetValue(resume),
                Force = parse.GetValue(force),
                Steps = parse.GetValue(steps),
                StopAfter = parse.GetValue(stopAfter),
                BatchSize = parse.GetValue(batch),
                GradientAccumulation = parse.GetValue(accumulate),
                Seed = parse.GetValue(seed),
                Frozen = parse.GetValue(freeze) ?? [],
                LearningRate = parse.GetValue(lr),
                MinLearningRate = parse.GetValue(minLr),
                WarmupSteps = parse.GetValue(warmup),
                Decay = parse.GetValue(decay),
                WeightDecay = parse.GetValue(weightDecay),
                GradientClip = parse.GetValue(clip),
                NonsenseTextFraction = parse.GetValue(nonsense),
                Loss = new FlamLossOptions(parse.GetValue(globalWeight), parse.GetValue(sedWeight), parse.GetValue(priorWeight), new FramewiseBlocking(parse.GetValue(textBlock)), parse.GetValue(decisionWeight), parse.GetValue(decisionNegative)),
                Batches = d.Batches with { TextSlotsPerClip = parse.GetValue(slots), MinFrameCoverage = parse.GetValue(coverage), NegativeTextsPerClip = parse.GetValue(negativeTexts), HardNegativeFraction = parse.GetValue(hardNegatives), MinedNegativeFraction = parse.GetValue(minedNegatives) },
                SourceWeights = ParseWeights(parse.GetValue(sourceWeight) ?? []),
                DownsampleProbability = parse.GetValue(downsample),
                DownsampleRates = parse.GetValue(downsampleRates)!,
                FrequencyStripes = parse.GetValue(stripes),
                FrequencyStripeWidth = parse.GetValue(stripeWidth),
                TagProbability = parse.GetValue(tagP),
                SkipMissing = parse.GetValue(skipMissing),
                Workers = parse.GetValue(workers),
                LogMelCache = parse.GetValue(logMelCache),
                Prefetch = parse.GetValue(prefetch),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                KeepCheckpoints = parse.GetValue(keep),
                ValidateEvery = parse.GetValue(validateEvery),
                Device = parse.GetValue(device)!,
            };
            var outputWriter = parse.InvocationConfiguration.Output;
            var trainer = new Trainer(options, outputWriter);
            var summary = trainer.Run(CreateTextEncoder(parse.GetValue(textTower)!, options));
            // A resumed run that had already reached --steps ran no step here, so it has no losses to show.
            var losses = double.IsNaN(summary.FirstLoss) ? "no step left to run"
                : string.Create(CultureInfo.InvariantCulture, $"loss {summary.FirstLoss:F4} -> {summary.LastLoss:F4}");
            outputWriter.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"done: {summary.Steps} steps, {losses}" +
                $"{(summary.BestValidation is { } b ? $", best val frame AUROC {b:F3}" : "")}, {summary.ClipsDropped} SED clips dropped, {summary.Elapsed.TotalSeconds:F0} s; wrote {Path.Combine(options.OutputDirectory, "model.safetensors")}"));
            return 0;
        });
        return command;
    }

    private static ITrainingTextEncoder CreateTextEncoder(string tower, TrainingOptions options) => tower switch
    {
        "roberta" => new TokenizedTextEncoder(RobertaTokenizer.Load(options.TokenizerDirectory
            ?? throw new FlamException("The roberta text tower needs --tokenizer FOLDER (vocab.json and merges.txt)."))),
        MiniLmTextTower.ModelType => new FrozenTowerTextEncoder(),
        _ => throw new FlamException($"Unknown --text-tower '{tower}' (supported: roberta, minilm)."),
    };

    private static Dictionary<string, double> ParseWeights(string[] items)
    {
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            int eq = item.LastIndexOf('=');
            if (eq <= 0 || !double.TryParse(item[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var w))
            {
                throw new FlamException($"--source-weight '{item}' is not NAME=WEIGHT.");
            }
            weights[item[..eq]] = w;
        }
        return weights;
    }
}
