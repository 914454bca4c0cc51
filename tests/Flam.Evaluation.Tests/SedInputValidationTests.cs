using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;

namespace Flam.Tests.Evaluation;

/// <summary>Bad score files, ground truth and durations each give a FlamException naming the file and problem.</summary>
public class SedInputValidationTests
{
    private const string Header = "onset\toffset\tA\tB\n";

    private static TempDirectory Dir(params (string Name, string Text)[] files)
    {
        var dir = FixturePaths.NewTempDirectory();
        foreach (var (name, text) in files)
        {
            File.WriteAllText(Path.Combine(dir, name), text);
        }
        return dir;
    }

    private static FlamException ReadScoresFails(string text, string file = "clip.tsv")
    {
        using var dir = Dir((file, text));
        return Assert.Throws<FlamException>(() => SedTsv.ReadScores(dir));
    }

    [Fact]
    public void RejectedGroundTruthOfCase03IsRejectedLikeTheReference()
    {
        var f = MetricFixture.Load("case03");
        var gt = SedTsv.ReadGroundTruth(Path.Combine(f.Folder, "ground_truth_overlapping.tsv"));
        var error = Assert.Throws<FlamException>(() => SedEvaluationSet.Create(f.Scores, gt, f.Durations));
        var reference = f.Result("rejected_ground_truth")["reference_behaviour"]!["psds1"]!["message"]!.GetValue<string>();
        Assert.Contains(reference, error.Message);
        Assert.Contains("ground_truth_overlapping.tsv", error.Message);
    }

    [Fact]
    public void MergingOverlappingGroundTruthGivesTheUnionFileResults()
    {
        var f = MetricFixture.Load("case03");
        var gt = SedTsv.ReadGroundTruth(Path.Combine(f.Folder, "ground_truth_overlapping.tsv"));
        var merged = SedEvaluationSet.Create(f.Scores, gt, f.Durations, new SedEvaluationOptions(MergeOverlapping: true));
        var expected = MetricFixture.Number(f.Result("psds1")["output"]!["psds"]);
        MetricFixture.Close(expected, Psds.Compute(merged, PsdsOptions.Psds1).Value, "psds1 on merged ground truth");
        for (var k = 0; k < f.Set.EventClasses.Count; k++)
        {
            Assert.Equal(f.Set.EventCount(k), merged.EventCount(k));
        }
    }

    [Fact]
    public void MismatchingClipIdsAreListedInOneError()
    {
        var f = MetricFixture.Load("case01");
        var gt = new SedGroundTruth([new("clip_a", [new SedEvent(0, 1, "Dog"), new SedEvent(2, 3, "Speech")]), new("clip_x", [])], "gt.tsv");
        var error = Assert.Throws<FlamException>(() => SedEvaluationSet.Create(f.Scores, gt, null));
        Assert.Contains("clip_b", error.Message);
        Assert.Contains("clip_x", error.Message);
        Assert.Contains("gt.tsv", error.Message);
    }

    [Fact]
    public void DurationsWithOtherClipsAreRejected()
    {
        var f = MetricFixture.Load("case01");
        var durations = new SedDurations(new Dictionary<string, double> { ["clip_a"] = 60 }, "durations.tsv");
        var error = Assert.Throws<FlamException>(() => SedEvaluationSet.Create(f.Scores, f.GroundTruth, durations));
        Assert.Contains("clip_b", error.Message);
        Assert.Contains("durations.tsv", error.Message);
    }

    [Fact]
    public void ClassWithoutAnyEventIsRejected()
    {
        var f = MetricFixture.Load("case01");
        var gt = new SedGroundTruth([new("clip_a", [new SedEvent(0, 1, "Dog")]), new("clip_b", [])], "gt.tsv");
        var error = Assert.Throws<FlamException>(() => SedEvaluationSet.Create(f.Scores, gt, null));
        Assert.Contains("'Speech'", error.Message);
    }

    [Fact]
    public void UnknownLabelIsRejected()
    {
        var f = MetricFixture.Load("case01");
        var gt = new SedGroundTruth([new("clip_a", [new SedEvent(0, 1, "Cat")]), new("clip_b", [])], "gt.tsv");
        Assert.Contains("'Cat'", Assert.Throws<FlamException>(() => SedEvaluationSet.Create(f.Scores, gt, null)).Message);
    }

