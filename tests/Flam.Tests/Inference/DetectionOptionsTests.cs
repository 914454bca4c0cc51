using Flam.Inference;

namespace Flam.Tests.Inference;

public sealed class DetectionOptionsTests
{
    [Fact]
    public void Defaults_are_the_papers_and_consistent()
    {
        var o = DetectionOptions.Default;
        o.Validate();
        Assert.Equal((0.5, 3, 5.0, 10.0, 0.3125), (o.Threshold, o.MedianFrames, o.HopSeconds, o.WindowSeconds, o.FrameSeconds));
        Assert.Equal((32, 16, 15000, 480000, 240000), (o.FramesPerWindow, o.HopFrames, o.FrameSamples, o.WindowSamples, o.HopSamples));
    }

    public static TheoryData<DetectionOptions, string> Invalid => new()
    {
        { DetectionOptions.Default with { Threshold = 0 }, "threshold" },
        { DetectionOptions.Default with { Threshold = 1 }, "threshold" },
        { DetectionOptions.Default with { Threshold = double.NaN }, "threshold" },
        { DetectionOptions.Default with { MedianFrames = 2 }, "median" },
        { DetectionOptions.Default with { MedianFrames = 0 }, "median" },
        { DetectionOptions.Default with { HopSeconds = 4 }, "hop" },
        { DetectionOptions.Default with { HopSeconds = 0 }, "hop" },
        { DetectionOptions.Default with { HopSeconds = 20 }, "hop" },
        { DetectionOptions.Default with { WindowSeconds = 10.1 }, "window" },
        { DetectionOptions.Default with { FrameSeconds = 1e-7 }, "frame" },
        { DetectionOptions.Default with { WindowBatchSize = 0 }, "batch" },
        { DetectionOptions.Default with { SampleRate = 0 }, "sample rate" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Inconsistent_options_are_rejected_by_name(DetectionOptions options, string name)
    {
        var e = Assert.Throws<FlamException>(options.Validate);
        Assert.Contains(name, e.Message);
    }

    [Theory]
    [InlineData(10.0)]
    [InlineData(2.5)]
    [InlineData(0.3125)]
    public void Hops_on_the_frame_grid_are_accepted(double hop) => (DetectionOptions.Default with { HopSeconds = hop }).Validate();
}
