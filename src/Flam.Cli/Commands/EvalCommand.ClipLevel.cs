using System.CommandLine;
using System.Globalization;
using Flam.Cli.Reports;
using Flam.Evaluation;
using Flam.Inference;
using Flam.Inference.Evaluation;
using Flam.IO;
using Flam.Model;
using Flam.Runtime;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam eval retrieval</c> and <c>flam eval zeroshot</c>: clip-level evaluations from FLAM's global audio and text
/// features (<see cref="ClipTextSimilarity"/>); similarities are cosine similarities of the normalised features.
/// </summary>
internal static partial class EvalCommand
{
    /// <summary>The options every clip-level evaluation shares.</summary>
    private sealed record ModelOptions(
        Option<string> Output, Option<string?> Checkpoint, Option<string?> Config, Option<string?> Tokenizer, Option<int> Batch, Option<string> Device, Option<bool> Force)
    {
        public static ModelOptions Create() => new(
            new Option<string>("--out", "-o") { Description = "Report folder (created): report.json and report.md.", Required = true },
            new Option<string?>("--checkpoint") { Description = "Model weights: OpenFLAM's .pth state dict, a Flam .safetensors, or a Flam model folder." },
            new Option<string?>("--config") { Description = $"Model config: a preset ({string.Join(", ", FlamConfig.PresetNames)}) or a JSON file." },
            new Option<string?>("--tokenizer") { Description = "Folder with vocab.json and merges.txt. Default: the checkpoint's folder." },
            new Option<int>("--batch") { Description = "10 s windows encoded at once.", DefaultValueFactory = _ => 4 },
            new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" },
            new Option<bool>("--force", "-f") { Description = "Overwrite existing report files." });

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { Output, Checkpoint, Config, Tokenizer, Batch, Device, Force }) command.Options.Add(option);
        }

        public void CheckBatch(ParseResult parse)
        {
            if (parse.GetValue(Batch) < 1) throw new FlamException("--batch must be at least 1.");
        }
    }

    /// <summary>Loads the model and returns the cosine similarities clips x texts (row-major, float64) of global audio and text features.</summary>
    private static (string Model, double[] AudioByText) Similarities(ParseResult parse, ModelOptions o, ManifestFile file, IReadOnlyList<ManifestEntry> clips,
        IReadOnlyList<string> texts, TextWriter stderr)
    {
        var bundle = ModelBundle.Resolve(parse.GetValue(o.Checkpoint), parse.GetValue(o.Config), parse.GetValue(o.Tokenizer));
        using var model = bundle.LoadModel(TorchRuntime.Device(parse.GetValue(o.Device)!));
        var extractor = new EmbeddingExtractor(model, bundle.LoadTokenizer(model), parse.GetValue(o.Batch), warning => stderr.WriteLine("warning: " + warning));
        var paths = clips.Select(file.AudioPath).ToList();
        var similarity = CliProgress.Run(stderr, "encoding audio", paths.Count, report =>
            ClipTextSimilarity.Compute(extractor, paths, texts, done => report($"{done}/{paths.Count}", done)));
        return (bundle.Name, similarity);
    }

    private static Command CreateRetrieval()
    {
        var manifest = new Option<string>("--manifest") { Description = "Manifest (JSONL) whose clips have captions.", Required = true };
        var o = ModelOptions.Create();
        var command = new Command("retrieval", "Text→audio and audio→text retrieval over a manifest's clips and captions: R@1/5/10, mAP@10, mean/median rank.") { manifest };
        o.AddTo(command);
        command.SetAction(parse =>
        {
            o.CheckBatch(parse);
            var manifestPath = parse.GetValue(manifest)!;
            var outDir = parse.GetValue(o.Output)!;
            var stdout = parse.InvocationConfiguration.Output;
            var file = Manifest.Read(manifestPath);
            var clips = file.Entries.Where(e => e.Captions.Count > 0).ToList();
            if (clips.Count == 0) throw new FlamException($"{manifestPath}: no clip has captions; `flam eval retrieval` needs captioned clips.");
            using var outputLock = OutputLock.Acquire(outDir, "flam eval " + command.Name);
            MetricTableReport.CheckWritable(outDir, parse.GetValue(o.Force));
            var texts = clips.SelectMany(c => c.Captions).ToList();
            int[] audioOfText = [.. clips.SelectMany((c, i) => c.Captions.Select(_ => i))];

            var (model, similarity) = Similarities(parse, o, file, clips, texts, parse.InvocationConfiguration.Error);
            var (t2a, a2t) = RetrievalMetrics.Bidirectional(similarity, clips.Count, audioOfText);
            var groups = new Dictionary<string, IReadOnlyDictionary<string, double>>
            {
                ["text_to_audio"] = Retrieval(t2a),
                ["audio_to_text"] = Retrieval(a2t),
            };
            new MetricTableReport($"Retrieval evaluation of {model}", new Dictionary<string, string>
            {
                ["manifest"] = manifestPath,
                ["model"] = model,
                ["clips"] = clips.Count.ToString(CultureInfo.InvariantCulture),
                ["captions (text→audio queries)"] = texts.Count.ToString(CultureInfo.InvariantCulture),
                ["clips skipped (no caption)"] = (file.Entries.Count - clips.Count).ToString(CultureInfo.InvariantCulture),
            }, groups).Write(outDir, parse.GetValue(o.Force));
            stdout.WriteLine($"{clips.Count} clips, {texts.Count} captions ({file.Entries.Count - clips.Count} clips without captions skipped)");
            foreach (var (group, values) in groups)
            {
                stdout.WriteLine($"{group,-14} " + string.Join("  ", values.Select(kv => $"{kv.Key} {kv.Value.ToString("F4", CultureInfo.InvariantCulture)}")));
            }
            stdout.WriteLine($"wrote report to {outDir}");
            return 0;
        });
        return command;
    }

    private static Dictionary<string, double> Retrieval(RetrievalResult r) => new()
    {
        ["R@1"] = r.RecallAt1,
        ["R@5"] = r.RecallAt5,
        ["R@10"] = r.RecallAt10,
        ["mAP@10"] = r.MeanAveragePrecisionAt10,
        ["mean_rank"] = r.MeanRank,
        ["median_rank"] = r.MedianRank,
    };

    private static Command CreateZeroShot()
    {
        var manifest = new Option<string>("--manifest") { Description = "Manifest (JSONL) whose clips have tags; a clip's class is its first tag that names a class.", Required = true };
        var classesOption = new Option<string?>("--classes") { Description = "Text file with one class name per line (blank lines ignored). Default: the distinct first tags of the manifest's clips." };
        var template = new Option<string>("--template") { Description = "Prompt for each class; {0} is replaced by the class name (e.g. \"the sound of {0}\").", DefaultValueFactory = _ => "{0}" };
        var ways = new Option<int[]>("--ways")
        {
            Description = "Also report the mean top-1 of N-way episodes (1000 draws of N classes, clips classified among them; repeatable), " +
                "comparable with benchmarks of N classes.",
            AllowMultipleArgumentsPerToken = true,
        };
        var o = ModelOptions.Create();
        var command = new Command("zeroshot", "Zero-shot classification of a manifest's clips with class names as text queries: top-1/top-5 and per-class accuracy.")
        {
            manifest, classesOption, template, ways,
        };
        o.AddTo(command);
        command.SetAction(parse =>
        {
            o.CheckBatch(parse);
            var manifestPath = parse.GetValue(manifest)!;
            var classesPath = parse.GetValue(classesOption);
            var prompt = parse.GetValue(template)!;
            var outDir = parse.GetValue(o.Output)!;
            var stdout = parse.InvocationConfiguration.Output;
            if (!prompt.Contains("{0}", StringComparison.Ordinal)) throw new FlamException($"--template '{prompt}' has no {{0}} for the class name.");
            int[] episodeWays = parse.GetValue(ways) ?? [];
            foreach (var w in episodeWays)
            {
                if (w < 2) throw new FlamException($"--ways {w}: an episode needs at least 2 classes.");
            }
            var file = Manifest.Read(manifestPath);
            var classes = classesPath is null ? ZeroShotClassifier.ClassesFromTags(file.Entries) : ReadClasses(classesPath);
            if (classes.Length == 0) throw new FlamException($"{manifestPath}: no clip has a tag, so there are no classes; pass --classes FILE.");
            var labelled = ZeroShotClassifier.Label(file.Entries, classes);
            if (labelled.Count == 0) throw new FlamException($"{manifestPath}: no clip has a tag naming a class of '{classesPath}'.");
            using var outputLock = OutputLock.Acquire(outDir, "flam eval " + command.Name);
            MetricTableReport.CheckWritable(outDir, parse.GetValue(o.Force));
            var skipped = file.Entries.Count - labelled.Count;

            var (model, logits) = Similarities(parse, o, file, [.. labelled.Select(p => p.Entry)], ZeroShotClassifier.Prompts(classes, prompt),
                parse.InvocationConfiguration.Error);
            int[] truth = [.. labelled.Select(p => p.Class)];
            var accuracy = ZeroShotMetrics.TopKAccuracy(logits, classes.Length, truth, 1, 5);
            var perClass = ZeroShotClassifier.PerClassTop1(logits, classes, truth);
            var zeroShot = new Dictionary<string, double> { ["top1"] = accuracy[0], ["top5"] = accuracy[1] };
            bool episodic = truth.Distinct().Count() >= 2;
            foreach (var w in episodic ? episodeWays.Distinct() : [])
            {
                zeroShot[$"top1_{w}way"] = ZeroShotMetrics.EpisodeTop1(logits, classes.Length, truth, w);
            }
            var groups = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["zero_shot"] = zeroShot };
            new MetricTableReport($"Zero-shot classification with {model}", new Dictionary<string, string>
            {
                ["manifest"] = manifestPath,
                ["classes file"] = classesPath ?? "(the manifest's first tags)",
                ["model"] = model,
                ["prompt template"] = prompt,
                ["classes"] = classes.Length.ToString(CultureInfo.InvariantCulture),
                ["clips evaluated"] = labelled.Count.ToString(CultureInfo.InvariantCulture),
                ["clips skipped (no tag names a class)"] = skipped.ToString(CultureInfo.InvariantCulture),
            }, groups, perClass).Write(outDir, parse.GetValue(o.Force));
            stdout.WriteLine($"{labelled.Count} clips, {classes.Length} classes ({skipped} clips without a matching tag skipped)");
            stdout.WriteLine($"top1 {accuracy[0].ToString("F4", CultureInfo.InvariantCulture)}  top5 {accuracy[1].ToString("F4", CultureInfo.InvariantCulture)}" +
                string.Concat(zeroShot.Where(kv => kv.Key.EndsWith("way", StringComparison.Ordinal))
                    .Select(kv => string.Create(CultureInfo.InvariantCulture, $"  {kv.Key} {kv.Value:F4}"))));
            stdout.WriteLine($"wrote report to {outDir}");
            return 0;
        });
        return command;
    }

    /// <summary>One class name per line, trimmed; blank lines ignored; names must be distinct ignoring case.</summary>
    private static string[] ReadClasses(string path)
    {
        if (!File.Exists(path)) throw new FlamException($"Classes file '{path}' does not exist.");
        string[] classes = [.. File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0)];
        if (classes.Length == 0) throw new FlamException($"Classes file '{path}' holds no class names.");
        var duplicate = classes.GroupBy(c => c, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new FlamException($"Classes file '{path}' names '{duplicate.Key}' more than once.");
        return classes;
    }
}
