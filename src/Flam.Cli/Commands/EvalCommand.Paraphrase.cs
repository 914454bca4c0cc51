using System.CommandLine;
using System.Globalization;
using Flam.Cli.Reports;
using Flam.Evaluation;
using Flam.Inference;
using Flam.IO;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam eval paraphrase</c>: scores every event of a manifest with each phrasing of its text from a paraphrase
/// table and reports how much the detections agree (<see cref="ParaphraseRobustness"/>).
/// </summary>
internal static partial class EvalCommand
{
    private static Command CreateParaphrase()
    {
        var manifest = new Option<string>("--manifest") { Description = "Test manifest (JSONL, the training format) whose clips have timed events.", Required = true };
        var paraphrases = new Option<string>("--paraphrases") { Description = "Paraphrase table (TSV): event text<TAB>phrasing 1<TAB>phrasing 2[<TAB>...]; # comments.", Required = true };
        var corpusMeta = new Option<string[]>("--corpus-meta")
        {
            Description = "Corpus metadata (JSONL with label and captions, e.g. events.test.jsonl; repeatable): an event text that is a caption of a clip uses its label's row.",
            DefaultValueFactory = _ => [],
        };
        var threshold = new Option<double>("--threshold") { Description = "A frame is detected when its unbiased output is strictly above this.", DefaultValueFactory = _ => DetectionOptions.Default.Threshold };
        var o = DetectorOptions.Create("Report folder (created): report.json and report.md.");
        var command = new Command("paraphrase", "Paraphrase robustness: the same events queried with several phrasings; agreement, Jaccard and correlation of detections, AUROC per phrasing.")
        {
            manifest, paraphrases, corpusMeta, threshold,
        };
        o.AddTo(command);
        command.SetAction(parse => RunParaphrase(parse, o, parse.GetValue(manifest)!, parse.GetValue(paraphrases)!, parse.GetValue(corpusMeta)!,
            parse.GetValue(threshold)));
        return command;
    }

    private static int RunParaphrase(ParseResult parse, DetectorOptions o, string manifestPath, string tablePath, string[] corpusMeta, double threshold)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        var outDir = parse.GetValue(o.Output)!;
        var force = parse.GetValue(o.Force);
        // Everything the user can get wrong is checked before the model is loaded.
        var options = o.Detection(parse, threshold);
        var table = ParaphraseTable.Read(tablePath).WithCaptionAliases(corpusMeta);
        var file = Manifest.Read(manifestPath);
        // Per manifest clip: its distinct event texts that have a table row (their own, or their label's).
        var rowsOf = file.Entries.Select(e => (e.Events ?? []).Select(ev => ev.Text).Distinct(StringComparer.Ordinal)
            .Select(text => (Text: text, Row: table.Find(text))).Where(p => p.Row is not null).Select(p => (p.Text, Row: p.Row!)).ToList()).ToList();
        var used = rowsOf.SelectMany(r => r).Select(p => p.Row.Text).ToHashSet(StringComparer.Ordinal);
        string[] unused = [.. table.Rows.Where(r => !used.Contains(r.Text)).Select(r => r.Text)];
        if (used.Count == 0)
        {
            throw new FlamException($"{tablePath}: no row names an event text of '{manifestPath}' (texts must match exactly; --corpus-meta maps captions to labels).");
        }
        using var outputLock = OutputLock.Acquire(outDir, "flam eval paraphrase");
        ParaphraseReport.CheckWritable(outDir, force);
        if (unused.Length > 0)
        {
            stderr.WriteLine($"warning: {tablePath}: {unused.Length} row(s) name texts that occur in no event of {manifestPath}: {string.Join(", ", unused.Take(10))}{(unused.Length > 10 ? ", ..." : "")}");
        }
        if (table.AmbiguousCaptions.Count > 0)
        {
            stderr.WriteLine($"warning: {table.AmbiguousCaptions.Count} caption(s) describe clips of several labels and get no row: {string.Join(", ", table.AmbiguousCaptions.Take(10))}");
        }

        static IEnumerable<string> Queries(IEnumerable<(string Text, ParaphraseRow Row)> items) => items.SelectMany(p => p.Row.Phrasings.Prepend(p.Text));
        string[] allQueries = [.. Queries(rowsOf.SelectMany(r => r)).Distinct(StringComparer.Ordinal)];
        var (modelName, clips) = DetectClips(parse, o, options, file, allQueries,
            i => [.. Queries(rowsOf[i]).Distinct(StringComparer.Ordinal)]);

        var tracks = new List<ParaphraseTrack>();
        foreach (var clip in clips)
        {
            var frames = clip.Scores.Values.First().Length;
            var truth = ManifestSedEvaluation.FrameTruth(clip, frames);
            static double[] D(float[] x) => [.. x.Select(v => (double)v)];
            foreach (var (text, labels) in truth.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                if (table.Find(text) is not { } row) continue;
                tracks.Add(new ParaphraseTrack(clip.ClipId, row.Text, D(clip.Scores[text]), [.. row.Phrasings.Select(p => D(clip.Scores[p]))], labels));
            }
        }
        var result = ParaphraseRobustness.Compute(tracks, threshold);
        new ParaphraseReport($"Paraphrase robustness of {modelName}", new Dictionary<string, string>
        {
            ["manifest"] = manifestPath,
            ["paraphrase table"] = tablePath,
            ["model"] = modelName,
            ["clips"] = clips.Count.ToString(CultureInfo.InvariantCulture),
            ["table rows used"] = used.Count.ToString(CultureInfo.InvariantCulture),
            ["corpus metadata (caption aliases)"] = corpusMeta.Length == 0 ? "none" : $"{string.Join(", ", corpusMeta)} ({table.AliasCount} captions)",
            ["threshold"] = threshold.ToString(CultureInfo.InvariantCulture),
            ["median filter (frames)"] = options.MedianFrames.ToString(CultureInfo.InvariantCulture),
        }, result, unused).Write(outDir, force);

        static string F(double x) => ReportFolder.Format(x);
        stdout.WriteLine($"{result.Tracks} (clip, text) items from {clips.Count} clips, {used.Count} table rows, {result.Pairs} phrasing pairs");
        stdout.WriteLine($"{"agreement",-24} {F(result.MeanAgreement)}");
        stdout.WriteLine($"{"jaccard",-24} {F(result.MeanJaccard)} ({result.PairsBothEmpty} pairs where neither detects)");
        stdout.WriteLine($"{"correlation",-24} {F(result.MeanCorrelation)} ({result.PairsWithoutCorrelation} pairs with a constant output)");
        stdout.WriteLine($"{"auroc event text",-24} {F(result.OriginalAuroc)}");
        stdout.WriteLine($"{"auroc per phrasing",-24} {string.Join("  ", result.PhrasingAuroc.Select(F))}");
        if (unused.Length > 0) stdout.WriteLine($"{unused.Length} table rows unused (texts not in the manifest)");
        stdout.WriteLine($"wrote report to {outDir}");
        return 0;
    }
}
