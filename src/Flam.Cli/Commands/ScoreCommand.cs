using System.CommandLine;
using System.Globalization;
using Flam.Cli.Reports;
using Flam.Evaluation;
using Flam.Evaluation.CollarBased;
using Flam.Evaluation.IntersectionBased;
using Flam.IO;
using Spectre.Console;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam score</c>: the standard SED metrics (PSDS1/2, segment AUROC/MPAUC, segment/collar/intersection F1)
/// of any system's score files, with sed_scores_eval's definitions and formats.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var scores = new Option<string>("--scores") { Description = "Folder of per-clip score TSVs (onset, offset, one column per class).", Required = true };
        var groundTruth = new Option<string>("--ground-truth") { Description = "Ground-truth TSV (filename, onset, offset, event_label).", Required = true };
        var durations = new Option<string>("--durations") { Description = "Durations TSV (filename, duration).", Required = true };
        var json = new Option<string?>("--json") { Description = "Write all results (reference structure) to this JSON file." };
        var report = new Option<string?>("--report") { Description = "Also write a report folder: report.json, report.md, psd_roc.png, f1_threshold.png." };
        var force = new Option<bool>("--force") { Description = "Overwrite the JSON file and report files if they exist." };
        var merge = new Option<bool>("--merge-overlapping") { Description = "Merge overlapping/touching same-class ground-truth events instead of rejecting them." };
        var medfilt = new Option<double[]>("--median-filter") { Description = "Median-filter the scores first: one length in seconds, or one per class.", AllowMultipleArgumentsPerToken = true };
        var threshold = Num("--threshold", 0.5, "Decision threshold of the F-scores (detected: score > threshold).");
        var segment = Num("--segment-length", 1.0, "Segment length (s) of segment AUROC, MPAUC and segment F1.");
        var fine = new Option<double?>("--fine-segment-length") { Description = "Second AUROC segment length in seconds; 0 to skip.", DefaultValueFactory = _ => 0.3125 };
        var maxFpr = Num("--max-fpr", 0.1, "Max FPR of the partial AUROC (MPAUC).");
        var mcclish = new Option<bool>("--mcclish") { Description = "Also report the McClish-standardised partial AUROC." };
        var p1Dtc = Num("--psds1-dtc", 0.7, "PSDS1 detection tolerance criterion.");
        var p1Gtc = Num("--psds1-gtc", 0.7, "PSDS1 ground-truth intersection criterion.");
        var p1Cttc = new Option<double?>("--psds1-cttc") { Description = "PSDS1 cross-trigger tolerance criterion (default none; used only with a non-zero --psds1-alpha-ct)." };
        var p1AlphaCt = Num("--psds1-alpha-ct", 0.0, "PSDS1 cross-trigger weight.");
        var p1AlphaSt = Num("--psds1-alpha-st", 1.0, "PSDS1 instability weight.");
        var p2Dtc = Num("--psds2-dtc", 0.1, "PSDS2 detection tolerance criterion.");
        var p2Gtc = Num("--psds2-gtc", 0.1, "PSDS2 ground-truth intersection criterion.");
        var p2Cttc = new Option<double?>("--psds2-cttc") { Description = "PSDS2 cross-trigger tolerance criterion (used only with a non-zero --psds2-alpha-ct).", DefaultValueFactory = _ => 0.3 };
        var p2AlphaCt = Num("--psds2-alpha-ct", 0.5, "PSDS2 cross-trigger weight.");
        var p2AlphaSt = Num("--psds2-alpha-st", 1.0, "PSDS2 instability weight.");
        var maxEfpr = Num("--max-efpr", 100.0, "Largest effective FPR of the PSD-ROC area (per --time-unit).");
        var unit = new Option<string>("--time-unit") { Description = "Unit of the eFPR: second, minute or hour.", DefaultValueFactory = _ => "hour" };
        var dtc = Num("--dtc", 0.7, "DTC of the intersection-based F-score.");
        var gtc = Num("--gtc", 0.7, "GTC of the intersection-based F-score.");
        var onsetCollar = Num("--onset-collar", 0.2, "Onset collar (s) of the collar-based F-score.");
        var offsetCollar = Num("--offset-collar", 0.2, "Offset collar (s) of the collar-based F-score.");
        var offsetRate = Num("--offset-collar-rate", 0.2, "Offset collar as a fraction of the event length.");
        var beta = Num("--beta", 1.0, "β of the F-scores.");
        var decimals = new Option<int>("--time-decimals") { Description = "Decimals time comparisons are rounded to.", DefaultValueFactory = _ => 6 };

        var command = new Command("score", "Evaluate SED score files (sed_scores_eval formats): PSDS1/2, segment AUROC and MPAUC, segment/collar/intersection F1.");
        foreach (var o in new Option[] { scores, groundTruth, durations, json, report, force, merge, medfilt, threshold, segment, fine, maxFpr, mcclish,
            p1Dtc, p1Gtc, p1Cttc, p1AlphaCt, p1AlphaSt, p2Dtc, p2Gtc, p2Cttc, p2AlphaCt, p2AlphaSt, maxEfpr, unit, dtc, gtc,
            onsetCollar, offsetCollar, offsetRate, beta, decimals })
        {
            command.Options.Add(o);
        }
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var jsonPath = parse.GetValue(json);
            if (jsonPath is not null) AtomicFile.CheckWritable(jsonPath, parse.GetValue(force));
            var reportDir = parse.GetValue(report);
            if (reportDir is not null) SedReport.CheckWritable(reportDir, parse.GetValue(force));
            var timeUnit = parse.GetValue(unit)!.ToLowerInvariant() switch
            {
                "second" => PsdsTimeUnit.Second,
                "minute" => PsdsTimeUnit.Minute,
                "hour" => PsdsTimeUnit.Hour,
                var other => throw new FlamException($"--time-unit must be second, minute or hour, not '{other}'."),
            };
            var d = parse.GetValue(decimals);
            var fineLength = parse.GetValue(fine);
            var options = new StandardSedMetricsOptions(
                new PsdsOptions(new IntersectionOptions(parse.GetValue(p1Dtc), parse.GetValue(p1Gtc), CrossTrigger(parse.GetValue(p1Cttc), parse.GetValue(p1AlphaCt)), d),
                    parse.GetValue(p1AlphaCt), parse.GetValue(p1AlphaSt), parse.GetValue(maxEfpr), timeUnit),
                new PsdsOptions(new IntersectionOptions(parse.GetValue(p2Dtc), parse.GetValue(p2Gtc), CrossTrigger(parse.GetValue(p2Cttc), parse.GetValue(p2AlphaCt)), d),
                    parse.GetValue(p2AlphaCt), parse.GetValue(p2AlphaSt), parse.GetValue(maxEfpr), timeUnit),
                parse.GetValue(segment), fineLength is null or 0 ? null : fineLength, parse.GetValue(maxFpr), parse.GetValue(mcclish),
                parse.GetValue(threshold),
                new CollarOptions(parse.GetValue(onsetCollar), parse.GetValue(offsetCollar), parse.GetValue(offsetRate), d),
                new IntersectionOptions(parse.GetValue(dtc), parse.GetValue(gtc), null, d), parse.GetValue(beta)).Validate();

            SedScoreSet scoreSet = SedTsv.ReadScores(parse.GetValue(scores)!);
            if (parse.GetValue(medfilt) is { Length: > 0 } lengths)
            {
                scoreSet = NegativeInfinityPaddedMedianFilter.Apply(scoreSet, lengths, d);
            }
            var set = SedEvaluationSet.Create(scoreSet, SedTsv.ReadGroundTruth(parse.GetValue(groundTruth)!),
                SedTsv.ReadDurations(parse.GetValue(durations)!), new SedEvaluationOptions(parse.GetValue(merge)), parse.GetValue(scores)!);
            WarnAboutInputs(parse.InvocationConfiguration.Error, set, options.Threshold, d);
            var entries = StandardSedMetrics.Compute(set, options);
            PrintTable(output, set, entries);
            if (jsonPath is not null)
            {
                AtomicFile.WriteAllText(jsonPath, StandardSedMetrics.Serialize(StandardSedMetrics.ToJson(entries)), parse.GetValue(force));
                output.WriteLine($"wrote {jsonPath}");
            }
            if (reportDir is not null)
            {
                double[] thresholds = [.. Enumerable.Range(1, 19).Select(i => i / 20.0)];
                var curve = Flam.Evaluation.SegmentBased.FScore.Curve(set, thresholds, new Flam.Evaluation.SegmentBased.SegmentOptions(options.SegmentLength), options.Beta);
                new SedReport("SED evaluation", new Dictionary<string, string>
                {
                    ["scores"] = parse.GetValue(scores)!,
                    ["ground truth"] = parse.GetValue(groundTruth)!,
                    ["durations"] = parse.GetValue(durations)!,
                    ["clips"] = set.ClipCount.ToString(CultureInfo.InvariantCulture),
                    ["classes"] = string.Join(", ", set.EventClasses),
                }, entries, (PsdsResult)entries[0].Result, curve,
                    $"macro segment-based P/R/F1 ({StandardSedMetrics.Number(options.SegmentLength)} s) vs threshold").Write(reportDir, parse.GetValue(force));
                output.WriteLine($"wrote report to {reportDir}");
            }
            return 0;
        });
        return command;
    }

    // sed_scores_eval computes on such inputs without a word; the numbers are then right but rarely what was meant.
    private static void WarnAboutInputs(TextWriter error, SedEvaluationSet set, double threshold, int decimals)
    {
        var past = set.EventsPastDuration(decimals);
        if (past.Count > 0)
        {
            error.WriteLine($"warning: {past.Count} ground-truth event(s) end after their clip's duration; they are evaluated as given, " +
                $"and the part past the end cannot be detected (check the durations file): {string.Join("; ", past.Take(3))}{(past.Count > 3 ? "; …" : "")}");
        }
        var (min, max) = (double.PositiveInfinity, double.NegativeInfinity);
        var buffer = new double[set.Scores.MaxFrameCount()];
        for (var c = 0; c < set.ClipCount; c++)
        {
            var frames = buffer.AsSpan(0, set.Scores.FrameCount(c));
            for (var k = 0; k < set.EventClasses.Count; k++)
            {
                set.Scores.CopyScores(c, k, frames);
                foreach (var x in frames)
                {
                    // The median filter pads with -inf; only real scores bound the range.
                    if (!double.IsFinite(x)) continue;
                    min = Math.Min(min, x);
                    max = Math.Max(max, x);
                }
            }
        }
        if (min > max) return;
        string Num(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
        if (threshold >= max)
        {
            error.WriteLine($"warning: --threshold {Num(threshold)} is not below the highest score {Num(max)}: nothing is detected, so the F-scores are 0 " +
                $"(scores range {Num(min)}–{Num(max)}).");
        }
        else if (threshold < min)
        {
            error.WriteLine($"warning: --threshold {Num(threshold)} is below the lowest score {Num(min)}: every frame is detected " +
                $"(scores range {Num(min)}–{Num(max)}).");
        }
    }

    // Without a cross-trigger weight the CTTC is irrelevant; dropping it lets "--psds2-alpha-ct 0" switch cross-triggers off.
    private static double? CrossTrigger(double? cttc, double alphaCt) => alphaCt == 0 ? null : cttc;

    private static Option<double> Num(string name, double value, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => value };

    private static void PrintTable(TextWriter output, SedEvaluationSet set, List<StandardSedMetrics.Entry> entries)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var table = new Table().AddColumn("metric").AddColumn("value").AddColumn("");
        foreach (var e in entries)
        {
            table.AddRow(Markup.Escape(e.Key), e.Value.ToString("F4", CultureInfo.InvariantCulture), Markup.Escape(e.Headline));
        }
        console.Write(new Text($"{set.ClipCount} clips, {set.EventClasses.Count} classes, {set.TotalDuration().ToString("F1", CultureInfo.InvariantCulture)} s of audio\n"));
        console.Write(table);
    }
}
