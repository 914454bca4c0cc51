using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Flam.Evaluation.CollarBased;
using Flam.Evaluation.IntersectionBased;
using Flam.Evaluation.SegmentBased;

namespace Flam.Evaluation;

/// <summary>
/// Parameters of the standard score-file evaluation (<c>flam score</c>). The defaults are the DCASE settings
/// recorded in the metric fixtures: PSDS1/PSDS2, segment AUROC at 1 s and 0.3125 s, MPAUC (max FPR 0.1) and
/// F1 scores at threshold 0.5.
/// </summary>
/// <param name="Psds1">PSDS scenario 1 settings.</param>
/// <param name="Psds2">PSDS scenario 2 settings.</param>
/// <param name="SegmentLength">Segment length for the segment AUROC, MPAUC and segment F1.</param>
/// <param name="FineSegmentLength">Second segment length for an AUROC at frame resolution (0.3125 s = 32 frames per 10 s), or null.</param>
/// <param name="MaxFpr">Max FPR of the partial AUROC.</param>
/// <param name="McClish">Also report the McClish-standardised partial AUROC.</param>
/// <param name="Threshold">Decision threshold of the F-scores (detected: score &gt; threshold).</param>
/// <param name="Collar">Collar criteria of the collar-based F-score.</param>
/// <param name="Intersection">Criteria of the intersection-based F-score.</param>
/// <param name="Beta">β of the F-scores.</param>
public sealed record StandardSedMetricsOptions(
    PsdsOptions Psds1, PsdsOptions Psds2, double SegmentLength = 1.0, double? FineSegmentLength = 0.3125,
    double MaxFpr = 0.1, bool McClish = false, double Threshold = 0.5, CollarOptions? Collar = null,
    IntersectionOptions? Intersection = null, double Beta = 1.0)
{
    /// <summary>The DCASE defaults.</summary>
    public static StandardSedMetricsOptions Default { get; } = new(PsdsOptions.Psds1, PsdsOptions.Psds2);

    /// <summary>Collar criteria (default 0.2 s, 0.2 s, 0.2).</summary>
    public CollarOptions CollarCriteria => Collar ?? new CollarOptions();

    /// <summary>Intersection F-score criteria (default DTC = GTC = 0.7).</summary>
    public IntersectionOptions IntersectionCriteria => Intersection ?? new IntersectionOptions();

    /// <summary>Throws <see cref="FlamException"/> for impossible values.</summary>
    public StandardSedMetricsOptions Validate()
    {
        Psds1.Validate();
        Psds2.Validate();
        new SegmentOptions(SegmentLength).Validate();
        if (FineSegmentLength is { } fine) new SegmentOptions(fine).Validate();
        if (!(MaxFpr > 0) || MaxFpr > 1) throw new FlamException($"max FPR must be in (0, 1] but is {MaxFpr}.");
        if (!double.IsFinite(Threshold)) throw new FlamException($"Threshold must be a finite number but is {Threshold}.");
        if (!(Beta > 0)) throw new FlamException($"β must be positive but is {Beta}.");
        CollarCriteria.Validate();
        IntersectionCriteria.Validate();
        return this;
    }
}

/// <summary>
/// The standard set of score-file metrics, keyed like sed_scores_eval's result entries in the fixtures
/// (<c>psds1</c>, <c>psds2</c>, <c>segment_auroc_1s</c>, <c>segment_pauroc_1s_maxfpr0.1</c>, <c>segment_auroc_0.3125s</c>,
/// <c>segment_f1_1s_thr0.5</c>, <c>collar_f1_thr0.5</c>, <c>intersection_f1_thr0.5</c>; the numbers in a key follow
/// the parameters). Each JSON value has the structure of the reference's output; AUROCs are the
/// order-independent areas.
/// </summary>
public static class StandardSedMetrics
{
    /// <summary>JSON options: IEEE infinities as "Infinity" strings, indented.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>One computed entry: its key, the JSON output and a one-line headline for tables.</summary>
    /// <param name="Key">Result key.</param>
    /// <param name="Headline">Name of the headline value.</param>
    /// <param name="Value">Headline value (PSDS, mean AUROC, macro F1).</param>
    /// <param name="Output">The full output in the reference's structure.</param>
    /// <param name="Result">The typed result (<see cref="PsdsResult"/>, <see cref="AurocResult"/> or an F-score result).</param>
    public sealed record Entry(string Key, string Headline, double Value, JsonObject Output, object Result);

