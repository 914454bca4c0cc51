using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;
using Flam.Evaluation.SegmentBased;
using static Flam.Tests.Evaluation.MetricFixture;
using CollarFScore = Flam.Evaluation.CollarBased.FScore;
using IntersectionFScore = Flam.Evaluation.IntersectionBased.FScore;
using SegmentFScore = Flam.Evaluation.SegmentBased.FScore;

namespace Flam.Tests.Evaluation;

/// <summary>Every results entry of the metric fixtures (sed_scores_eval reference values), one test per case and metric.</summary>
public class ScoreFileMetricsTests
{
    public static IEnumerable<object[]> Cases => CaseNames.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Psds1MatchesReference(string name) => CheckPsds(name, "psds1", PsdsOptions.Psds1);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Psds2MatchesReference(string name) => CheckPsds(name, "psds2", PsdsOptions.Psds2);

    private static void CheckPsds(string name, string key, PsdsOptions options)
    {
        var f = Load(name);
        var expected = f.Result(key)["output"]!;
        var result = Psds.Compute(f.Set, options);
        Close(Number(expected["psds"]), result.Value, $"{name} {key} psds");
        for (var c = 0; c < result.EventClasses.Count; c++)
        {
            var cls = result.EventClasses[c];
            Close(Number(expected["single_class_psds"]![cls]), result.SingleClassPsds[c], $"{name} {key} single_class_psds {cls}");
            var roc = expected["single_class_psd_rocs"]![cls]!;
            Close(Numbers(roc["tpr"]), result.SingleClassRocs[c].Tpr, $"{name} {key} {cls} tpr");
            Close(Numbers(roc["efpr"]), result.SingleClassRocs[c].Efpr, $"{name} {key} {cls} efpr");
            Close(Numbers(roc["scores"]), result.SingleClassRocs[c].Scores, $"{name} {key} {cls} scores");
        }
        Close(Numbers(expected["psd_roc"]!["etpr"]), result.Roc.Etpr, $"{name} {key} etpr");
        Close(Numbers(expected["psd_roc"]!["efpr"]), result.Roc.Efpr, $"{name} {key} efpr");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SegmentAuroc1sMatchesReference(string name) => CheckAuroc(name, "segment_auroc_1s", 1.0, null, false);

    [Theory]
    [MemberData(nameof(Cases))]
    public void SegmentAuroc03125sMatchesReference(string name) => CheckAuroc(name, "segment_auroc_0.3125s", 0.3125, null, false);

    [Theory]
    [MemberData(nameof(Cases))]
    public void SegmentPartialAurocMatchesReference(string name) => CheckAuroc(name, "segment_pauroc_1s_maxfpr0.1", 1.0, 0.1, false);

    [Theory]
    [MemberData(nameof(Cases))]
    public void SegmentPartialAurocMcClishMatchesReference(string name) => CheckAuroc(name, "segment_pauroc_1s_maxfpr0.1_mcclish", 1.0, 0.1, true);

    private static void CheckAuroc(string name, string key, double segmentLength, double? maxFpr, bool mcclish)
    {
        var f = Load(name);
        var entry = f.Result(key);
        var stable = entry["output_stable_argsort"]!["auroc"]!;
        var result = Roc.Auroc(f.Set, new SegmentOptions(segmentLength), maxFpr, mcclish);
        for (var c = 0; c < result.EventClasses.Count; c++)
        {
            Close(Number(stable[result.EventClasses[c]]), result.Auroc[c], $"{name} {key} {result.EventClasses[c]}");
        }
        Close(Number(stable["mean"]), result.Mean, $"{name} {key} mean");
        if (Number(entry["max_abs_difference_output_vs_stable"]) == 0)
        {
            Close(Number(entry["output"]!["auroc"]!["mean"]), result.Mean, $"{name} {key} mean as returned");
        }
        if (entry["output"]!["roc_curves"] is { } curves)
        {
            for (var c = 0; c < result.EventClasses.Count; c++)
            {
                var curve = curves[result.EventClasses[c]]!;
                Close(Numbers(curve["tpr"]), result.Curves[c].Tpr, $"{name} {key} {result.EventClasses[c]} tpr");
                Close(Numbers(curve["fpr"]), result.Curves[c].Fpr, $"{name} {key} {result.EventClasses[c]} fpr");
                Close(Numbers(curve["scores"]), result.Curves[c].Scores, $"{name} {key} {result.EventClasses[c]} scores");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SegmentF1MatchesReference(string name)
    {
        var f = Load(name);
        var result = SegmentFScore.Compute(f.Set, [0.5], new SegmentOptions(1.0));
        var stats = f.Result("segment_f1_1s_thr0.5")["output"]!["intermediate_statistics"]!;
        CheckSummary(name, "segment_f1_1s_thr0.5", result.Summary);
        for (var c = 0; c < result.Counts.Length; c++)
        {
            var s = stats[f.Set.EventClasses[c]]!;
            var n = result.Counts[c];
            Assert.Equal([Number(s["tps"]), Number(s["fps"]), Number(s["n_sys"]), Number(s["n_ref"]), Number(s["tns"])],
                new double[] { n.Tps, n.Fps, n.NSys, n.NRef, n.Tns });
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CollarF1MatchesReference(string name)
    {
        var f = Load(name);
        var result = CollarFScore.Compute(f.Set, [0.5], new Flam.Evaluation.CollarBased.CollarOptions(0.2, 0.2, 0.2));
        var stats = f.Result("collar_f1_thr0.5")["output"]!["intermediate_statistics"]!;
        CheckSummary(name, "collar_f1_thr0.5", result.Summary);
        for (var c = 0; c < result.Counts.Length; c++)
        {
            var s = stats[f.Set.EventClasses[c]]!;
            var n = result.Counts[c];
            Assert.Equal([Number(s["tps"]), Number(s["fps"]), Number(s["n_ref"])], new double[] { n.Tps, n.Fps, n.NRef });
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IntersectionF1MatchesReference(string name)
    {
        var f = Load(name);
        var result = IntersectionFScore.Compute(f.Set, [0.5], new IntersectionOptions(0.7, 0.7));
        var stats = f.Result("intersection_f1_thr0.5")["output"]!["intermediate_statistics"]!;
        CheckSummary(name, "intersection_f1_thr0.5", result.Summary);
        for (var c = 0; c < result.Counts.Length; c++)
        {
            var s = stats[f.Set.EventClasses[c]]!;
            var n = result.Counts[c];
            Assert.Equal([Number(s["tps"]), Number(s["fps"]), Number(s["cts"]), Number(s["n_ref"])], new double[] { n.Tps, n.Fps, n.Cts, n.NRef });
            Close(Number(s["t_ref"]), n.TRef, $"{name} t_ref");
            for (var o = 0; o < result.Counts.Length; o++)
            {
                if (o == c) continue;
                var other = f.Set.EventClasses[o];
                Assert.Equal(Number(s["n_ref_other"]![other]), f.Set.EventCount(o));
                Close(Number(s["t_ref_other"]![other]), f.Set.EventDuration(o), $"{name} t_ref_other {other}");
            }
        }
    }

    private static void CheckSummary(string name, string key, FScoreSummary summary)
    {
        var expected = Load(name).Result(key)["output"]!;
        foreach (var (metric, values, macro, micro) in new[]
        {
            ("fscore", summary.FScore, summary.MacroFScore, summary.MicroFScore),
            ("precision", summary.Precision, summary.MacroPrecision, summary.MicroPrecision),
            ("recall", summary.Recall, summary.MacroRecall, summary.MicroRecall),
        })
        {
            for (var c = 0; c < summary.EventClasses.Count; c++)
            {
                Close(Number(expected[metric]![summary.EventClasses[c]]), values[c], $"{name} {key} {metric} {summary.EventClasses[c]}");
            }
            Close(Number(expected[metric]!["macro_average"]), macro, $"{name} {key} {metric} macro");
            Close(Number(expected[metric]!["micro_average"]), micro, $"{name} {key} {metric} micro");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DetectionsMatchReference(string name)
    {
        var f = Load(name);
        var expected = f.Result("detections_thr0.5")["output"]!.AsObject();
        Assert.Equal(expected.Select(kv => kv.Key).Order(StringComparer.Ordinal), f.Scores.ClipIds);
        for (var clip = 0; clip < f.Scores.ClipIds.Count; clip++)
        {
            var events = EventDetection.Detect(f.Scores, clip, [0.5]);
            var want = expected[f.Scores.ClipIds[clip]]!.AsArray();
            Assert.Equal(want.Count, events.Count);
            for (var i = 0; i < events.Count; i++)
            {
                Assert.Equal(Number(want[i]![0]), events[i].Onset);
                Assert.Equal(Number(want[i]![1]), events[i].Offset);
                Assert.Equal(want[i]![2]!.GetValue<string>(), events[i].Label);
            }
        }
    }
}

/// <summary>Median filter outputs of the fixtures (case02: 3 frames; case06: per-class lengths on irregular frames).</summary>
public class MedianFilterFixtureTests
{
    public static IEnumerable<object[]> Cases => [["case02", "medfilt_3frames"], ["case06", "medfilt_per_class_lengths"]];

    [Theory]
    [MemberData(nameof(Cases))]
    public void MedianFilterMatchesReference(string name, string key)
    {
        var f = Load(name);
        var entry = f.Result(key);
        var lengthsNode = entry["kwargs"]!["filter_length_in_sec"]!;
        double[] lengths = lengthsNode is System.Text.Json.Nodes.JsonArray ? Numbers(lengthsNode) : [Number(lengthsNode)];
        var filtered = NegativeInfinityPaddedMedianFilter.Apply(f.Scores, lengths, 6);
        var expected = entry["output"]!;
        for (var clip = 0; clip < filtered.ClipIds.Count; clip++)
        {
            var id = filtered.ClipIds[clip];
            var want = expected[id]!;
            var stamps = Numbers(want["timestamps"]);
            var got = filtered.Timestamps(clip).ToArray();
            Assert.True(stamps.Length == got.Length, $"{name} {id}: {stamps.Length} timestamps expected, got {got.Length}: [{string.Join(", ", got)}]");
            for (var i = 0; i < stamps.Length; i++)
            {
                Assert.True(Math.Abs(stamps[i] - got[i]) <= 1e-9, $"{name} {id} timestamp {i}: expected {stamps[i]}, got {got[i]}");
            }
            var buffer = new double[got.Length - 1];
            for (var k = 0; k < filtered.EventClasses.Count; k++)
            {
                filtered.CopyScores(clip, k, buffer);
                Assert.Equal(Numbers(want["scores"]![filtered.EventClasses[k]]), buffer);
            }
        }
    }
}
