using Flam.Inference;

namespace Flam.Tests.Inference;

public sealed class WindowAveragerTests
{
    private static readonly DetectionOptions Options = DetectionOptions.Default;

    private static (long[] Firsts, float[,,] Scores) Windows(int windows, int seed)
    {
        var random = new Random(seed);
        var frames = Options.FramesPerWindow;
        var scores = new float[windows, 1, frames];
        for (var w = 0; w < windows; w++)
        {
            for (var k = 0; k < frames; k++) scores[w, 0, k] = (float)random.NextDouble();
        }
        return ([.. Enumerable.Range(0, windows).Select(w => (long)w * Options.HopFrames)], scores);
    }

    [Fact]
    public void A_cleared_averager_gives_what_a_new_one_gives()
    {
        // The search reuses one averager range after range; nothing of a longer earlier range may leak into a shorter one.
        var (longFirsts, longScores) = Windows(9, seed: 1);
        var (firsts, scores) = Windows(4, seed: 2);
        var frameCount = (int)firsts[^1] + Options.FramesPerWindow;

        var fresh = new WindowAverager(Options, ["q"]);
        fresh.Add(firsts, scores);
        var reused = new WindowAverager(Options, ["q"]);
        reused.Add(longFirsts, longScores);
        reused.Clear();
        reused.Add(firsts, scores);

        Assert.Equal(fresh.Means("a", 0, 0, frameCount), reused.Means("a", 0, 0, frameCount));
        // Frames past the shorter range are uncovered again.
        Assert.Throws<InvalidOperationException>(() => reused.Means("a", 0, 0, frameCount + 1));
    }

    [Fact]
    public void Means_average_the_covering_windows()
    {
        var (firsts, scores) = Windows(3, seed: 3);
        var averager = new WindowAverager(Options, ["q"]);
        averager.Add(firsts, scores);
        var means = averager.Means("a", 0, 0, (int)firsts[^1] + Options.FramesPerWindow);
        var hop = Options.HopFrames;
        // Frame hop + 1 lies in windows 0 and 1 (10 s windows every 5 s).
        Assert.Equal((scores[0, 0, hop + 1] + scores[1, 0, 1]) / 2, means[hop + 1], 6);
        Assert.Equal(scores[0, 0, 1], means[1], 6);
    }
}