    /// <summary>Computes all entries.</summary>
    public static List<Entry> Compute(SedEvaluationSet set, StandardSedMetricsOptions options)
    {
        options.Validate();
        var entries = new List<Entry>();
        foreach (var (key, psds) in new[] { ("psds1", options.Psds1), ("psds2", options.Psds2) })
        {
            var r = Psds.Compute(set, psds);
            entries.Add(new Entry(key, "PSDS", r.Value, PsdsJson(r), r));
        }
        var seg = Number(options.SegmentLength);
        var auroc = Roc.Auroc(set, new SegmentOptions(options.SegmentLength));
        entries.Add(new Entry($"segment_auroc_{seg}s", "mean AUROC", auroc.Mean, AurocJson(auroc, curves: true), auroc));
        var partial = AurocFromCurves(auroc, options.MaxFpr, false);
        entries.Add(new Entry($"segment_pauroc_{seg}s_maxfpr{Number(options.MaxFpr)}", "MPAUC", partial.Mean, AurocJson(partial, curves: false), partial));
        if (options.McClish)
        {
            var mcclish = AurocFromCurves(auroc, options.MaxFpr, true);
            entries.Add(new Entry($"segment_pauroc_{seg}s_maxfpr{Number(options.MaxFpr)}_mcclish", "mean pAUROC (McClish)", mcclish.Mean, AurocJson(mcclish, curves: false), mcclish));
        }
        if (options.FineSegmentLength is { } fine)
        {
            var r = Roc.Auroc(set, new SegmentOptions(fine));
            entries.Add(new Entry($"segment_auroc_{Number(fine)}s", "mean AUROC", r.Mean, AurocJson(r, curves: true), r));
        }
        var thr = Number(options.Threshold);
        double[] threshold = [options.Threshold];
        var segmentF = SegmentBased.FScore.Compute(set, threshold, new SegmentOptions(options.SegmentLength), options.Beta);
        entries.Add(new Entry($"segment_f1_{seg}s_thr{thr}", "macro F1", segmentF.Summary.MacroFScore,
            FScoreJson(segmentF.Summary, segmentF.Counts.Select(c => new JsonObject
            {
                ["tps"] = c.Tps,
                ["fps"] = c.Fps,
                ["n_sys"] = c.NSys,
                ["n_ref"] = c.NRef,
                ["tns"] = c.Tns,
            }).ToList()), segmentF));
        var collarF = CollarBased.FScore.Compute(set, threshold, options.CollarCriteria, options.Beta);
        entries.Add(new Entry($"collar_f1_thr{thr}", "macro F1", collarF.Summary.MacroFScore,
            FScoreJson(collarF.Summary, collarF.Counts.Select(c => new JsonObject
            {
                ["tps"] = c.Tps,
                ["fps"] = c.Fps,
                ["n_ref"] = c.NRef,
            }).ToList()), collarF));
        var interF = IntersectionBased.FScore.Compute(set, threshold, options.IntersectionCriteria, options.Beta);
        var classes = set.EventClasses;
        entries.Add(new Entry($"intersection_f1_thr{thr}", "macro F1", interF.Summary.MacroFScore,
            FScoreJson(interF.Summary, interF.Counts.Select((c, k) => new JsonObject
            {
                ["tps"] = c.Tps,
                ["fps"] = c.Fps,
                ["cts"] = c.Cts,
                ["n_ref"] = c.NRef,
                ["t_ref"] = c.TRef,
                ["n_ref_other"] = PerClass(classes, o => set.EventCount(o), skip: k),
                ["t_ref_other"] = PerClass(classes, o => set.EventDuration(o), skip: k),
            }).ToList()), interF));
        return entries;
    }

