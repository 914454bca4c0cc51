using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Flam.Audio;
using Flam.Cli.Reports;
using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;
using Flam.Inference;
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
        return command;
    }

    private static Command CreateSed()
    {
        var manifest = new Option<string>("--manifest") { Description = "Test manifest (JSONL, the training format) whose clips have timed events.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Report folder (created): report.json, report.md, plots, scores/, ground_truth.tsv, durations.tsv.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Model weights: OpenFLAM's .pth state dict, a Flam .safetensors, or a Flam model folder." };
        var config = new Option<string?>("--config") { Description = "Model config: a preset name (v1-base) or a JSON file." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Folder with vocab.json and merges.txt. Default: the checkpoint's folder." };
        var median = new Option<int>("--median") { Description = "Median filter length in frames applied before scoring (the paper: 3).", DefaultValueFactory = _ => DetectionOptions.Default.MedianFrames };
        var hop = new Option<double>("--hop") { Description = "Seconds between window starts for clips longer than the model window.", DefaultValueFactory = _ => DetectionOptions.Default.HopSeconds };
        var batch = new Option<int>("--batch") { Description = "Windows encoded at once.", DefaultValueFactory = _ => DetectionOptions.Default.WindowBatchSize };
        var device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite existing report files." };
        var command = new Command("sed", "Run the detector over a manifest with events; PSDS1/2, MPAUC, AUROC, open-vocabulary AUROC, Spearman, F1 vs threshold.")
        {
            manifest, output, checkpoint, config, tokenizer, median, hop, batch, device, force,
        };
        command.SetAction(parse =>
        {
            var options = DetectionOptions.Default with
            {
                MedianFrames = parse.GetValue(median),
                HopSeconds = parse.GetValue(hop),
                WindowBatchSize = parse.GetValue(batch),
            };
            return RunSed(parse.GetValue(manifest)!, parse.GetValue(output)!, parse.GetValue(checkpoint), parse.GetValue(config),
                parse.GetValue(tokenizer), options, parse.GetValue(device)!, parse.GetValue(force),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int RunSed(string manifestPath, string outDir, string? checkpoint, string? config, string? tokenizerPath,
        DetectionOptions options, string device, bool force, TextWriter stdout, TextWriter stderr)
    {
        // Everything the user can get wrong is checked before the model is loaded.
        options.Validate();
        var file = Manifest.Read(manifestPath);
        var classes = ManifestSedEvaluation.Classes(file.Entries);
        if (classes.Length == 0)
        {
            throw new FlamException($"{manifestPath}: no clip has timed events; `flam eval sed` needs a manifest with events.");
        }
        SedReport.CheckWritable(outDir, force);
        foreach (var name in new[] { "ground_truth.tsv", "durations.tsv" })
        {
            AtomicFile.CheckWritable(Path.Combine(outDir, name), force);
        }

        var bundle = ModelBundle.Resolve(checkpoint, config, tokenizerPath);
        using var model = bundle.LoadModel(TorchRuntime.Device(device));
        var tokenizer = bundle.LoadTokenizer(model);
        using var scorer = new FlamFrameScorer(model, tokenizer, warning => stderr.WriteLine("warning: " + warning));
        scorer.PrepareQueries(classes);
        var detector = new SoundEventDetector(scorer, options);

        var entries = file.Entries;
        var clips = CliProgress.Run(stderr, "evaluating", entries.Sum(e => e.Duration), report =>
        {
            var list = new List<ClipFrameOutputs>(entries.Count);
            var done = 0.0;
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                var start = done;
                var name = $"{Path.GetFileName(entry.Audio)} ({i + 1}/{entries.Count})";
                report(name, start);
                var result = detector.DetectFile(file.AudioPath(entry), classes, seconds => report(name, start + Math.Min(seconds, entry.Duration)));
                list.Add(new ClipFrameOutputs(ClipId(i, entry.Audio), entry.Duration, result.FrameSeconds, entry.Events ?? [],
                    result.Queries.ToDictionary(q => q.Query, q => q.Smoothed, StringComparer.Ordinal)));
                done += entry.Duration;
            }
            return list;
        });

        var (set, scores, groundTruth, durations, tracks) = ManifestSedEvaluation.Build(clips, classes, manifestPath);
        var entriesOut = StandardSedMetrics.Compute(set, StandardSedMetricsOptions.Default);
        var openVocabulary = OpenVocabularyMetrics.Auroc(tracks);
        var spearman = OpenVocabularyMetrics.Spearman(tracks);
        double[] thresholds = [.. Enumerable.Range(1, 19).Select(i => i / 20.0)];
        var curve = OpenVocabularyMetrics.ThresholdCurve(tracks, thresholds);

        SedTsv.WriteScores(Path.Combine(outDir, "scores"), scores, force);
        SedTsv.WriteGroundTruth(Path.Combine(outDir, "ground_truth.tsv"), groundTruth, force);
        SedTsv.WriteDurations(Path.Combine(outDir, "durations.tsv"), durations, force);
        new SedReport($"SED evaluation of {bundle.Name}", new Dictionary<string, string>
        {
            ["manifest"] = manifestPath,
            ["model"] = bundle.Name,
            ["clips"] = clips.Count.ToString(CultureInfo.InvariantCulture),
            ["classes (distinct event texts)"] = classes.Length.ToString(CultureInfo.InvariantCulture),
            ["median filter (frames)"] = options.MedianFrames.ToString(CultureInfo.InvariantCulture),
        }, entriesOut, (PsdsResult)entriesOut[0].Result, curve, "frame-level P/R/F1 vs threshold (texts present in each clip)",
            new Dictionary<string, double>
            {
                ["open_vocabulary_auroc"] = openVocabulary.Pooled,
                ["open_vocabulary_auroc_clip_mean"] = openVocabulary.ClipMean,
                ["spearman_alignment"] = spearman.Mean,
            }).Write(outDir, force);
        stdout.WriteLine($"{clips.Count} clips, {classes.Length} event texts");
        foreach (var e in entriesOut)
        {
            stdout.WriteLine($"{e.Key,-32} {e.Value.ToString("F4", CultureInfo.InvariantCulture)}");
        }
        stdout.WriteLine($"{"open_vocabulary_auroc",-32} {openVocabulary.Pooled.ToString("F4", CultureInfo.InvariantCulture)}");
        stdout.WriteLine($"{"spearman_alignment",-32} {spearman.Mean.ToString("F4", CultureInfo.InvariantCulture)} ({spearman.TracksUsed} tracks, {spearman.TracksSkipped} without ρ)");
        stdout.WriteLine($"wrote report to {outDir}");
        return 0;
    }

    // Unique and file-name safe: the manifest line index plus the audio file's stem.
    private static string ClipId(int index, string audio) =>
        $"{index:D6}_{UnsafeCharacters().Replace(Path.GetFileNameWithoutExtension(audio), "_")}";

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeCharacters();
}
