using Flam.Inference;
using Flam.Model;

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

    [Fact]
    public void Model_timing_comes_from_the_audio_encoder_config()
    {
        var released = DetectionOptions.Default with { Threshold = 0.3 };
        Assert.Equal(released, released.ForModel(HtsatConfig.Base));

        // base-12hz: 128 frames per 10 s clip, 10 s / 128 = 0.078125 s = 3750 samples at 48 kHz.
        var twelveHz = released.ForModel(HtsatConfig.Base12Hz);
        twelveHz.Validate();
        Assert.Equal((0.3, 5.0, 10.0, 0.078125, 48000), (twelveHz.Threshold, twelveHz.HopSeconds, twelveHz.WindowSeconds, twelveHz.FrameSeconds, twelveHz.SampleRate));
        Assert.Equal((128, 64, 3750, 480000), (twelveHz.FramesPerWindow, twelveHz.HopFrames, twelveHz.FrameSamples, twelveHz.WindowSamples));

        // A 16 kHz encoder with 5 s clips: 32 frames of 0.15625 s = 2500 samples.
        var small = DetectionOptions.Default with { HopSeconds = 2.5 };
        var sixteenK = small.ForModel(HtsatConfig.Base with { SampleRate = 16000, ClipSamples = 80000 });
        Assert.Equal((16000, 5.0, 0.15625, 2500, 80000), (sixteenK.SampleRate, sixteenK.WindowSeconds, sixteenK.FrameSeconds, sixteenK.FrameSamples, sixteenK.WindowSamples));
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
