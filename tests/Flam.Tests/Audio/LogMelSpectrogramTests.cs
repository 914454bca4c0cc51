using Flam.Audio;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Flam.Tests.Audio;

/// <summary>The log-mel front end against the torchlibrosa reference (Fixtures/model/frontend) and its direct-DFT twin.</summary>
[Collection(TorchCollection.Name)]
public class LogMelSpectrogramTests(FrontendReference reference, ITestOutputHelper output) : IClassFixture<FrontendReference>
{
    [Fact]
    public void MelFilterBankMatchesLibrosa()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var diff = (frontEnd.MelFilters - reference.MelW).abs();
        double max = diff.max().item<float>();
        output.WriteLine($"mel matrix max |diff| = {max:G3}");
        Assert.True(max <= 1e-6, $"mel matrix deviates by {max}");
    }

    [Fact]
    public void WindowIsScipyPeriodicHann()
    {
        Assert.Equal(reference.HannWindow.data<float>().ToArray(), MelFilterBank.PeriodicHann(1024));
    }

    [Fact]
    public void LogMelMatchesTorchlibrosaOnAllFourClips()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var logMel = frontEnd.forward(reference.Waveform);
        Assert.Equal(new long[] { 4, 1001, 64 }, logMel.shape);
        for (int clip = 0; clip < 4; clip++)
        {
            var (loud, quiet) = FrontendReference.AssertLogMelClose(reference.LogMel[clip], logMel[clip], FrontendReference.ClipNames[clip]);
            output.WriteLine($"{FrontendReference.ClipNames[clip]}: max |diff| {loud:G3} dB above -60 dB, {quiet:G3} dB elsewhere");
        }
    }

    [Fact]
    public void PowerSpectrogramMatchesTorchlibrosaFirstFrames()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var power = frontEnd.PowerSpectrogram(reference.Waveform)[.., ..16].to(float64);
        var expected = reference.PowerFirst16.to(float64);
        // Relative to each frame's largest bin: tiny bins carry the absolute rounding of a 1024-tap sum.
        using var tiny = 1e-20.ToScalar();
        var scale = expected.amax([-1], keepdim: true).clamp_min(tiny);
        double max = ((power - expected).abs() / scale).max().item<double>();
        output.WriteLine($"power spectrogram (first 16 frames) max |diff| / frame peak = {max:G3}");
        Assert.True(max < 1e-5, $"power spectrogram deviates by {max} relative to the frame peak");
    }

    [Fact]
    public void FftPathEqualsDirectDft()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var naive = new DirectDftLogMel(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var x = reference.Waveform;
        var fast = frontEnd.PowerSpectrogram(x).to(float64);
        var slow = naive.PowerSpectrogram(x).to(float64);
        using var tiny = 1e-20.ToScalar();
        var scale = slow.amax([-1], keepdim: true).clamp_min(tiny);
        double maxPower = ((fast - slow).abs() / scale).max().item<double>();
        output.WriteLine($"FFT vs direct DFT: power max |diff| / frame peak = {maxPower:G3}");
        Assert.True(maxPower < 1e-5, $"power spectrogram differs from the direct DFT by {maxPower} relative to the frame peak");
        FrontendReference.AssertLogMelClose(naive.LogMel(x), frontEnd.forward(x), "FFT vs direct DFT");
    }

    [Fact]
    public void FftPathEqualsDirectDftWithAShortWindowAndFiltersUpToNyquist()
    {
        // 16 kHz, 400-sample window centred in a 512-point FFT, filters up to 8 kHz: every bin is weighted.
        var options = LogMelOptions.Flam with { SampleRate = 16000, FftSize = 512, WindowLength = 400, HopLength = 160, MelBins = 40, FMin = 0, FMax = 8000 };
        using var frontEnd = new LogMelSpectrogram(options);
        using var naive = new DirectDftLogMel(options);
        using var scope = NewDisposeScope();
        var x = reference.Waveform[.., ..32000];
        var fast = frontEnd.forward(x);
        Assert.Equal(new long[] { 4, 201, 40 }, fast.shape);
        FrontendReference.AssertLogMelClose(naive.LogMel(x), fast, "16 kHz settings vs direct DFT");
    }

    [Fact]
    public void BatchRowsEqualSingleClips()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var batch = frontEnd.forward(reference.Waveform);
        for (int clip = 0; clip < 4; clip++)
        {
            var single = frontEnd.forward(reference.Waveform[clip..(clip + 1)]);
            Assert.True(single[0].allclose(batch[clip], rtol: 0, atol: 1e-4), $"clip {clip} differs alone and in a batch");
        }
    }

    [Theory]
    [InlineData(1, 37)]      // chunk boundaries inside the clip, reflect padding at both ends
    [InlineData(2, 1001)]    // one chunk
    [InlineData(3, 5000)]    // chunk longer than the clip
    public void ChunkedTransformEqualsBatchForward(int clip, int framesPerChunk)
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var waveform = reference.Waveform[clip];
        var whole = frontEnd.forward(waveform.unsqueeze(0))[0];
        var chunked = frontEnd.Transform(waveform.data<float>().ToArray(), framesPerChunk);
        Assert.Equal(whole.shape, chunked.shape);
        double max = (whole - chunked).abs().max().item<float>();
        Assert.True(max < 1e-4, $"chunked log-mel differs by {max} dB");
    }

    [Theory]
    [InlineData(48000, 1, 1)]        // length a multiple of the hop; one-sample blocks, one-frame chunks
    [InlineData(48000, 4097, 3)]
    [InlineData(30001, 480, 64)]
    [InlineData(30001, 7, 5000)]     // everything waits for the end
    [InlineData(300, 7, 2)]          // shorter than one frame
    [InlineData(513, 100, 1)]        // exactly the minimum
    public void StreamedBlocksGiveTheSameLogMelAsTheWholeWaveform(int length, int blockSize, int framesPerChunk)
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var samples = reference.Waveform[3, 100000..(100000 + length)].data<float>().ToArray();
        var blocks = samples.Chunk(blockSize).Select(b => new ReadOnlyMemory<float>(b));
        var streamed = frontEnd.Transform(blocks, framesPerChunk);
        var whole = frontEnd.forward(tensor(samples).unsqueeze(0))[0];
        Assert.Equal(whole.shape, streamed.shape);
        double max = (whole - streamed).abs().max().item<float>();
        Assert.True(max < 1e-4, $"streamed log-mel differs by {max} dB");
    }

    [Fact]
    public void ChunkedTransformPadsShortClipsLikeForward()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        var clip = reference.Waveform[3, 2000..2300];
        var whole = frontEnd.forward(clip.unsqueeze(0))[0];
        var chunked = frontEnd.Transform(clip.data<float>().ToArray());
        Assert.Equal(new long[] { 2, 64 }, chunked.shape);
        Assert.True(whole.allclose(chunked, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void WindowAndMelMatrixStayOutOfTheStateDict()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        Assert.Empty(frontEnd.state_dict());
        // Moving the module (a real copy: float64) must keep the buffers non-persistent and move them along.
        frontEnd.to(float64);
        Assert.Empty(frontEnd.state_dict());
        Assert.Equal(float64, frontEnd.Window.dtype);
        Assert.Equal(float64, frontEnd.MelFilters.dtype);
        using var scope = NewDisposeScope();
        var y = frontEnd.forward(zeros(1, 4800));
        Assert.Equal(float64, y.dtype);
    }

    /// <summary>How the model uses it: as a submodule, moved and saved with its parent.</summary>
    private sealed class Encoder : nn.Module<Tensor, Tensor>
    {
        private readonly LogMelSpectrogram logmel_extractor = new(LogMelOptions.Flam);
        private readonly TorchSharp.Modules.Linear head = nn.Linear(64, 2);

        public Encoder() : base(nameof(Encoder)) => RegisterComponents();

        public override Tensor forward(Tensor waveform) => head.forward(logmel_extractor.forward(waveform));
    }

    [Fact]
    public void AsASubmoduleItFollowsItsParentAndStaysOutOfItsStateDict()
    {
        using var encoder = new Encoder();
        Assert.Equal(["head.weight", "head.bias"], encoder.state_dict().Keys);
        encoder.to(float64);
        Assert.Equal(["head.weight", "head.bias"], encoder.state_dict().Keys);
        using var scope = NewDisposeScope();
        var y = encoder.forward(zeros(2, 4800, dtype: float64));
        Assert.Equal(new long[] { 2, 11, 2 }, y.shape);
        Assert.Equal(float64, y.dtype);
    }

    [Fact]
    public void ShortClipIsZeroPaddedToTheMinimumLength()
    {
        var options = LogMelOptions.Flam;
        Assert.Equal(513, options.MinimumSamples);
        using var frontEnd = new LogMelSpectrogram(options);
        using var scope = NewDisposeScope();
        var clip = reference.Waveform[1, 1000..1100].unsqueeze(0); // 100 samples of the sine + chirp
        var logMel = frontEnd.forward(clip);
        Assert.Equal(new long[] { 1, 2, 64 }, logMel.shape);
        Assert.Equal(2, options.FrameCount(100));
        // Defined as: the same clip followed by zeros up to 513 samples, through the ordinary (direct DFT) path.
        var padded = cat([clip, zeros(1, 413)], 1);
        using var naive = new DirectDftLogMel(options);
        FrontendReference.AssertLogMelClose(naive.LogMel(padded), logMel, "100-sample clip");
        Assert.True(logMel.max().item<float>() > -60, "the short clip's energy is not lost");
    }

    [Fact]
    public void EmptyOrWronglyShapedInputIsRejected()
    {
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => frontEnd.forward(zeros(1, 0)));
        Assert.Throws<ArgumentException>(() => frontEnd.forward(zeros(4800)));
    }

    [Fact]
    public void FrameCountFollowsCentredFraming()
    {
        Assert.Equal(1001, LogMelOptions.Flam.FrameCount(480000));
        Assert.Equal(2, LogMelOptions.Flam.FrameCount(513));
        Assert.Equal(3, LogMelOptions.Flam.FrameCount(960));
        Assert.Equal(1, (LogMelOptions.Flam with { Center = false }).FrameCount(1024));
    }

    [Theory]
    [InlineData("SampleRate")]
    [InlineData("HopLength")]
    [InlineData("WindowLength")]
    [InlineData("FMax")]
    [InlineData("AMin")]
    public void ValidationNamesTheBadSetting(string setting)
    {
        var bad = setting switch
        {
            "SampleRate" => LogMelOptions.Flam with { SampleRate = 0 },
            "HopLength" => LogMelOptions.Flam with { HopLength = -1 },
            "WindowLength" => LogMelOptions.Flam with { WindowLength = 2048 },
            "FMax" => LogMelOptions.Flam with { FMax = 30000 },
            _ => LogMelOptions.Flam with { AMin = 0 },
        };
        var e = Assert.Throws<ArgumentException>(() => bad.Validate());
        Assert.Contains(setting, e.Message);
        Assert.Throws<ArgumentException>(() => new LogMelSpectrogram(bad));
    }
}
