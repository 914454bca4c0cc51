using System.CommandLine;
using Flam.Audio;
using Flam.Cli.Plots;
using Flam.Inference;
using Flam.IO;
using Flam.Model;
using Flam.Runtime;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam detect</c>: finds the sounds described by text queries in audio files and folders of any length and
/// reports the events (JSON, CSV, DCASE TSV, Audacity labels or Raven selections), in one report or one file per
/// input, optionally with frame probabilities and a picture per file.
/// </summary>
internal static class DetectCommand
{
    private sealed record Request(
        string[] Audio, string[] Queries, string? Checkpoint, string? Config, string? Tokenizer, DetectionOptions Options,
        DetectionFormat Format, string? Out, string? OutDir, string? Plot, bool Frames, string Device, bool Force,
        bool SkipExisting, bool KeepGoing, string Precision, bool BatchChosen = false)
    {
        /// <summary>Throws a <see cref="FlamException"/> naming the first combination of output options that cannot work.</summary>
        public void Validate()
        {
            if (Out is not null && OutDir is not null)
            {
                throw new FlamException("--out and --out-dir exclude each other: one report for all files, or one per file.");
            }
            if (SkipExisting && OutDir is null)
            {
                throw new FlamException("--skip-existing needs --out-dir: it skips the files whose report is already there.");
            }
            if (SkipExisting && Force)
            {
                throw new FlamException("--skip-existing and --force exclude each other: keep existing reports, or overwrite them.");
            }
            if (Frames && Format is DetectionFormat.Audacity or DetectionFormat.Raven)
            {
                throw new FlamException($"--frames is not available with --format {Format.ToString().ToLowerInvariant()}, which lists events only.");
            }
        }
    }

    /// <summary>The file name ending of a per-file report: appended to the audio file's name, so a.wav and a.mp3 do not collide.</summary>
    private static string ReportSuffix(DetectionFormat format) => format switch
    {
        DetectionFormat.Audacity => ".labels.txt",
        DetectionFormat.Raven => ".selections.txt",
        _ => "." + format.ToString().ToLowerInvariant(),
    };

