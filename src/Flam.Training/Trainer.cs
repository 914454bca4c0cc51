using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flam.IO;
using Flam.Model;
using Flam.Model.Checkpoints;
using Flam.Model.Text;
using Flam.Synthesis;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>Text features for a list of texts: tokenizer + the model's text tower, or a frozen encoder feeding the heads.</summary>
public interface ITrainingTextEncoder
{
    /// <summary>Projected features, α and β of <paramref name="texts"/> (non-empty, lower-cased) with the model's current weights.</summary>
    TextFeatures Encode(FlamModel model, IReadOnlyList<string> texts);
}

/// <summary>The official path: a tokenizer and the model's own (trainable) text tower.</summary>
public sealed class TokenizedTextEncoder(ITextTokenizer tokenizer) : ITrainingTextEncoder
{
    /// <inheritdoc />
    public TextFeatures Encode(FlamModel model, IReadOnlyList<string> texts)
    {
        var tokens = tokenizer.EncodeBatch(texts, TokenPadding.Longest);
        using var ids = tensor(tokens.InputIds, [tokens.Count, tokens.Length]);
        using var mask = tensor(tokens.AttentionMask, [tokens.Count, tokens.Length]);
        return model.EncodeText(ids, mask);
    }
}

/// <summary>
/// A frozen text tower that is its own tokenizer (<see cref="MiniLmTextTower"/>): each distinct text is embedded once
/// (cached, no gradient) and only the projection and per-text heads train.
/// </summary>
public sealed class FrozenTowerTextEncoder : ITrainingTextEncoder
{
    /// <inheritdoc />
    public TextFeatures Encode(FlamModel model, IReadOnlyList<string> texts)
    {
        var tower = model.TextBranch as MiniLmTextTower
            ?? throw new FlamException($"Model config '{model.Config.Name}' has a '{model.Config.TextModelType}' text tower, not the frozen minilm one.");
        using var scope = NewDisposeScope();
        var branch = tower.EncodeTexts(texts).to(model.LogitScaleA.device);
        return model.HeadsFromBranch(branch).MoveToOuter();
    }
}

/// <summary>What a finished run reports.</summary>
/// <param name="Steps">Optimiser steps completed (including those before a resume).</param>
/// <param name="FirstLoss">Loss of the first step of this invocation.</param>
/// <param name="LastLoss">Loss of the last step.</param>
/// <param name="LastValidation">Last validation frame AUROC, or null.</param>
/// <param name="BestValidation">Best validation frame AUROC, or null.</param>
/// <param name="ClipsDropped">SED clips dropped because their texts did not fit the K slots.</param>
/// <param name="Elapsed">Wall time of this invocation.</param>
public sealed record TrainingSummary(int Steps, double FirstLoss, double LastLoss, double? LastValidation, double? BestValidation, long ClipsDropped, TimeSpan Elapsed);

/// <summary>
/// The FLAM trainer: stage 1 (global loss) or stage 2 (global + frame-wise + prior), AdamW with warm-up and decay,
/// gradient clipping and accumulation, background data preparation, atomic checkpoints with exact resume,
/// JSONL log and validation by mean frame AUROC.
/// </summary>
public sealed class Trainer
{
    private readonly TrainingOptions _options;
    private readonly TextWriter _progress;

    /// <summary>A trainer for <paramref name="options"/>; progress lines go to <paramref name="progress"/>.</summary>
    public Trainer(TrainingOptions options, TextWriter progress)
    {
        options.Validate();
        _options = options;
        _progress = progress;
    }

