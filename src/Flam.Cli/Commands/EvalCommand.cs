using System.CommandLine;
using System.Globalization;
using Flam.Cli.Reports;
using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;
using Flam.Inference;
using Flam.Inference.Evaluation;
using Flam.IO;
using Flam.Model;
using Flam.Runtime;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam eval sed</c>: runs the detector over a manifest with timed events and evaluates it — PSDS1/2, MPAUC,
/// segment AUROC, F-scores, open-vocabulary frame AUROC, Spearman alignment and F1 against threshold — into a
/// report folder that also holds the score files, so <c>flam score</c> can re-evaluate them with other settings.
/// </summary>
internal static partial class EvalCommand
{
    public static Command Create()
    {
        var command = new Command("eval", "Evaluate a model on a test manifest (report folder with JSON, Markdown and plots).");
        command.Subcommands.Add(CreateSed());
        command.Subcommands.Add(CreateRetrieval());
        command.Subcommands.Add(CreateZeroShot());
        command.Subcommands.Add(CreateParaphrase());
        return command;
    }

    /// <summary>The options of the evaluations that run the frame-wise detector (<c>sed</c>, <c>paraphrase</c>).</summary>
    private sealed record DetectorOptions(
        Option<string> Output, Option<string?> Checkpoint, Option<string?> Config, Option<string?> Tokenizer, Option<int> Median, Option<double> Hop,
        Option<int> Batch, Option<string> Device, Option<bool> Force, Option<string> Precision)
    {
        public static DetectorOptions Create(string outputDescription) => new(
            new Option<string>("--out", "-o") { Description = outputDescription, Required = true },
            new Option<string?>("--checkpoint") { Description = "Model weights: OpenFLAM's .pth state dict, a Flam .safetensors, or a Flam model folder." },
            new Option<string?>("--config") { Description = $"Model config: a preset ({string.Join(", ", FlamConfig.PresetNames)}) or a JSON file." },
            new Option<string?>("--tokenizer") { Description = "Folder with vocab.json and merges.txt. Default: the checkpoint's folder." },
            new Option<int>("--median") { Description = "Median filter length in frames applied before scoring (the paper: 3).", DefaultValueFactory = _ => DetectionOptions.Default.MedianFrames },
            new Option<double>("--hop") { Description = "Seconds between window starts for clips longer than the model window.", DefaultValueFactory = _ => DetectionOptions.Default.HopSeconds },
            new Option<int>("--batch") { Description = "Windows encoded at once.", DefaultValueFactory = _ => DetectionOptions.Default.WindowBatchSize },
            new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" },
            new Option<bool>("--force", "-f") { Description = "Overwrite existing report files." },
            CliOptions.Precision());

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Output, Checkpoint, Config, Tokenizer, Median, Hop, Batch, Device, Force, Precision }) command.Options.Add(option);
        }

        /// <summary>The detection options given on the command line (validated).</summary>
        public DetectionOptions Detection(ParseResult parse, double threshold)
        {
            var options = DetectionOptions.Default with
            {
                Threshold = threshold,
                MedianFrames = parse.GetValue(Median),
                HopSeconds = parse.GetValue(Hop),
                WindowBatchSize = parse.GetValue(Batch),
            };
            options.Validate();
            return options;
        }
    }

    private static Command CreateSed()
    {
        var manifest = new Option<string>("--manifest") { Description = "Test manifest (JSONL, the training format) whose clips have timed events.", Required = true };
        var o = DetectorOptions.Create("Report folder (created): report.json, report.md, plots, scores/, ground_truth.tsv, durations.tsv.");
        var absent = new Option<string[]>("--absent-query")
        {
            Description = "Extra query that names no sound in the set (nonsense, another language); repeatable. Its false-alarm rate is reported, nothing else.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("sed", "Run the detector over a manifest with events; PSDS1/2, MPAUC, AUROC, open-vocabulary AUROC, Spearman, F1 vs threshold, calibration, false alarms of absent texts.")
        {
            manifest, absent,
        };
        o.AddTo(command);
        command.SetAction(parse => RunSed(parse, o, parse.GetValue(manifest)!, parse.GetValue(absent) ?? []));
        return command;
    }

    /// <summary>
    /// Loads the model and runs the detector over the manifest clips that have queries (<paramref name="queriesOf"/> by
    /// manifest index; clips without queries are skipped): median-filtered frame outputs per query, with the clip's events.
    /// </summary>
    private static (string Model, List<ClipFrameOutputs> Clips) DetectClips(ParseResult parse, DetectorOptions o, DetectionOptions options,
        ManifestFile file, IReadOnlyList<string> allQueries, Func<int, IReadOnlyList<string>> queriesOf)
    {
        var stderr = parse.InvocationConfiguration.Error;
        var precision = PrecisionChoice.Parse(parse.GetValue(o.Precision)!);
        var bundle = ModelBundle.Resolve(parse.GetValue(o.Checkpoint), parse.GetValue(o.Config), parse.GetValue(o.Tokenizer));
        using var model = bundle.LoadModel(TorchRuntime.Device(parse.GetValue(o.Device)!));
        model.AudioComputeType = PrecisionChoice.ForThisCpu(precision).Type;
        var tokenizer = bundle.LoadTokenizer(model);
        using var scorer = new FlamFrameScorer(model, tokenizer, warning => stderr.WriteLine("warning: " + warning));
        scorer.PrepareQueries(allQueries);
        var detector = new SoundEventDetector(scorer, options.ForModel(model.Config.Audio));

        var used = ManifestDetection.ClipsWithQueries(file, queriesOf);
        var clips = CliProgress.Run(stderr, "evaluating", used.Sum(i => file.Entries[i].Duration), report =>
            ManifestDetection.Detect(detector, file, used, queriesOf, report));
        return (bundle.Name, clips);
    }

    private static int RunSed(ParseResult parse, DetectorOptions o, string manifestPath, IReadOnlyList<string> absentQueries)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var outDir = parse.GetValue(o.Output)!;
        var force = parse.GetValue(o.Force);
        // Everything the user can get wrong is checked before the model is loaded.
        var options = o.Detection(parse, DetectionOptions.Default.Threshold);
        var file = Manifest.Read(manifestPath);
        var classes = ManifestSedEvaluation.Classes(file.Entries);
        if (classes.Length == 0)
        {
            throw new FlamException($"{manifestPath}: no clip has timed events; `flam eval sed` needs a manifest with events.");
        }
        using var outputLock = OutputLock.Acquire(outDir, "flam eval sed");
        SedReport.CheckWritable(outDir, force, calibration: true);
        foreach (var name in new[] { "ground_truth.tsv", "durations.tsv" })
        {
            AtomicFile.CheckWritable(Path.Combine(outDir, name), force);
        }

        var extra = absentQueries.Distinct(StringComparer.Ordinal).Where(q => !classes.Contains(q, StringComparer.Ordinal)).ToArray();
        IReadOnlyList<string> queries = [.. classes, .. extra];
        var (modelName, clips) = DetectClips(parse, o, options, file, queries, _ => queries);
        var (set, scores, groundTruth, durations, tracks) = ManifestSedEvaluation.Build(clips, classes, manifestPath);
        var entriesOut = StandardSedMetrics.Compute(set, StandardSedMetricsOptions.Default);
        var openVocabulary = OpenVocabularyMetrics.Auroc(tracks);
        var spearman = OpenVocabularyMetrics.Spearman(tracks);
        double[] thresholds = [.. Enumerable.Range(1, 19).Select(i => i / 20.0)];
        var curve = OpenVocabularyMetrics.ThresholdCurve(tracks, thresholds);
        var calibration = CalibrationMetrics.Compute(tracks, options.Threshold);
        var absentClasses = AbsentTextFalseAlarms.Compute(clips, classes, options.Threshold);
        var absentExtra = extra.Length == 0 ? null : AbsentTextFalseAlarms.Compute(clips, extra, options.Threshold);

        SedTsv.WriteScores(Path.Combine(outDir, "scores"), scores, force);
        SedTsv.WriteGroundTruth(Path.Combine(outDir, "ground_truth.tsv"), groundTruth, force);
        SedTsv.WriteDurations(Path.Combine(outDir, "durations.tsv"), durations, force);
        new SedReport($"SED evaluation of {modelName}", new Dictionary<string, string>
        {
            ["manifest"] = manifestPath,
            ["model"] = modelName,
            ["clips"] = clips.Count.ToString(CultureInfo.InvariantCulture),
            ["classes (distinct event texts)"] = classes.Length.ToString(CultureInfo.InvariantCulture),
            ["median filter (frames)"] = options.MedianFrames.ToString(CultureInfo.InvariantCulture),
        }, entriesOut, (PsdsResult)entriesOut[0].Result, curve, "frame-level P/R/F1 vs threshold (texts present in each clip)",
            new Dictionary<string, double>
            {
                ["open_vocabulary_auroc"] = openVocabulary.Pooled,
                ["open_vocabulary_auroc_clip_mean"] = openVocabulary.ClipMean,
                ["spearman_alignment"] = spearman.Mean,
                ["calibration_mean_precision"] = calibration.MeanPrecision,
                ["calibration_pooled_precision"] = calibration.PooledPrecision,
                ["expected_calibration_error"] = calibration.ExpectedCalibrationError,
                ["absent_text_false_alarm_frames"] = absentClasses.FrameRate,
                ["absent_text_false_alarm_pairs"] = absentClasses.PairRate,
                ["absent_query_false_alarm_frames"] = absentExtra?.FrameRate ?? double.NaN,
                ["absent_query_false_alarm_pairs"] = absentExtra?.PairRate ?? double.NaN,
            }, calibration).Write(outDir, force);
        stdout.WriteLine($"{clips.Count} clips, {classes.Length} event texts");
        foreach (var e in entriesOut)
        {
            stdout.WriteLine($"{e.Key,-32} {e.Value.ToString("F4", CultureInfo.InvariantCulture)}");
        }
        stdout.WriteLine($"{"open_vocabulary_auroc",-32} {openVocabulary.Pooled.ToString("F4", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"{"spearman_alignment",-32} {spearman.Mean.ToString("F4", CultureInfo.InvariantCulture)} ({spearman.TracksUsed} tracks, {spearman.TracksSkipped} without ρ)");
        stdout.WriteLine($"{"calibration (precision p > " + calibration.Threshold.ToString(CultureInfo.InvariantCulture) + ")",-32} "
            + $"{calibration.MeanPrecision.ToString("F4", CultureInfo.InvariantCulture)} mean over {calibration.QueriesFiring}/{calibration.QueriesTotal} queries that fire, "
            + $"pooled {calibration.PooledPrecision.ToString("F4", CultureInfo.InvariantCulture)}, ECE {calibration.ExpectedCalibrationError.ToString("F4", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"{"false alarms, absent set texts",-32} {absentClasses.FrameRate.ToString("F4", CultureInfo.InvariantCulture)} of frames > {options.Threshold.ToString(CultureInfo.InvariantCulture)}, "
            + $"{absentClasses.PairRate.ToString("F4", CultureInfo.InvariantCulture)} of {absentClasses.Pairs} clip-text pairs fire");
        if (absentExtra is not null)
        {
            stdout.WriteLine($"{"false alarms, --absent-query",-32} {absentExtra.FrameRate.ToString("F4", CultureInfo.InvariantCulture)} of frames, "
                + $"{absentExtra.PairRate.ToString("F4", CultureInfo.InvariantCulture)} of {absentExtra.Pairs} clip-query pairs fire");
        }
        stdout.WriteLine($"wrote report to {outDir}");
        return 0;
    }
}