    public static Command Create()
    {
        var audio = new Argument<string[]>("audio") { Description = "Audio files (WAV, FLAC, MP3, Ogg Vorbis; other formats through ffmpeg), any length, or folders (searched recursively for audio files).", Arity = ArgumentArity.OneOrMore };
        var query = new Option<string[]>("--query", "-q") { Description = "A sound described in words; repeat for several.", Required = true };
        var model = new ModelChoice();
        var (checkpoint, config, tokenizer) = (model.Checkpoint, model.Config, model.Tokenizer);
        var threshold = new Option<double>("--threshold") { Description = "Frames whose calibrated probability is above this are events.", DefaultValueFactory = _ => DetectionOptions.Default.Threshold };
        var median = new Option<int>("--median") { Description = "Median filter length in frames (odd; 1 = off).", DefaultValueFactory = _ => DetectionOptions.Default.MedianFrames };
        var hop = new Option<double>("--hop") { Description = "Seconds between the starts of the model's windows (10 s for the released model; a multiple of its frame, 0.3125 s); overlaps are averaged.", DefaultValueFactory = _ => DetectionOptions.Default.HopSeconds };
        var batch = new Option<int>("--batch") { Description = "Windows encoded at once.", DefaultValueFactory = _ => DetectionOptions.Default.WindowBatchSize };
        var format = new Option<string>("--format") { Description = "Output format: json, csv, tsv (DCASE: filename, onset, offset, event_label), audacity (label track) or raven (selection table); audacity and raven describe one file, so several files need --out-dir.", DefaultValueFactory = _ => "json" };
        format.AcceptOnlyFromAmong("json", "csv", "tsv", "audacity", "raven");
        var output = new Option<string?>("--out", "-o") { Description = "Write the report to this file instead of standard output." };
        var outDir = new Option<string?>("--out-dir") { Description = "Write one report per audio file into this folder (created if missing), as DIR/<file's path below its folder><.json|.csv|.tsv|.labels.txt|.selections.txt>, each as soon as its file is done." };
        var skipExisting = new Option<bool>("--skip-existing") { Description = "With --out-dir: leave out the files whose report already exists (resume an interrupted run; reports are written atomically, so an existing one is complete)." };
        var keepGoing = new Option<bool>("--keep-going") { Description = "When a file fails, report it and go on with the next; the run still exits non-zero, and a summary names each failed file." };
        var plot = new Option<string?>("--plot") { Description = "Draw spectrogram and probabilities into this PNG (with several files: one PNG each, named PLOT_<file>.png)." };
        var frames = new Option<bool>("--frames") { Description = "Add the frame probabilities (JSON: per query; CSV/TSV: one row per frame instead of events)." };
        var device = model.Device;
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite existing output files." };
        var precision = model.Precision;

        var command = new Command("detect", "Find the sounds you describe in words in audio files of any length: events with onset, offset and probability.")
        {
            audio, query, checkpoint, config, tokenizer, threshold, median, hop, batch, format, output, outDir, skipExisting, keepGoing, plot, frames, device, force, precision,
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
                parse.GetValue(output), parse.GetValue(outDir), parse.GetValue(plot), parse.GetValue(frames), parse.GetValue(device)!, parse.GetValue(force),
                parse.GetValue(skipExisting), parse.GetValue(keepGoing), parse.GetValue(precision)!,
                BatchChosen: parse.GetResult(batch) is { Implicit: false });
            return Run(request, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int Run(Request request, TextWriter stdout, TextWriter stderr)
    {
        // Everything the user can get wrong is checked before the model is loaded and any audio decoded.
        request.Options.Validate();
        request.Validate();
        var inputs = AudioInputs.Expand(request.Audio);
        if (inputs.SkippedSummary is { } skipped)
        {
            stderr.WriteLine(skipped);
        }
        if (request.OutDir is null && inputs.Files.Count > 1 && request.Format is DetectionFormat.Audacity or DetectionFormat.Raven)
        {
            throw new FlamException($"--format {request.Format.ToString().ToLowerInvariant()} describes one file; with {inputs.Files.Count} files use --out-dir for one file each.");
        }
        var reportPaths = ReportPaths(request, inputs.Files);
        var work = Enumerable.Range(0, inputs.Files.Count).Where(i => !(request.SkipExisting && File.Exists(reportPaths[i]))).ToList();
        if (work.Count < inputs.Files.Count)
        {
            stderr.WriteLine($"skipped {inputs.Files.Count - work.Count} file(s) whose report already exists in '{request.OutDir}'");
        }
        var plotPaths = PlotPaths(request, inputs.Files);
        CheckOutputs(request, inputs.Files, reportPaths, work, plotPaths);
        var decode = new AudioDecodeOptions(Warning: message => stderr.WriteLine("warning: " + message)) { PipeOpenTimeout = PipeOpenTimeout() };

        var failures = new List<(int Index, string Reason)>();
        bool Failed(int index, Exception e)
        {
            if (!request.KeepGoing || e is OperationCanceledException)
            {
                return false;
            }
            var reason = e is FlamException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            failures.Add((index, reason));
            stderr.WriteLine($"error: {inputs.Files[index].Path}: {reason}");
            return true;
        }

        // Files whose length the header does not give count as one window for the progress bar. Warnings come once, while detecting.
        var weights = new Dictionary<int, double>();
        var durations = new List<double>(); // NaN when the header does not tell
        foreach (var i in work)
        {
            try
            {
                // Probing would consume a pipe's one pass; its length is unknown anyway.
                var duration = PipeInput.IsStream(inputs.Files[i].Path) ? double.NaN : AudioFile.Probe(inputs.Files[i].Path).Duration;
                durations.Add(duration);
                weights[i] = double.IsFinite(duration) ? duration : request.Options.WindowSeconds;
            }
            catch (Exception e) when (Failed(i, e))
            {
            }
        }
        work.RemoveAll(i => !weights.ContainsKey(i));

        // Per-file reports need no results kept (thousands of long files would fill memory); plots and one report do.
        var keepResults = request.OutDir is null || plotPaths.Count > 0;
        var results = new List<(int Index, DetectionResult Result)>();
        int done = 0, events = 0;
        if (work.Count > 0)
        {
            using var loaded = ModelChoice.Load(request.Checkpoint, request.Config, request.Tokenizer, request.Device, request.Precision);
            var (bundle, model, tokenizer) = (loaded.Bundle, loaded.Model, loaded.Tokenizer);
            using var scorer = new FlamFrameScorer(model, tokenizer, warning => stderr.WriteLine("warning: " + warning));
            scorer.PrepareQueries(request.Queries);
            var detection = request.Options.ForModel(model.Config.Audio).FitBatch(durations, request.BatchChosen,
                model.Config.Audio.InferenceBytesPerClip, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, note => stderr.WriteLine("note: " + note));
            var detector = new SoundEventDetector(scorer, detection);

            CliProgress.Run(stderr, "detecting", weights.Values.Sum(), report =>
            {
                var before = 0.0;
                for (var n = 0; n < work.Count; n++)
                {
                    var i = work[n];
                    var name = $"{Path.GetFileName(inputs.Files[i].Path)} ({n + 1}/{work.Count})";
                    var start = before;
                    report(name, start);
                    try
                    {
                        var result = detector.DetectFile(inputs.Files[i].Path, request.Queries, seconds => report(name, start + Math.Min(seconds, weights[i])), decode);
                        // Written at once, so that a run stopped later keeps every finished file (and --skip-existing can resume it).
                        if (request.OutDir is not null)
                        {
                            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(reportPaths[i]))!);
                            AtomicFile.WriteAllText(reportPaths[i], DetectionReport.Format(request.Format, bundle.Name, [result], request.Frames), request.Force);
                        }
                        done++;
                        events += result.Queries.Sum(q => q.Events.Count);
                        if (keepResults)
                        {
                            results.Add((i, result));
                        }
                    }
                    catch (Exception e) when (Failed(i, e))
                    {
                    }
                    before += weights[i];
                }
                return done;
            });

            var plotted = plotPaths.Count > 0 ? results : [];
            foreach (var (i, result) in plotted)
            {
                WritePlot(plotPaths[i], result, request, decode);
            }
            if (request.OutDir is not null)
            {
                stdout.WriteLine($"{request.OutDir}: {done} report(s) with {events} events for {request.Queries.Length} query(ies)");
            }
            else
            {
                var text = DetectionReport.Format(request.Format, bundle.Name, results.Select(r => r.Result).ToList(), request.Frames);
                if (request.Out is null)
                {
                    stdout.Write(text);
                }
                else
                {
                    AtomicFile.WriteAllText(request.Out, text, request.Force);
                    stdout.WriteLine($"{request.Out}: {events} events in {results.Count} file(s) for {request.Queries.Length} query(ies)");
                }
            }
            foreach (var (i, _) in plotted)
            {
                stdout.WriteLine($"{plotPaths[i]}: detection plot");
            }
        }
        else if (failures.Count == 0)
        {
            stdout.WriteLine($"{request.OutDir}: nothing to do, every report exists");
        }

        if (failures.Count == 0)
        {
            return 0;
        }
        stderr.WriteLine($"{failures.Count} of {inputs.Files.Count} file(s) failed:");
        foreach (var (index, reason) in failures.OrderBy(f => f.Index))
        {
            stderr.WriteLine($"  {inputs.Files[index].Path}: {reason}");
        }
        return FlamApp.SomeFilesFailed;
    }