    /// <summary>
    /// Stops the gradient of the parameters named by <paramref name="frozen"/> (names or module prefixes); the optimiser
    /// then leaves them out. Returns the batch-norm modules among them, whose running statistics must stay as they are
    /// too (the trainer keeps them in evaluation mode): a batch norm in training mode normalises by the batch, so new
    /// data (mixtures after isolated clips) would shift every input of the layers behind it from the first step on.
    /// </summary>
    /// <exception cref="FlamException">A name matches no parameter.</exception>
    internal static IReadOnlyList<nn.Module> Freeze(FlamModel model, IReadOnlyList<string> frozen)
    {
        static bool Under(string name, string prefix) => name == prefix || name.StartsWith(prefix + ".", StringComparison.Ordinal);
        var parameters = model.named_parameters().ToList();
        foreach (var name in frozen)
        {
            var matched = parameters.Where(p => Under(p.name, name)).ToList();
            if (matched.Count == 0)
            {
                throw new FlamException($"--freeze '{name}' names no parameter of the model (parameters are named like '{parameters[0].name}').");
            }
            foreach (var (_, parameter) in matched) parameter.requires_grad = false;
        }
        return [.. model.named_modules()
            .Where(m => m.module is TorchSharp.Modules.BatchNorm && frozen.Any(f => Under(m.name, f) || Under(f, m.name)))
            .Select(m => m.module)];
    }

    /// <summary>
    /// The config of a checkpoint under the name the run started with (recorded in its weights): the config.json beside
    /// them would name itself, and a resumed run must write the same bytes as an uninterrupted one.
    /// </summary>
    private static FlamConfig ResumedConfig(string checkpoint)
    {
        var config = FlamConfig.FromNameOrFile(Path.Combine(checkpoint, FlamModel.ConfigFileName));
        return SafeTensors.ReadMetadata(Path.Combine(checkpoint, FlamModel.WeightsFileName)).TryGetValue("config", out var name) ? config with { Name = name } : config;
    }

    /// <summary>Runs to <see cref="TrainingOptions.Steps"/>; <paramref name="createModel"/> builds a fresh model for a config (null: the config's own text tower).</summary>
    public TrainingSummary Run(ITrainingTextEncoder textEncoder, Func<FlamConfig, FlamModel>? createModel = null, CancellationToken cancel = default)
    {
        var o = _options;
        var watch = Stopwatch.StartNew();
        var device = Runtime.TorchRuntime.Device(o.Device);
        bool createdOutput = !Directory.Exists(o.OutputDirectory);
        using var outputLock = OutputLock.Acquire(o.OutputDirectory, "flam train");
        var store = new CheckpointStore(o.OutputDirectory, o.KeepCheckpoints);
        store.RemoveTemporaries();
        var runRecord = RunFolder.Record(o);
        if (!o.Resume && RunFolder.HoldsRun(o.OutputDirectory))
        {
            if (!o.Force)
            {
                throw new FlamException($"The output folder '{o.OutputDirectory}' holds a training run; use --resume to continue it, " +
                    "--force to replace it (its files are removed first), or choose another folder.");
            }
            RunFolder.RemoveRun(o.OutputDirectory);
        }
        RunFolder.CheckOrWrite(o.OutputDirectory, runRecord);
        try
        {
            return Run(textEncoder, createModel, store, device, watch, cancel);
        }
        catch when (store.Latest() is null)
        {
            // A run that failed before its first checkpoint leaves nothing worth resuming: remove its files, and the folder if it made it.
            RunFolder.RemoveRun(o.OutputDirectory);
            outputLock.RemoveFolderWhenEmpty = createdOutput;
            throw;
        }
    }