    [Fact]
    public void EmptyScoreFolderIsRejected()
    {
        using var dir = FixturePaths.NewTempDirectory();
        Assert.Contains("no .tsv", Assert.Throws<FlamException>(() => SedTsv.ReadScores(dir)).Message);
        Assert.Contains("does not exist", Assert.Throws<FlamException>(() => SedTsv.ReadScores(Path.Combine(dir, "missing"))).Message);
    }

    [Fact]
    public void NanScoreNamesFileRowAndClass()
    {
        var error = ReadScoresFails(Header + "0.0\t1.0\t0.1\t0.2\n1.0\t2.0\tnan\t0.3\n");
        Assert.Contains("clip.tsv:3", error.Message);
        Assert.Contains("'A'", error.Message);
        Assert.Contains("NaN", error.Message);
    }

    [Fact]
    public void NonContiguousOrOverlappingFramesAreRejected()
    {
        Assert.Contains("clip.tsv:3", ReadScoresFails(Header + "0.0\t1.0\t0.1\t0.2\n0.5\t2.0\t0.1\t0.3\n").Message);
        Assert.Contains("clip.tsv:3", ReadScoresFails(Header + "0.0\t1.0\t0.1\t0.2\n1.5\t2.0\t0.1\t0.3\n").Message);
        Assert.Contains("clip.tsv:2", ReadScoresFails(Header + "1.0\t1.0\t0.1\t0.2\n").Message);
    }

    [Fact]
    public void MissingClassColumnInOneFileIsRejected()
    {
        using var dir = Dir(("a.tsv", Header + "0.0\t1.0\t0.1\t0.2\n"), ("b.tsv", "onset\toffset\tA\n0.0\t1.0\t0.1\n"));
        var error = Assert.Throws<FlamException>(() => SedTsv.ReadScores(dir));
        Assert.Contains("b.tsv", error.Message);
        Assert.Contains("missing: B", error.Message);
    }

    [Fact]
    public void BadHeaderAndUnparsableNumbersAreRejected()
    {
        Assert.Contains("header", ReadScoresFails("start\tend\tA\n0\t1\t0.5\n").Message);
        Assert.Contains("not a number", ReadScoresFails(Header + "0.0\t1.0\tx\t0.2\n").Message);
    }

    [Fact]
    public void GroundTruthOnsetNotBeforeOffsetIsRejected()
    {
        using var dir = Dir(("gt.tsv", "filename\tonset\toffset\tevent_label\nclip.wav\t2.0\t2.0\tA\n"));
        var error = Assert.Throws<FlamException>(() => SedTsv.ReadGroundTruth(Path.Combine(dir, "gt.tsv")));
        Assert.Contains("gt.tsv:2", error.Message);
        Assert.Contains("not before", error.Message);
    }

    [Fact]
    public void GroundTruthWithoutColumnsAndDurationsWithBadValuesAreRejected()
    {
        using var dir = Dir(("gt.tsv", "filename\tonset\toffset\nclip.wav\t0\t1\n"), ("d.tsv", "filename\tduration\nclip.wav\t-1\n"));
        Assert.Contains("event_label", Assert.Throws<FlamException>(() => SedTsv.ReadGroundTruth(Path.Combine(dir, "gt.tsv"))).Message);
        Assert.Contains("d.tsv:2", Assert.Throws<FlamException>(() => SedTsv.ReadDurations(Path.Combine(dir, "d.tsv"))).Message);
    }

    [Fact]
    public void GroundTruthRowsWithoutEventsMakeEmptyClips()
    {
        using var dir = Dir(("gt.tsv", "filename\tonset\toffset\tevent_label\nclip_000.wav\t\t\t\nclip_001.wav\t0.5\t1.5\tA\n"));
        var gt = SedTsv.ReadGroundTruth(Path.Combine(dir, "gt.tsv"));
        Assert.Equal(["clip_000", "clip_001"], gt.Clips.Select(c => c.Key));
        Assert.Empty(gt.Clips[0].Value);
        Assert.Equal(new SedEvent(0.5, 1.5, "A"), Assert.Single(gt.Clips[1].Value));
    }
}
