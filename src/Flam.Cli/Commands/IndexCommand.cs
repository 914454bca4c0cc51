using System.CommandLine;
using System.Globalization;
using Flam.Audio;
using Flam.Cluster;
using Flam.Index;
using Flam.Inference;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam index add</c> (encode audio files and folders once into an index folder, incrementally) and
/// <c>flam index info</c> (what an index holds). <c>flam search</c> then finds described sounds in it.
/// </summary>
internal static class IndexCommand
{
    public static Command Create()
    {
        var command = new Command("index", "Build and inspect an audio index: audio encoded once, then searched in milliseconds with 'flam search'.");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateInfo());
        return command;
    }

    private static Option<string> IndexOption() => new("--index") { Description = "The index folder.", Required = true };

    private static Command CreateAdd()
    {
        var paths = new Argument<string[]>("audio") { Description = "Audio files (any format 'flam detect' reads), any length, or folders (searched recursively for audio files).", Arity = ArgumentArity.OneOrMore };
        var index = new Option<string?>("--index") { Description = "The index folder." };
        var cluster = ClusterCommand.ConnectionOption(required: false);
        cluster.Description = "Instead of --index: submit the files to this cluster's workers (PostgreSQL connection string) and wait until every file is indexed.";
        var model = new ModelChoice();
        var storage = new Option<string>("--storage") { Description = "How frame embeddings are stored when the index is created: int8 (about 6 MB per hour), float16, or float32 (exact: equals 'flam detect').", DefaultValueFactory = _ => IndexOptions.Default.Storage.ToString().ToLowerInvariant() };
        storage.AcceptOnlyFromAmong("int8", "float16", "float32");
        var hop = new Option<double?>("--hop") { Description = "Seconds between window starts when the index is created (a multiple of the model's frame). Default: the model's window (10 s), half the size of detect's 5 s hop; search equals 'flam detect --hop' with the same value." };
        var batch = CliOptions.Opt("--batch", "Windows encoded at once.", IndexOptions.Default.WindowBatchSize);
        var command = new Command("add", "Add audio files and folders to an index (created if missing): new and changed files are encoded, deleted ones dropped, unchanged ones skipped.")
        {
            paths, index, cluster, storage, hop, batch,
        };
        model.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var options = IndexOptions.Default with
            {
                Storage = Enum.Parse<VectorStorage>(parse.GetValue(storage)!, ignoreCase: true),
                HopSeconds = parse.GetValue(hop),
                WindowBatchSize = parse.GetValue(batch),
            };
            var storageChosen = parse.GetResult(storage) is { Implicit: false };
            var (folder, connection) = (parse.GetValue(index), parse.GetValue(cluster));
            if ((folder is null) == (connection is null))
            {
                throw new FlamException("Give either --index DIR (index here) or --cluster CONN (index on a cluster's workers).");
            }
            if (connection is not null)
            {
                var job = new ShardModel(FullPathOrNull(parse.GetValue(model.Checkpoint)), ConfigPath(parse.GetValue(model.Config)),
                    FullPathOrNull(parse.GetValue(model.Tokenizer)), parse.GetValue(model.Precision)!, options.Storage.ToString().ToLowerInvariant(),
                    storageChosen, options.HopSeconds, options.WindowBatchSize);
                return await ClusterAdd.Run(parse.GetValue(paths)!, connection, job, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancel);
            }
            return Add(parse.GetValue(paths)!, folder!, options, storageChosen,
                parse.GetValue(model.Checkpoint), parse.GetValue(model.Config), parse.GetValue(model.Tokenizer), parse.GetValue(model.Device)!,
                parse.GetValue(model.Precision)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int Add(string[] paths, string folder, IndexOptions options, bool storageChosen, string? checkpoint, string? config, string? tokenizer,
        string device, string precision, TextWriter stdout, TextWriter stderr)
    {
        options.Validate();
        var inputs = AudioInputs.Expand(paths);
        if (inputs.SkippedSummary is { } skipped)
        {
            stderr.WriteLine(skipped);
        }
        // An existing index keeps its model: adding to it needs no model options.
        var recorded = IndexSettings.Read(folder);
        if (checkpoint is null && recorded is not null)
        {
            (checkpoint, config, tokenizer) = (recorded.Checkpoint, config ?? recorded.Config, tokenizer ?? recorded.Tokenizer);
        }
        using var loaded = ModelChoice.Load(checkpoint, config, tokenizer, device, precision);
        var run = IndexSettings.For(loaded.Bundle, loaded.Model, loaded.Precision, options, defaultModel: checkpoint is null);
        using var indexer = AudioIndexer.Open(folder, run, storageChosen, options.HopSeconds is not null, note => stderr.WriteLine("warning: " + note));
        var plan = indexer.Plan(inputs, paths);
        indexer.Apply(plan.Removed, plan.Touched);
        var decode = new AudioDecodeOptions(Warning: message => stderr.WriteLine("warning: " + message));
        var failures = plan.Failed.Select(f => (f.Input.Path, f.Reason)).ToList();
        foreach (var (path, reason) in failures)
        {
            stderr.WriteLine($"error: {path}: {reason}");
        }
        var encoder = new FrameEmbeddingEncoder(loaded.Model);
        var weights = plan.ToIndex.Select(f => Weight(f.FullPath, indexer.Settings.WindowSeconds)).ToArray();
        var indexed = 0;
        var seconds = 0.0;
        var starts = new double[weights.Length];
        for (var n = 1; n < weights.Length; n++) starts[n] = starts[n - 1] + weights[n - 1];
        string Name(int n) => $"{Path.GetFileName(plan.ToIndex[n].Input.Path)} ({n + 1}/{plan.ToIndex.Count})";
        CliProgress.Run(stderr, "indexing", weights.Sum(), report =>
        {
            indexer.AddAll(plan.ToIndex, encoder.Encode, IndexPipeline.ForThisMachine(options.WindowBatchSize), decode,
                added: (n, record) =>
                {
                    indexed++;
                    seconds += (double)record.Samples / indexer.Settings.SampleRate;
                    report(Name(n), starts[n] + weights[n]);
                },
                failed: (n, e) =>
                {
                    var path = plan.ToIndex[n].Input.Path;
                    failures.Add((path, e.Message));
                    stderr.WriteLine($"error: {path}: {e.Message}");
                },
                secondsDone: (n, done) => report(Name(n), starts[n] + Math.Min(done, weights[n])));
            return indexed;
        });
        indexer.UpdateClusters(stderr.WriteLine);
        var failed = failures.Count > 0 ? $", {failures.Count} failed" : "";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{folder}: indexed {indexed} file(s) ({seconds / 3600:0.###} h), {plan.Unchanged + plan.Touched.Count} unchanged, {plan.Removed.Count} removed{failed}"));
        return failures.Count == 0 ? 0 : FlamApp.SomeFilesFailed;
    }

    private static string? FullPathOrNull(string? path) => path is null ? null : Path.GetFullPath(path);

    /// <summary>A config file as an absolute path (workers run elsewhere); a preset name as it is.</summary>
    private static string? ConfigPath(string? config) => config is not null && File.Exists(config) ? Path.GetFullPath(config) : config;

    /// <summary>A file's length for the progress bar: its header's duration, or one window when the header does not tell.</summary>
    private static double Weight(string path, double window)
    {
        try
        {
            var duration = AudioFile.Probe(path).Duration;
            return double.IsFinite(duration) ? duration : window;
        }
        catch (FlamException)
        {
            return window; // reported when the file is indexed
        }
    }

    private static Command CreateInfo()
    {
        var index = IndexOption();
        var command = new Command("info", "What an index holds: files, hours, model, storage, size on disk and state.") { index };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(index)!;
            var summary = IndexSummary.Read(folder);
            var s = summary.Settings;
            var hours = summary.Seconds / 3600;
            var megabytes = summary.BytesOnDisk / 1e6;
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
                index:    {Path.GetFullPath(folder)}
                files:    {summary.Files}
                audio:    {hours:0.###} h ({summary.Windows} windows)
                model:    {s.ModelName} (id {s.ModelId}, {s.Precision})
                storage:  {s.Storage.ToString().ToLowerInvariant()}, d = {s.Dimension}, {s.FramesPerWindow} frames of {s.FrameSeconds:0.####} s per {s.WindowSeconds:0.###} s window, hop {s.HopSeconds:0.###} s
                size:     {megabytes:0.###} MB on disk{(hours > 0 ? $" ({megabytes / hours:0.##} MB per hour)" : "")}
                unused:   {summary.UnusedWindows} windows of removed or re-indexed files
                search:   {summary.FirstStage}
                state:    {summary.State}
                """));
            return 0;
        });
        return command;
    }
}
