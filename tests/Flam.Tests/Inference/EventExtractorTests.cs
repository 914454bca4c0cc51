using Flam.Inference;

namespace Flam.Tests.Inference;

public sealed class EventExtractorTests
{
    [Fact]
    public void Runs_strictly_above_threshold_become_events_with_max_and_mean()
    {
        float[] p = [0.1f, 0.6f, 0.8f, 0.5f, 0.7f, 0.2f, 0.9f];
        var events = EventExtractor.Extract("q", p, 0.3125, 2.1875, 0.5);
        Assert.Equal([(0.3125, 0.9375, 0.8f), (1.25, 1.5625, 0.7f), (1.875, 2.1875, 0.9f)], events.Select(e => (e.Onset, e.Offset, e.Max)));
        Assert.Equal([0.7f, 0.7f, 0.9f], events.Select(e => e.Mean), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.All(events, e => Assert.Equal("q", e.Query));
    }

    [Fact]
    public void Last_event_is_cut_at_the_duration_and_silence_gives_none()
    {
        Assert.Equal(1.0, Assert.Single(EventExtractor.Extract("q", [0f, 0.9f, 0.9f, 0.9f], 0.3125, 1.0, 0.5)).Offset);
        Assert.Empty(EventExtractor.Extract("q", [0.1f, 0.5f, float.NaN], 0.3125, 1.0, 0.5));
    }
}
