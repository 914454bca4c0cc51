using Flam.Audio;
using Flam.Synthesis;
using static Flam.Tests.Synthesis.SynthesisTestData;

namespace Flam.Tests.Synthesis;

public class EventActivityTests
{
    private static readonly LabelOptions Options = new();

    private static List<FrameRun> Label(float[] signal)
    {
        var powers = EventActivity.AnalysePowers(signal, new AWeightingFilter(Rate), Options);
        return EventActivity.Label(powers, powers.Max(), Options);
    }

    [Fact]
    public void SilentGapOf300MsSplitsTheEventInTwo()
    {
        var runs = Label(Concat(Tone(1.0), Silence(0.3), Tone(1.0)));
        // Frames are 25 ms (hop 1200 at 48 kHz): 40 frames of tone, a 12-frame gap (≥ 10, kept), 40 frames of tone.
        Assert.Equal([new FrameRun(0, 40), new FrameRun(52, 92)], runs);
    }

    [Fact]
    public void SilentGapOf100MsIsFilled()
    {
        var runs = Label(Concat(Tone(1.0), Silence(0.1), Tone(1.0)));
        var run = Assert.Single(runs);
        Assert.Equal(new FrameRun(0, 84), run);
    }

    [Fact]
    public void A20MsBlipInsideALongEventIsDropped()
    {
        // Tone, 0.5 s silence, a 20 ms blip inside frame 60, 0.5 s silence, tone: the blip lights one frame and goes.
        var signal = Concat(Tone(1.0), Silence(0.5), Tone(0.02), Silence(0.5), Tone(1.0));
        Assert.Equal([new FrameRun(0, 40), new FrameRun(80, 121)], Label(signal));
    }

    [Fact]
    public void A60MsBurstInsideALongEventIsKept()
    {
        var runs = Label(Concat(Tone(1.0), Silence(0.5), Tone(0.06), Silence(0.5), Tone(1.0)));
        Assert.Equal([new FrameRun(0, 40), new FrameRun(60, 63), new FrameRun(82, 123)], runs);
    }

    [Fact]
    public void ShortRunsSurviveInShortEvents()
    {
        // An event of ≤ 10 frames keeps even a one-frame run (C.4 removes short runs only in longer events).
        var runs = Label(Concat(Tone(0.02), Silence(0.16)));
        Assert.Equal(new FrameRun(0, 1), Assert.Single(runs));
    }

    [Fact]
    public void QuietPartsBelowTheThresholdAreInactive()
    {
        // −50 dB relative to the loud part: below the −40 dB threshold, so 1 s loud then inactive.
        var runs = Label(Concat(Tone(1.0, amplitude: 0.3), Tone(1.0, amplitude: 0.3 * Math.Pow(10, -50.0 / 20))));
        Assert.Equal(new FrameRun(0, 40), Assert.Single(runs));
        // −30 dB is above it: one run over both.
        runs = Label(Concat(Tone(1.0, amplitude: 0.3), Tone(1.0, amplitude: 0.3 * Math.Pow(10, -30.0 / 20))));
        Assert.Equal(new FrameRun(0, 80), Assert.Single(runs));
    }

    [Fact]
    public void WindowPowersMatchANaiveSum()
    {
        var x = Noise(0.5, 0.4, 7);
        var fast = EventActivity.WindowPowers(x, 2400, 1200);
        Assert.Equal(EventActivity.FrameCount(x.Length, 1200), fast.Length);
        for (var i = 0; i < fast.Length; i++)
        {
            double sum = 0;
            for (var n = i * 1200; n < i * 1200 + 2400; n++)
            {
                sum += n < x.Length ? (double)x[n] * x[n] : 0;
            }
            Assert.Equal(sum / 2400, fast[i], 9);
        }
    }

    [Fact]
    public void GapFillingThenRunRemovalFollowC4()
    {
        static bool[] F(string s) => s.Select(c => c == '1').ToArray();
        // A 9-frame gap between actives is filled, a 10-frame gap is not, edges are never filled; then the lone frame goes.
        var frames = F("00" + "11" + "000000000" + "1" + "0000000000" + "1" + "000");
        EventActivity.FillGaps(frames, 10);
        Assert.Equal(F("00" + "111111111111" + "0000000000" + "1" + "000"), frames);
        EventActivity.RemoveShortRuns(frames, 2, 10);
        Assert.Equal(F("00" + "111111111111" + "00000000000000"), frames);
    }
}