    private TrainingSummary Run(ITrainingTextEncoder textEncoder, Func<FlamConfig, FlamModel>? createModel, CheckpointStore store, Device device,
        Stopwatch watch, CancellationToken cancel)
    {
        var o = _options;
        string? resumeFrom = o.Resume ? store.LatestValid(_progress) : null;
        if (o.Resume && resumeFrom is null)
        {
            _progress.WriteLine($"No checkpoint in '{o.OutputDirectory}' to resume from; starting from step 0.");
        }

        var config = resumeFrom is not null ? ResumedConfig(resumeFrom) : FlamConfig.FromNameOrFile(o.Config);
        if (resumeFrom is null && o.TextTower == MiniLmTextTower.ModelType)
        {
            config = config.WithMiniLmText();
        }
        // Data first: a bad manifest fails before any model is built.
        var cache = o.LogMelCache is null ? null : new LogMelCache(o.LogMelCache, FlamModel.FrontEndOptions(config.Audio));
        var data = new TrainingData(o, config.Audio.ClipSamples, cache);
        if (o.BatchSize > data.ClipCount)
        {
            // Each micro-batch holds BatchSize decoded clips at once; more than the manifests hold only repeats clips at a memory cost.
            throw new FlamException($"--batch-size {o.BatchSize} is larger than the {data.ClipCount} training clips of {string.Join(", ", o.TrainManifests)}; " +
                $"use at most {data.ClipCount}.");
        }
        var eventTexts = o.Stage == 2 && o.Batches.NegativeTextsPerClip > 0 ? data.EventTexts.ToList() : [];
        if (eventTexts.Count > 0 && o.NonsenseTextFraction > 0)
        {
            // Made-up texts that share no word with a real one, so none of them is accidentally a sound's name.
            var realWords = eventTexts.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var wanted = (int)Math.Ceiling(o.NonsenseTextFraction * eventTexts.Count);
            eventTexts.AddRange(NonsenseTexts.Generate(2 * wanted, (ulong)o.Seed).Where(t => !t.Split(' ').Any(realWords.Contains)).Take(wanted));
        }
        var negatives = eventTexts.Count > 0 ? new NegativeTextSampler(eventTexts) : null;
        if (data.SkippedMissingAudio > 0)
        {
            _progress.WriteLine($"Skipped {data.SkippedMissingAudio} manifest entries whose audio is missing (--skip-missing).");
        }
        // Label frames cover the model's clip window, whatever its length in this config.
        var batches = o.Batches with { ClipSeconds = (double)config.Audio.ClipSamples / Audio.AudioFile.FlamSampleRate };
        var validation = o.ValidationManifest is null ? null : ValidationSet.Read(o.ValidationManifest, config.Audio.ClipSamples, batches, o.SkipMissing);

        manual_seed(o.Seed);
        using var model = resumeFrom is not null ? LoadInto(createModel, config, Path.Combine(resumeFrom, FlamModel.WeightsFileName))
            : o.Init is not null ? LoadInto(createModel, config, o.Init)
            : (createModel?.Invoke(config) ?? FlamModel.Create(config));
        model.to(device);
        model.AudioBranch.TrainingAugmentation = SpecAugment.FrequencyStripes(o.FrequencyStripes, o.FrequencyStripeWidth);
        using var miner = SentenceSpaceNegatives(model, config, negatives, device);
        var frozenNorms = Freeze(model, o.Frozen);
        using var optimizer = new AdamWOptimizer(model.named_parameters(), o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay);
        int startStep = 0;
        double? best = null;
        if (resumeFrom is not null)
        {
            var state = CheckpointStore.LoadState(resumeFrom, optimizer);
            startStep = state.Step;
            best = state.BestValidation;
            _progress.WriteLine($"Resuming from '{resumeFrom}' at step {startStep}.");
        }
        var logPath = Path.Combine(o.OutputDirectory, "log.jsonl");
        TruncateLog(logPath, startStep);

        var loss = new FlamLoss(o.Loss);
        int frames = config.Audio.Frames;
        if (o.Stage == 2 && frames != batches.Frames)
        {
            throw new FlamException($"Config '{config.Name}' yields {frames} frames per clip but SED batches use {batches.Frames}.");
        }
        int endStep = Math.Min(o.Steps, o.StopAfter ?? o.Steps);

        if (validation is not null && startStep == 0)
        {
            var initial = validation.Evaluate(model, textEncoder, device, o.BatchSize);
            _progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"initial val frame AUROC {initial.FrameAuroc:F3}, false alarms {initial.AbsentFalseAlarms:F3} ({validation.ClipCount} clips, {validation.TextCount} descriptions)"));
        }

        var prefetch = new Dictionary<int, Task<PreparedClip[][]>>();
        Task<PreparedClip[][]> Schedule(int step) => Task.Run(() => Enumerable.Range(0, o.GradientAccumulation).Select(m => data.Prepare(step, m)).ToArray(), cancel);
        for (int s = startStep; s < Math.Min(endStep, startStep + 1 + o.Prefetch); s++) prefetch[s] = Schedule(s);

        double firstLoss = double.NaN, lastLoss = double.NaN;
        double? lastValidation = null;
        double lastFalseAlarms = double.NaN;
        long dropped = 0;
        string? lastCheckpoint = resumeFrom;
        var runWatch = Stopwatch.StartNew();
        int clipsSeen = 0;
        for (int step = startStep; step < endStep; step++)
        {
            cancel.ThrowIfCancellationRequested();
            var micro = WaitFor(prefetch[step]);
            prefetch.Remove(step);
            int ahead = step + 1 + o.Prefetch;
            if (ahead < endStep) prefetch[ahead] = Schedule(ahead);

            model.train();
            foreach (var norm in frozenNorms) norm.eval();
            double lr = LearningRateSchedule.At(step, o.Steps, o.LearningRate, o.MinLearningRate, o.WarmupSteps, o.Decay);
            var components = new Dictionary<string, double>();
            double total = 0;
            for (int m = 0; m < micro.Length; m++)
            {
                using var scope = NewDisposeScope();
                manual_seed((long)(SplitMix64.Combine(o.Seed, step, m, 0x70c4) >> 1));
                var negativeKey = SplitMix64.ForItem(o.Seed, (long)step * o.GradientAccumulation + m).NextUInt64();
                var (result, droppedHere) = Forward(model, textEncoder, loss, micro[m], device, batches, negatives, miner, negativeKey);
                dropped += droppedHere;
                double value = result.Total.item<float>();
                if (!double.IsFinite(value))
                {
                    throw new FlamException($"The loss became {value} at step {step + 1} (micro-batch {m + 1}); training stopped. " +
                        (lastCheckpoint is null ? "No checkpoint was written yet." : $"The last good checkpoint '{lastCheckpoint}' is untouched.") +
                        " Lower --lr or check the data for broken audio.");
                }
                using (var accumulation = o.GradientAccumulation.ToScalar())
                using (var share = result.Total / accumulation)
                {
                    share.backward();
                }
                total += value / o.GradientAccumulation;
                Accumulate(components, "global", result.Global, o.GradientAccumulation);
                Accumulate(components, "framewise", result.Framewise, o.GradientAccumulation);
                Accumulate(components, "prior", result.Prior, o.GradientAccumulation);
                Accumulate(components, "decision", result.Decision, o.GradientAccumulation);
                clipsSeen += micro[m].Length;
            }
            double gradNorm = o.GradientClip > 0 ? nn.utils.clip_grad_norm_(optimizer.Parameters, o.GradientClip) : double.NaN;
            optimizer.Step(lr);
            optimizer.ZeroGrad();
            GlobalContrastiveLoss.ClampLogitScale(model.LogitScaleA);
            if (step == startStep) firstLoss = total;
            lastLoss = total;
            int done = step + 1;

            var record = new JsonObject { ["step"] = done, ["loss"] = total, ["lr"] = lr };
            foreach (var (k, v) in components) record[k] = v;
            if (double.IsFinite(gradNorm)) record["grad_norm"] = gradNorm;
            double clipsPerSecond = clipsSeen / Math.Max(1e-9, runWatch.Elapsed.TotalSeconds);
            record["clips_per_second"] = clipsPerSecond;
            if (dropped > 0) record["clips_dropped"] = dropped;
            if (cache is not null)
            {
                // Counts include steps prefetched ahead of this one.
                record["logmel_cache_hits"] = cache.Hits;
                record["logmel_cache_writes"] = cache.Writes;
            }

            if (validation is not null && (done % o.ValidateEvery == 0 || done == endStep))
            {
                var scores = validation.Evaluate(model, textEncoder, device, o.BatchSize);
                lastValidation = scores.FrameAuroc;
                lastFalseAlarms = scores.AbsentFalseAlarms;
                record["val_frame_auroc"] = lastValidation;
                record["val_false_alarms"] = lastFalseAlarms;
                if (best is null || lastValidation > best)
                {
                    best = lastValidation;
                    store.WriteFolder(Path.Combine(o.OutputDirectory, "best"), model, optimizer, new TrainerState(done, o.Seed, o.Stage, o.Steps, best));
                }
            }
            File.AppendAllText(logPath, record.ToJsonString() + "\n");
            var eta = TimeSpan.FromSeconds((o.Steps - done) * runWatch.Elapsed.TotalSeconds / Math.Max(1, done - startStep));
            var parts = string.Join(" ", components.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:F4}")));
            var validationText = lastValidation is { } auroc && record.ContainsKey("val_frame_auroc")
                ? string.Create(CultureInfo.InvariantCulture, $" val frame AUROC {auroc:F3} false alarms {lastFalseAlarms:F3}") : "";
            _progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"step {done}/{o.Steps} loss {total:F4} {parts} lr {lr:E2} {clipsPerSecond:F2} clips/s ETA {eta:hh\\:mm\\:ss}{validationText}"));

            if (done % o.CheckpointEvery == 0 || done == endStep)
            {
                lastCheckpoint = store.Save(model, optimizer, new TrainerState(done, o.Seed, o.Stage, o.Steps, best));
            }
        }
        model.Save(o.OutputDirectory);
        return new TrainingSummary(endStep, firstLoss, lastLoss, lastValidation, best, dropped, watch.Elapsed);
    }

    /// <summary>
    /// Readies the negatives that need the frozen sentence space: hard negatives (neighbours) in <paramref name="negatives"/>,
    /// and the miner of model-mined negatives (returned; null when off). Both are fixed for the run's vocabulary, so a
    /// resumed run draws what an uninterrupted one does.
    /// </summary>
    private MinedNegativeTexts? SentenceSpaceNegatives(FlamModel model, FlamConfig config, NegativeTextSampler? negatives, Device device)
    {
        var o = _options;
        bool hard = o.Batches.HardNegativeFraction > 0, mined = o.Batches.MinedNegativeFraction > 0;
        if (negatives is null || (!hard && !mined)) return null;
        var tower = model.TextBranch as MiniLmTextTower
            ?? throw new FlamException($"Hard and mined negatives need the frozen minilm text tower (--text-tower minilm); config '{config.Name}' has '{config.TextModelType}'.");
        using var scope = NewDisposeScope();
        // On the CPU, where the tower puts them and the neighbour search reads them; the miner scores on the model's device.
        var embeddings = cat(negatives.Texts.Chunk(256).Select(chunk => tower.EncodeTexts(chunk)).ToList(), 0);
        if (hard)
        {
            negatives.WithNeighbours(embeddings);
            _progress.WriteLine($"Hard negatives: {o.Batches.HardNegativeFraction:P0} of the negative texts are among the {NegativeTextSampler.DefaultNeighbours} nearest of the batch's texts ({negatives.Count} texts).");
        }
        if (!mined) return null;
        _progress.WriteLine($"Mined negatives: {o.Batches.MinedNegativeFraction:P0} of the negative texts are those the model scores highest on the batch's clips ({negatives.Count} texts).");
        return new MinedNegativeTexts(negatives.Texts, embeddings.to(device));
    }

    private (FlamLossResult Result, int Dropped) Forward(FlamModel model, ITrainingTextEncoder textEncoder, FlamLoss loss, PreparedClip[] clips, Device device,
        SedBatchOptions batches, NegativeTextSampler? negatives, MinedNegativeTexts? miner, ulong negativeKey)
    {
        var o = _options;
        int b = clips.Length;
        AudioFeatures audio;
        if (clips[0].LogMel is not null)
        {
            // Log-mel cache: the workers already ran the front end (cached or fresh), so only the encoder runs here.
            int size = clips[0].LogMel!.Length, mel = model.FrontEnd.Options.MelBins;
            var flat = new float[(long)b * size];
            for (int i = 0; i < b; i++) clips[i].LogMel!.CopyTo(flat, (long)i * size);
            audio = model.EncodeLogMel(tensor(flat, [b, size / mel, mel]).to(device));
        }
        else
        {
            int samples = clips[0].Waveform.Length;
            var flat = new float[(long)b * samples];
            for (int i = 0; i < b; i++) clips[i].Waveform.CopyTo(flat, (long)i * samples);
            audio = model.EncodeAudio(tensor(flat, [b, samples]).to(device));
        }

        var globalIndex = Enumerable.Range(0, b).Where(i => clips[i].Text is not null).ToArray();
        var mined = o.Stage == 2 && miner is not null ? Mine(model, miner, audio, clips, batches) : null;
        SedBatch? sed = o.Stage == 2 ? SedBatchBuilder.Build(clips.Select(c => c.Events).ToList(), b, batches, negatives, negativeKey, mined) : null;
        bool hasSed = sed is not null && sed.TextCount > 0;
        var texts = globalIndex.Select(i => clips[i].Text!).Concat(hasSed ? sed!.Texts.Take(sed.TextCount) : []).ToList();
        if (texts.Count == 0 || (globalIndex.Length < 2 && !hasSed))
        {
            throw new FlamException("A batch has no usable text: stage 1 needs clips with captions or tags (at least two per batch), stage 2 clips with events or captions.");
        }
        var text = textEncoder.Encode(model, texts);
        GlobalLossInputs? global = globalIndex.Length >= 2
            ? new GlobalLossInputs(audio.GlobalMeanOfLocal.index_select(0, tensor(globalIndex.Select(i => (long)i).ToArray()).to(device)),
                text.Features.narrow(0, 0, globalIndex.Length), model.LogitScaleAExp)
            : null;
        SedLossInputs? sedInputs = null;
        if (hasSed)
        {
            int g = globalIndex.Length, k = sed!.TextCount;
            // Only the real texts are encoded: padded slots are masked, so they add nothing to loss or gradient.
            sedInputs = new SedLossInputs(audio.Local, text.Features.narrow(0, g, k), text.LogitScale.narrow(0, g, k), model.AedLogitScaleExp,
                text.LogitBias.narrow(0, g, k), sed.Labels.narrow(1, 0, k).to(device), sed.AudioMask.to(device), sed.TextMask.narrow(0, 0, k).to(device));
        }
        var result = loss.Compute(global, sedInputs);
        return (result, sed?.DroppedClips.Count ?? 0);
    }

    /// <summary>The texts the model now confuses with the sounds of the clips that have events (their frames, no gradient).</summary>
    private static IReadOnlyList<string> Mine(FlamModel model, MinedNegativeTexts miner, AudioFeatures audio, PreparedClip[] clips, SedBatchOptions batches)
    {
        var withEvents = Enumerable.Range(0, clips.Length).Where(i => clips[i].Events is not null).Select(i => (long)i).ToArray();
        if (withEvents.Length == 0) return [];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var present = withEvents.SelectMany(i => clips[i].Events!).Select(e => SedBatchBuilder.NormalizeText(e.Text)).ToHashSet(StringComparer.Ordinal);
        var local = audio.Local.detach().index_select(0, tensor(withEvents).to(audio.Local.device));
        var heads = model.HeadsFromBranch(miner.SentenceEmbeddings);
        return miner.Mine(local, heads, model.AedLogitScaleExp, present, batches.NegativeTextsPerClip * withEvents.Length);
    }

    private static FlamModel LoadInto(Func<FlamConfig, FlamModel>? createModel, FlamConfig config, string checkpoint)
    {
        if (createModel is null) return FlamModel.Load(checkpoint, config);
        var model = createModel(config);
        var state = checkpoint.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? Model.Checkpoints.SafeTensors.Load(checkpoint)
            : Model.Checkpoints.PyTorchCheckpoint.Load(checkpoint);
        try
        {
            model.LoadStateDict(state, checkpoint);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        return model;
    }

    private static void Accumulate(Dictionary<string, double> components, string name, Tensor? value, int accumulation)
    {
        if (value is null) return;
        components[name] = components.GetValueOrDefault(name) + value.item<float>() / accumulation;
    }

    private static T WaitFor<T>(Task<T> task)
    {
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (AggregateException e) when (e.InnerException is FlamException f)
        {
            throw f;
        }
    }

    /// <summary>Keeps only the log lines of steps already covered by the checkpoint we resume from.</summary>
    private static void TruncateLog(string logPath, int keepThroughStep)
    {
        if (!File.Exists(logPath)) return;
        var kept = File.ReadLines(logPath).Where(line =>
        {
            try
            {
                return JsonNode.Parse(line)?["step"]?.GetValue<int>() <= keepThroughStep;
            }
            catch (JsonException)
            {
                return false;
            }
        }).ToList();
        AtomicFile.WriteAllText(logPath, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
    }
}
