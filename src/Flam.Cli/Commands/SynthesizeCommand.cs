using System.CommandLine;
using Flam.Cli.Plots;
using Flam.IO;
using Flam.Synthesis;
using Spectre.Console;
using static Flam.Cli.CliOptions;

namespace Flam.Cli.Commands;

/// <summary><c>flam synthesize</c>: synthetic SED mixtures with exact frame labels (paper §4.2, Appendix C.4).</summary>
internal static class SynthesizeCommand
{
    public static Command Create()
    {
        var d = new SynthesisOptions();
        var command = new Command("synthesize", "Mix labelled sound events into backgrounds and write WAVs, labels (DCASE TSV) and a training manifest.");

        var events = Required<string>("--events", "Folder of event sounds (labels from metadata or from file and folder names).");
        var eventsMeta = new Option<string?>("--events-meta") { Description = "CSV or JSONL metadata for the events (path, captions, tags, source, licence, kind)." };
        var backgrounds = Required<string>("--backgrounds", "Folder of background sounds (at least the mixture duration long).");
        var backgroundsMeta = new Option<string?>("--backgrounds-meta") { Description = "CSV or JSONL metadata for the backgrounds." };
        var count = Required<int>("--count", "Number of mixtures.");
        var seed = new Option<long>("--seed") { Description = "Random seed; mixture i depends only on (seed, i).", DefaultValueFactory = _ => 0 };
        var output = Required<string>("--out", "Output folder.");
        var duration = Opt("--duration", "Mixture length in seconds.", d.Duration);
        var minEvents = Opt("--min-events", "Fewest events per mixture.", d.MinEvents);
        var maxEvents = Opt("--max-events", "Most events per mixture.", d.MaxEvents);
        var effectP = Opt("--effect-probability", "Probability an event comes from sound-effect (kind=effect) rather than general-audio sources.", d.EffectProbability);
        var maxConcurrent = Opt("--max-concurrent", "Most events labelled-active at once.", d.MaxConcurrentEvents);
        var attempts = Opt("--placement-attempts", "Random onsets tried per event copy/segment before dropping it.", d.PlacementAttempts);
        var splitP = Opt("--split-probability", "Probability an event is split into segments.", d.SplitProbability);
        var minSegment = Opt("--min-segment", "Shortest segment of a split event, seconds.", d.MinSegmentSeconds);
        var maxSegments = Opt("--max-segments", "Most segments of a split event.", d.MaxSegments);
        var repeatP = Opt("--repeat-probability", "Probability an event is repeated.", d.RepeatProbability);
        var minRepeats = Opt("--min-repeats", "Fewest copies of a repeated event.", d.MinRepeats);
        var maxRepeats = Opt("--max-repeats", "Most copies of a repeated event.", d.MaxRepeats);
        var minOffset = Opt("--min-offset-db", "Lowest event-to-background loudness offset (A-weighted RMS over the event's active frames minus the background excerpt's), dB.", d.MinOffsetDb);
        var maxOffset = Opt("--max-offset-db", "Highest event-to-background loudness offset, dB.", d.MaxOffsetDb);
        var fade = Opt("--fade", "Fade-in/out per event copy or segment, seconds.", d.FadeSeconds);
        var ceiling = Opt("--peak-ceiling", "Mixtures peaking above this are scaled down to it (gain recorded).", d.PeakCeiling);
        var longEvents = Opt("--long-events", "Events longer than the mixture: trim (keep the start) or skip.", d.LongEvents);
        var format = Opt("--format", "WAV encoding: Pcm16 or Float32.", d.Format);
        var sourceName = Opt("--source-name", "The manifest's 'source' field for every mixture.", d.SourceName);
        var labelWindow = Opt("--label-window", "Label RMS window in samples at the mixture rate.", d.Labels.Window);
        var labelHop = Opt("--label-hop", "Label RMS hop = one label frame, samples (1200 at 48 kHz = 25 ms; 960 gives the paper's stated 50 Hz).", d.Labels.Hop);
        var threshold = Opt("--label-threshold-db", "Frames more than this far below the event's loudest window are inactive (negative dB).", d.Labels.ThresholdDb);
        var minGap = Opt("--min-gap-frames", "Inactive gaps shorter than this many label frames between active frames are filled.", d.Labels.MinGapFrames);
        var minRun = Opt("--min-run-frames", "Active runs shorter than this are removed...", d.Labels.MinRunFrames);
        var shortEvent = Opt("--short-event-frames", "...when the event is longer than this many frames.", d.Labels.ShortEventFrames);
        var silenceFloor = Opt("--silence-floor-dbfs", "Events whose loudest A-weighted window is below this are dropped as silent.", d.Labels.SilenceFloorDbfs);
        var eventMax = Opt("--event-max-seconds", "Events must be shorter than this.", d.Classification.EventMaxSeconds);
        var backgroundMin = Opt("--background-min-seconds", "Backgrounds must last at least this (and the mixture duration).", d.Classification.BackgroundMinSeconds);
        var keywords = Opt("--keywords", "Background keywords, comma-separated.", string.Join(",", d.Classification.Keywords));
        var keepKeyword = new Option<bool>("--events-keep-keyword") { Description = "Accept events whose name or text has a background keyword." };
        var requireKeyword = new Option<bool>("--backgrounds-require-keyword") { Description = "Backgrounds must have a keyword (the paper's rule for one mixed corpus)." };
        var holdOut = Opt("--hold-out", "Fraction of sources held out for testing (0 = none).", d.HoldOutFraction);
        var holdOutBy = Opt("--hold-out-by", "Hold out by Identity (file) or Label (text).", d.HoldOutBy);
        var split = Opt("--split", "Use All sources, only Train (not held out) or only Test (held-out) sources.", d.Split);
        var listedOnly = new Option<bool>("--listed-only") { Description = "Use only the files the metadata lists (e.g. one metadata file per corpus split)." };
        var threads = Opt("--threads", "Mixtures rendered in parallel (output is identical for any value).", Environment.ProcessorCount);
        var force = new Option<bool>("--force") { Description = "Replace a set in --out made with a different recipe." };
        var plot = new Option<int?>("--plot") { Description = "Also draw mixture N's spectrogram with its labels to OUT/plots/mix_N.png." };
        var indexCache = new Option<string?>("--index-cache") { Description = "Folder for the source index cache (default OUT/source-index)." };

        Option[] all = [events, eventsMeta, backgrounds, backgroundsMeta, count, seed, output, duration, minEvents, maxEvents, effectP,
            maxConcurrent, attempts, splitP, minSegment, maxSegments, repeatP, minRepeats, maxRepeats, minOffset, maxOffset, fade, ceiling,
            longEvents, format, sourceName, labelWindow, labelHop, threshold, minGap, minRun, shortEvent, silenceFloor, eventMax, backgroundMin, keywords,
            keepKeyword, requireKeyword, holdOut, holdOutBy, split, listedOnly, threads, force, plot, indexCache];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var options = new SynthesisOptions
            {
                Duration = parse.GetValue(duration),
                MinEvents = parse.GetValue(minEvents),
                MaxEvents = parse.GetValue(maxEvents),
                EffectProbability = parse.GetValue(effectP),
                MaxConcurrentEvents = parse.GetValue(maxConcurrent),
                PlacementAttempts = parse.GetValue(attempts),
                SplitProbability = parse.GetValue(splitP),
                MinSegmentSeconds = parse.GetValue(minSegment),
                MaxSegments = parse.GetValue(maxSegments),
                RepeatProbability = parse.GetValue(repeatP),
                MinRepeats = parse.GetValue(minRepeats),
                MaxRepeats = parse.GetValue(maxRepeats),
                MinOffsetDb = parse.GetValue(minOffset),
                MaxOffsetDb = parse.GetValue(maxOffset),
                FadeSeconds = parse.GetValue(fade),
                PeakCeiling = parse.GetValue(ceiling),
                LongEvents = parse.GetValue(longEvents),
                Format = parse.GetValue(format),
                SourceName = parse.GetValue(sourceName)!,
                Labels = new LabelOptions
                {
                    Window = parse.GetValue(labelWindow),
                    Hop = parse.GetValue(labelHop),
                    ThresholdDb = parse.GetValue(threshold),
                    MinGapFrames = parse.GetValue(minGap),
                    MinRunFrames = parse.GetValue(minRun),
                    ShortEventFrames = parse.GetValue(shortEvent),
                    SilenceFloorDbfs = parse.GetValue(silenceFloor),
                },
                Classification = new ClassificationRules
                {
                    EventMaxSeconds = parse.GetValue(eventMax),
                    BackgroundMinSeconds = parse.GetValue(backgroundMin),
                    Keywords = parse.GetValue(keywords)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    EventsExcludeKeyword = !parse.GetValue(keepKeyword),
                    BackgroundsRequireKeyword = parse.GetValue(requireKeyword),
                },
                HoldOutFraction = parse.GetValue(holdOut),
                HoldOutBy = parse.GetValue(holdOutBy),
                Split = parse.GetValue(split),
                ListedOnly = parse.GetValue(listedOnly),
            };
            var request = new SynthesisRequest(parse.GetValue(events)!, parse.GetValue(eventsMeta), parse.GetValue(backgrounds)!,
                parse.GetValue(backgroundsMeta), parse.GetValue(output)!, parse.GetValue(count), parse.GetValue(seed), options,
                parse.GetValue(threads), parse.GetValue(force), parse.GetValue(indexCache));
            var stdout = parse.InvocationConfiguration.Output;
            var summary = RunWithProgress(request, parse.InvocationConfiguration.Error);
            stdout.WriteLine($"{summary.Mixtures} mixtures in {Path.GetFullPath(request.OutputFolder)} ({summary.Generated} rendered, {summary.Reused} kept from an earlier run)");
            stdout.WriteLine($"sources: {summary.Events} events, {summary.Backgrounds} backgrounds; {summary.UnreadableSources} unreadable and {summary.ExcludedSources} excluded files listed in {summary.ReportPath}");
            stdout.WriteLine($"events: {summary.TrimmedEvents} trimmed to the mixture length, {summary.SilentEvents} silent draws dropped, {summary.UnplacedInstances} copies/segments dropped by the concurrency limit; {summary.NormalisedMixtures} mixtures scaled down to avoid clipping");
            if (parse.GetValue(plot) is { } index)
            {
                var manifest = Manifest.Read(Path.Combine(request.OutputFolder, "manifest.jsonl"));
                if (index < 0 || index >= manifest.Entries.Count)
                {
                    throw new FlamException($"--plot {index}: the set has mixtures 0 to {manifest.Entries.Count - 1}.");
                }
                var entry = manifest.Entries[index];
                var png = Path.Combine(request.OutputFolder, "plots", Path.ChangeExtension(Path.GetFileName(entry.Audio), ".png"));
                Directory.CreateDirectory(Path.GetDirectoryName(png)!);
                SynthesisPlot.SavePng(png, manifest.AudioPath(entry), entry, $"{Path.GetFileName(entry.Audio)} - log-mel spectrogram and labels", overwrite: true);
                stdout.WriteLine($"{png}: spectrogram with labels");
            }
            return 0;
        });
        return command;
    }

    private static SynthesisSummary RunWithProgress(SynthesisRequest request, TextWriter error)
    {
        // A live bar only on an interactive terminal; redirected or captured stderr gets nothing.
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            return Synthesizer.Run(request);
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        SynthesisSummary? summary = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var gate = new object();
                summary = Synthesizer.Run(request, (phase, done, total) =>
                {
                    lock (gate)
                    {
                        if (!tasks.TryGetValue(phase, out var task))
                        {
                            tasks[phase] = task = ctx.AddTask(phase, maxValue: total);
                        }
                        task.Value = Math.Max(task.Value, done);
                    }
                });
            });
        return summary!;
    }

    private static Option<T> Required<T>(string name, string description) => new(name) { Description = description, Required = true };
}
