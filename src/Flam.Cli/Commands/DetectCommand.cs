using System.CommandLine;
using Flam.Audio;
using Flam.Cli.Plots;
using Flam.Inference;
using Flam.IO;
using Flam.Model;
using Flam.Runtime;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam detect</c>: finds the sounds described by text queries in audio files of any length and reports the
/// events (JSON, CSV or DCASE TSV), optionally with frame probabilities and a picture per file.
/// </summary>
internal static class DetectCommand
{
    private sealed record Request(
        string[] Audio, string[] Queries, string? Checkpoint, string? Config, string? Tokenizer, DetectionOptions Options,
        DetectionFormat Format, string? Out, string? Plot, bool Frames, string Device, bool Force, InferencePrecision Precision);

    public static Command Create()
    {
        var audio = new Argument<string[]>("audio") { Description = "Audio files (WAV, FLAC, MP3, Ogg Vorbis; other formats through ffmpeg), any length.", Arity = ArgumentArity.OneOrMore };
        var query = new Option<string[]>("--query", "-q") { Description = "A sound described in words; repeat for several.", Required = true };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Model weights: OpenFLAM's .pth state dict, a Flam .safetensors, or a Flam model folder." };
        var config = new Option<string?>("--config") { Description = $"Model config: a preset ({string.Join(", ", FlamConfig.PresetNames)}) or a JSON file. Default: the config.json beside a Flam checkpoint, else v1-base." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Folder with the text model's vocab.json and merges.txt (roberta-base's). Default: the checkpoint's folder." };
        var threshold = new Option<double>("--threshold") { Description = "Frames whose calibrated probability is above this are events.", DefaultValueFactory = _ => DetectionOptions.Default.Threshold };
        var median = new Option<int>("--median") { Description = "Median filter length in frames (odd; 1 = off).", DefaultValueFactory = _ => DetectionOptions.Default.MedianFrames };
        var hop = new Option<double>("--hop") { Description = "Seconds between the starts of the model's windows (10 s for the released model; a multiple of its frame, 0.3125 s); overlaps are averaged.", DefaultValueFactory = _ => DetectionOptions.Default.HopSeconds };
        var batch = new Option<int>("--batch") { Description = "Windows encoded at once.", DefaultValueFactory = _ => DetectionOptions.Default.WindowBatchSize };
        var format = new Option<string>("--format") { Description = "Output format: json, csv, or tsv (DCASE: filename, onset, offset, event_label).", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv", "tsv");
        var output = new Option<string?>("--out", "-o") { Description = "Write the report to this file instead of standard output." };
        var plot = new Option<string?>("--plot") { Description = "Draw spectrogram and probabilities into this PNG (with several files: one PNG each, named PLOT_<file>.png)." };
        var frames = new Option<bool>("--frames") { Description = "Add the frame probabilities (JSON: per query; CSV/TSV: one row per frame instead of events)." };
        var device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite existing output files." };
        var precision = CliOptions.Precision();

        var command = new Command("detect", "Find the sounds you describe in words in audio files of any length: events with onset, offset and probability.")
        {
            audio, query, checkpoint, config, tokenizer, threshold, median, hop, batch, format, output, plot, frames, device, force, precision,
        };
        command.SetAction(parse =>
        {
            var options = DetectionOptions.Default with
            {
                Threshold = parse.GetValue(threshold),
                MedianFrames = parse.GetValue(median),
                HopSeconds = parse.GetValue(hop),
                WindowBatchSize = parse.GetValue(batch),
            };
            var request = new Request(parse.GetValue(audio)!, parse.GetValue(query)!, parse.GetValue(checkpoint), parse.GetValue(config),
                parse.GetValue(tokenizer), options, Enum.Parse<DetectionFormat>(parse.GetValue(format)!, ignoreCase: true),
                parse.GetValue(output), parse.GetValue(plot), parse.GetValue(frames), parse.GetValue(device)!, parse.GetValue(force),
                PrecisionChoice.Parse(parse.GetValue(precision)!));
            return Run(request, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int Run(Request request, TextWriter stdout, TextWriter stderr)
    {
        // Everything the user can get wrong is checked before the model is loaded and any audio decoded.
        request.Options.Validate();
        var plotPaths = PlotPaths(request);
        CheckOutputs(request, plotPaths);
        var decode = new AudioDecodeOptions(Warning: message => stderr.WriteLine("warning: " + message));
        var durations = request.Audio.Select(path => AudioFile.Probe(path).Duration).ToArray(); // warnings come once, while detecting

        var bundle = ModelBundle.Resolve(request.Checkpoint, request.Config, request.Tokenizer);
        using var model = bundle.LoadModel(TorchRuntime.Device(request.Device));
        model.AudioComputeType = PrecisionChoice.ForThisCpu(request.Precision).Type;
        var tokenizer = bundle.LoadTokenizer(model);
        using var scorer = new FlamFrameScorer(model, tokenizer, warning => stderr.WriteLine("warning: " + warning));
        scorer.PrepareQueries(request.Queries);
        var detector = new SoundEventDetector(scorer, request.Options.ForModel(model.Config.Audio));

        // Files whose length the header does not give count as one window for the progress bar.
        var weights = durations.Select(d => double.IsFinite(d) ? d : detector.Options.WindowSeconds).ToArray();
        var results = CliProgress.Run(stderr, "detecting", weights.Sum(), report =>
        {
            var list = new List<DetectionResult>(request.Audio.Length);
            var before = 0.0;
            for (var i = 0; i < request.Audio.Length; i++)
            {
                var name = $"{Path.GetFileName(request.Audio[i])} ({i + 1}/{request.Audio.Length})";
                var start = before;
                report(name, start);
                list.Add(detector.DetectFile(request.Audio[i], request.Queries, seconds => report(name, start + Math.Min(seconds, weights[i])), decode));
                before += weights[i];
            }
            return list;
        });

        for (var i = 0; i < results.Count && plotPaths.Count > 0; i++)
        {
            WritePlot(plotPaths[i], results[i], request, decode);
        }
        var text = DetectionReport.Format(request.Format, bundle.Name, results, request.Frames);
        if (request.Out is null)
        {
            stdout.Write(text);
        }
        else
        {
            AtomicFile.WriteAllText(request.Out, text, request.Force);
            var events = results.Sum(r => r.Queries.Sum(q => q.Events.Count));
            stdout.WriteLine($"{request.Out}: {events} events in {results.Count} file(s) for {request.Queries.Length} query(ies)");
        }
        foreach (var path in plotPaths)
        {
            stdout.WriteLine($"{path}: detection plot");
        }
        return 0;
    }

    /// <summary>One PNG per audio file: the given name for one file, NAME_&lt;file stem&gt;.png for several.</summary>
    private static List<string> PlotPaths(Request request)
    {
        if (request.Plot is null)
        {
            return [];
        }
        if (request.Audio.Length == 1)
        {
            return [request.Plot];
        }
        var stem = Path.Combine(Path.GetDirectoryName(request.Plot) ?? "", Path.GetFileNameWithoutExtension(request.Plot));
        var used = new HashSet<string>(StringComparer.Ordinal);
        var paths = new List<string>();
        foreach (var audio in request.Audio)
        {
            var name = $"{stem}_{Path.GetFileNameWithoutExtension(audio)}";
            var path = name + ".png";
            for (var n = 2; !used.Add(path); n++)
            {
                path = $"{name}_{n}.png";
            }
            paths.Add(path);
        }
        return paths;
    }

    private static void CheckOutputs(Request request, List<string> plotPaths)
    {
        var outputs = new List<string>(plotPaths);
        if (request.Out is not null)
        {
            outputs.Add(request.Out);
        }
        foreach (var path in outputs)
        {
            AtomicFile.CheckWritable(path, request.Force);
            if (request.Audio.Any(a => Path.GetFullPath(a) == Path.GetFullPath(path)))
            {
                throw new FlamException($"Output '{path}' is one of the input audio files.");
            }
        }
        if (outputs.Select(Path.GetFullPath).Distinct().Count() != outputs.Count)
        {
            throw new FlamException("--out and --plot name the same file.");
        }
    }

    private static void WritePlot(string path, DetectionResult result, Request request, AudioDecodeOptions decode)
    {
        // Detection already reported this file's decoder warnings.
        var samples = AudioFile.Load(result.Source, AudioFile.FlamSampleRate, decode with { Warning = null });
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var logMel = frontEnd.Transform(samples);
        var options = frontEnd.Options;
        DetectionPlot.SavePng(path, result, logMel.data<float>().ToArray(), (int)logMel.shape[0], options.MelBins,
            (double)options.HopLength / options.SampleRate, request.Options.Threshold, request.Force);
    }
}
