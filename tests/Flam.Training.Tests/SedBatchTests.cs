using Flam.IO;
using Flam.Training;
using TorchSharp;

namespace Flam.Tests.Training;

[Collection(TorchCollection.Name)]
public class SedBatchTests
{
    private static ManifestEvent E(string text, double on, double off) => new(text, on, off);

    [Fact]
    public void UnionIsDeduplicatedAfterLowerCasingAndClipsAreNegativeForOtherTexts()
    {
        using var scope = torch.NewDisposeScope();
        var clips = new IReadOnlyList<ManifestEvent>?[]
        {
            [E("Dog barking", 0, 1.25), E("car horn", 5, 10)],
            [E("dog barking ", 2.5, 3.75)],
        };
        using var batch = SedBatchBuilder.Build(clips, 2, new SedBatchOptions(TextSlotsPerClip: 2, Frames: 8));
        Assert.Equal(["dog barking", "car horn", "", ""], batch.Texts);
        Assert.Equal(2, batch.TextCount);
        Assert.Equal([1f, 1f, 0f, 0f], batch.TextMask.data<float>().ToArray());
        Assert.Equal([1f, 1f], batch.AudioMask.data<float>().ToArray());
        // 8 frames of 1.25 s: [0, 1.25) -> frame 0; [5, 10) -> frames 4..7; [2.5, 3.75) -> frame 2.
        Assert.Equal([1f, 0, 0, 0, 0, 0, 0, 0], batch.Labels[0, 0].data<float>().ToArray());
        Assert.Equal([0f, 0, 0, 0, 1, 1, 1, 1], batch.Labels[0, 1].data<float>().ToArray());
        Assert.Equal([0f, 0, 1, 0, 0, 0, 0, 0], batch.Labels[1, 0].data<float>().ToArray());
        Assert.Equal(0f, batch.Labels[1, 1].sum().item<float>());
        Assert.Equal(0f, batch.Labels.narrow(1, 2, 2).sum().item<float>());
    }

    [Theory]
    [InlineData(0.0, 0.625, true)]    // exactly half of frame 0 (1.25 s frames)
    [InlineData(0.0, 0.6, false)]     // a bit less than half
    [InlineData(0.7, 1.9, true)]      // 0.55 s of frame 0 is < half, but 0.65 s of frame 1 is > half -> only frame 1
    public void FrameIsPositiveWhenAtLeastHalfCovered(double on, double off, bool frameOneOrZeroPositive)
    {
        using var scope = torch.NewDisposeScope();
        using var batch = SedBatchBuilder.Build([[E("x", on, off)]], 1, new SedBatchOptions(TextSlotsPerClip: 1, Frames: 8));
        var row = batch.Labels[0, 0].data<float>().ToArray();
        if (on == 0.7)
        {
            Assert.Equal([0f, 1, 0, 0, 0, 0, 0, 0], row);
        }
        else
        {
            Assert.Equal(frameOneOrZeroPositive ? 1f : 0f, row[0]);
            Assert.Equal(0f, row.Skip(1).Sum());
        }
    }

    [Fact]
    public void ClipsWhoseTextsDoNotFitAreDroppedAndCounted()
    {
        using var scope = torch.NewDisposeScope();
        var clips = new IReadOnlyList<ManifestEvent>?[]
        {
            [E("a", 0, 1), E("b", 0, 1)],
            [E("c", 0, 1), E("d", 0, 1)], // would need slots 3 and 4 of 3
            [E("A", 2, 3)],                // already known text: fits
        };
        using var batch = SedBatchBuilder.Build(clips, 3, new SedBatchOptions(TextSlotsPerClip: 1, Frames: 4));
        Assert.Equal([1], batch.DroppedClips);
        Assert.Equal([1f, 0f, 1f], batch.AudioMask.data<float>().ToArray());
        Assert.Equal(["a", "b", ""], batch.Texts);
        Assert.Equal(0f, batch.Labels[1].sum().item<float>());
    }

    [Fact]
    public void ShortFinalBatchIsPaddedWithMaskedClips()
    {
        using var scope = torch.NewDisposeScope();
        using var batch = SedBatchBuilder.Build([[E("a", 0, 10)], null], 4, new SedBatchOptions());
        Assert.Equal([4L, 20L, 32L], batch.Labels.shape);
        Assert.Equal([1f, 0f, 0f, 0f], batch.AudioMask.data<float>().ToArray());
        Assert.Equal(32f, batch.Labels.sum().item<float>());
    }

    [Fact]
    public void EventsAreShiftedAndClippedToTheWindow()
    {
        var events = SedBatchBuilder.EventsInWindow([E("a", 1, 3), E("b", 9, 14), E("c", 20, 21)], start: 2, length: 10);
        Assert.Equal([E("a", 0, 1), E("b", 7, 10)], events);
    }

    [Fact]
    public void StageTextsFollowThePaper()
    {
        var entry = new ManifestEntry("x.wav", 10, ["A Dog Barks"], ["Dog"]);
        Assert.Equal("a dog barks, dog", TrainingText.Stage1(entry, new Random(1)));
        var random = new Random(7);
        var texts = Enumerable.Range(0, 400).Select(_ => TrainingText.Stage2(entry, random)).ToList();
        int tags = texts.Count(t => t == "dog");
        Assert.Equal(400, tags + texts.Count(t => t == "a dog barks"));
        Assert.InRange(tags, 160, 240);
        Assert.Null(TrainingText.Stage1(new ManifestEntry("x.wav", 10, [], []), new Random(1)));
    }
}