    /// <summary>All entries as one JSON object keyed by entry key.</summary>
    public static JsonObject ToJson(IEnumerable<Entry> entries)
    {
        var root = new JsonObject();
        foreach (var e in entries)
        {
            root[e.Key] = e.Output;
        }
        return root;
    }

    /// <summary>Serialises with <see cref="JsonOptions"/>.</summary>
    public static string Serialize(JsonNode node) => node.ToJsonString(JsonOptions);

    private static AurocResult AurocFromCurves(AurocResult full, double maxFpr, bool mcclish)
    {
        var areas = full.Curves.Select(c => c.Area(maxFpr, mcclish)).ToArray();
        return full with { Auroc = areas, Mean = areas.Average() };
    }

    /// <summary>PSDS output: psds, single_class_psds, psd_roc, single_class_psd_rocs.</summary>
    public static JsonObject PsdsJson(PsdsResult r) => new()
    {
        ["psds"] = r.Value,
        ["single_class_psds"] = PerClass(r.EventClasses, k => r.SingleClassPsds[k]),
        ["psd_roc"] = new JsonObject { ["etpr"] = Array(r.Roc.Etpr), ["efpr"] = Array(r.Roc.Efpr) },
        ["single_class_psd_rocs"] = PerClass(r.EventClasses, k => new JsonObject
        {
            ["tpr"] = Array(r.SingleClassRocs[k].Tpr),
            ["efpr"] = Array(r.SingleClassRocs[k].Efpr),
            ["scores"] = Array(r.SingleClassRocs[k].Scores),
        }),
    };

    /// <summary>AUROC output: auroc per class and mean (and roc_curves).</summary>
    public static JsonObject AurocJson(AurocResult r, bool curves)
    {
        var auroc = PerClass(r.EventClasses, k => r.Auroc[k]);
        auroc["mean"] = r.Mean;
        var json = new JsonObject { ["auroc"] = auroc };
        if (curves)
        {
            json["roc_curves"] = PerClass(r.EventClasses, k => new JsonObject
            {
                ["tpr"] = Array(r.Curves[k].Tpr),
                ["fpr"] = Array(r.Curves[k].Fpr),
                ["scores"] = Array(r.Curves[k].Scores),
            });
        }
        return json;
    }

    /// <summary>F-score output: fscore, precision, recall (per class, macro, micro) and intermediate_statistics.</summary>
    public static JsonObject FScoreJson(FScoreSummary s, List<JsonObject> statistics)
    {
        JsonObject Metric(double[] values, double macro, double micro)
        {
            var o = PerClass(s.EventClasses, k => values[k]);
            o["macro_average"] = macro;
            o["micro_average"] = micro;
            return o;
        }
        return new JsonObject
        {
            ["fscore"] = Metric(s.FScore, s.MacroFScore, s.MicroFScore),
            ["precision"] = Metric(s.Precision, s.MacroPrecision, s.MicroPrecision),
            ["recall"] = Metric(s.Recall, s.MacroRecall, s.MicroRecall),
            ["intermediate_statistics"] = PerClass(s.EventClasses, k => statistics[k]),
        };
    }

    private static JsonObject PerClass(IReadOnlyList<string> classes, Func<int, JsonNode?> value, int skip = -1)
    {
        var o = new JsonObject();
        for (var k = 0; k < classes.Count; k++)
        {
            if (k != skip) o[classes[k]] = value(k);
        }
        return o;
    }

    private static JsonArray Array(double[] values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);

    /// <summary>Shortest round-trip form (1 → "1", 0.3125 → "0.3125"), used in keys.</summary>
    public static string Number(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
