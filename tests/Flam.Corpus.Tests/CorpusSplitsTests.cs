using Flam.Synthesis.Corpus;

namespace Flam.Tests.Synthesis.Corpus;

public sealed class CorpusSplitsTests
{
    private static readonly CorpusOptions Options = new() { OutputDirectory = "o", CacheDirectory = "c" };

    [Fact]
    public void SplitDependsOnlyOnItsOwnNames()
    {
        var first = Enumerable.Range(0, 300).Select(i => CorpusSplits.Assign("pkg", $"fam{i}", $"label{i % 40}", true, Options)).ToArray();
        // Recomputed in reverse order, interleaved with unrelated calls: same answers.
        var second = new string[300];
        for (var i = 299; i >= 0; i--)
        {
            _ = CorpusSplits.Assign("other", $"x{i}", "y", false, Options);
            second[i] = CorpusSplits.Assign("pkg", $"fam{i}", $"label{i % 40}", true, Options);
        }
        Assert.Equal(first, second);
    }

    [Fact]
    public void HeldOutLabelsNeverReachTraining()
    {
        var heldOut = Enumerable.Range(0, 2000).Select(i => $"label {i}").Where(l => CorpusSplits.IsHeldOutLabel(l, Options)).ToList();
        // 10 % of 2000 labels: binomial sd ≈ 13, so 200 ± 60 is a > 4-sigma band.
        Assert.InRange(heldOut.Count, 140, 260);
        foreach (var label in heldOut.Take(50))
        {
            for (var f = 0; f < 20; f++)
            {
                Assert.Equal(SplitNames.UnseenLabel, CorpusSplits.Assign("pkg", $"family {f}", label, isEvent: true, Options));
            }
        }
    }

    [Fact]
    public void BackgroundsAreSplitByRecordingOnly()
    {
        var label = Enumerable.Range(0, 1000).Select(i => $"label {i}").First(l => CorpusSplits.IsHeldOutLabel(l, Options));
        var splits = Enumerable.Range(0, 200).Select(f => CorpusSplits.Assign("pkg", $"family {f}", label, isEvent: false, Options)).ToList();
        Assert.DoesNotContain(SplitNames.UnseenLabel, splits);
        Assert.Contains(SplitNames.Train, splits);
    }

    [Fact]
    public void FractionsAreRespected()
    {
        var options = Options with { HeldOutLabelFraction = 0 };
        var splits = Enumerable.Range(0, 10000).Select(f => CorpusSplits.Assign("pkg", $"family {f}", "x", true, options)).ToList();
        // Expected 1000 test and 500 validation; bands of about 5 sigma.
        Assert.InRange(splits.Count(s => s == SplitNames.Test), 850, 1150);
        Assert.InRange(splits.Count(s => s == SplitNames.Validation), 390, 610);
        Assert.Equal(10000, splits.Count(s => s is SplitNames.Train or SplitNames.Test or SplitNames.Validation));
    }
}