    /// <summary>With --out-dir, each input's report: its path below its folder (or its file name) plus the format's suffix.</summary>
    private static List<string> ReportPaths(Request request, IReadOnlyList<AudioInput> inputs)
    {
        if (request.OutDir is null)
        {
            return [];
        }
        if (File.Exists(request.OutDir))
        {
            throw new FlamException($"--out-dir '{request.OutDir}' is a file, not a folder.");
        }
        var paths = inputs.Select(input => Path.Combine(request.OutDir, input.RelativeName + ReportSuffix(request.Format))).ToList();
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < paths.Count; i++)
        {
            if (!owners.TryAdd(Path.GetFullPath(paths[i]), inputs[i].Path))
            {
                throw new FlamException($"'{owners[Path.GetFullPath(paths[i])]}' and '{inputs[i].Path}' would both write '{paths[i]}'; give their folder instead of the files, or run them separately.");
            }
        }
        return paths;
    }

    /// <summary>One PNG per audio file: the given name for one file, NAME_&lt;file stem&gt;.png for several.</summary>
    /// <summary>The FIFO open timeout: <see cref="PipeInput.TimeoutVariable"/> in seconds, else the library default.</summary>
    private static TimeSpan PipeOpenTimeout()
    {
        var text = Environment.GetEnvironmentVariable(PipeInput.TimeoutVariable);
        if (string.IsNullOrEmpty(text))
        {
            return AudioDecodeOptions.Default.PipeOpenTimeout;
        }
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0) || seconds > 86400 * 365)
        {
            throw new FlamException($"{PipeInput.TimeoutVariable} must be a positive number of seconds, not '{text}'.");
        }
        return TimeSpan.FromSeconds(seconds);
    }

    private static List<string> PlotPaths(Request request, IReadOnlyList<AudioInput> inputs)
    {
        if (request.Plot is null)
        {
            return [];
        }
        if (inputs.FirstOrDefault(input => PipeInput.IsStream(input.Path)) is { } pipe)
        {
            // The plot decodes the audio a second time, which a pipe cannot give.
            throw new FlamException($"--plot cannot be used with '{pipe.Path}': standard input and pipes are read only once. Save the audio to a file to plot it.");
        }
        if (inputs.Count == 1)
        {
            return [request.Plot];
        }
        var stem = Path.Combine(Path.GetDirectoryName(request.Plot) ?? "", Path.GetFileNameWithoutExtension(request.Plot));
        var used = new HashSet<string>(StringComparer.Ordinal);
        var paths = new List<string>();
        foreach (var audio in inputs)
        {
            var name = $"{stem}_{Path.GetFileNameWithoutExtension(audio.Path)}";
            var path = name + ".png";
            for (var n = 2; !used.Add(path); n++)
            {
                path = $"{name}_{n}.png";
            }
            paths.Add(path);
        }
        return paths;
    }

    private static void CheckOutputs(Request request, IReadOnlyList<AudioInput> inputs, List<string> reportPaths, List<int> work, List<string> plotPaths)
    {
        var outputs = plotPaths.Count > 0 ? work.Select(i => plotPaths[i]).ToList() : [];
        if (request.Out is not null)
        {
            outputs.Add(request.Out);
        }
        foreach (var path in outputs)
        {
            AtomicFile.CheckWritable(path, request.Force);
        }
        // Report folders may not exist yet; they are created when the first report goes there.
        foreach (var i in work.Where(_ => reportPaths.Count > 0))
        {
            if (File.Exists(reportPaths[i]) && !request.Force)
            {
                throw new FlamException($"'{reportPaths[i]}' already exists; use --skip-existing to keep it or --force to overwrite it.");
            }
            outputs.Add(reportPaths[i]);
        }
        var audio = inputs.Select(a => Path.GetFullPath(a.Path)).ToHashSet(StringComparer.Ordinal);
        foreach (var path in outputs.Where(path => audio.Contains(Path.GetFullPath(path))))
        {
            throw new FlamException($"Output '{path}' is one of the input audio files.");
        }
        if (outputs.Select(Path.GetFullPath).Distinct().Count() != outputs.Count)
        {
            throw new FlamException("--out, --out-dir and --plot name the same file.");
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
