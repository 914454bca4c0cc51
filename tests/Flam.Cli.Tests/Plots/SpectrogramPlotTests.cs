using System.Buffers.Binary;
using Flam.Cli.Plots;
using Flam.Tests.Audio;

namespace Flam.Tests.Cli;

/// <summary>The spectrogram picture; the reference log-mel comes from <see cref="FrontendReference"/> (libtorch).</summary>
[Collection(TorchCollection.Name)]
public class SpectrogramPlotTests(FrontendReference reference) : IClassFixture<FrontendReference>
{
    [Fact]
    public void WritesAPngOfTheRequestedSize()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir, "spectrogram.png");
        using var clip = reference.LogMel[1];
        var logMel = clip.data<float>().ToArray();
        SpectrogramPlot.SavePng(path, logMel, 1001, 64, 0.01, "sine_1kHz_plus_chirp", overwrite: false, width: 900, height: 400);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        // IHDR: width and height, big-endian, at bytes 16..23.
        Assert.Equal(900, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        Assert.Equal(["spectrogram.png"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public void LongSpectrogramsArePooledNotDropped()
    {
        // 3 x MaxColumns frames of silence with one loud frame: the pooled picture must still contain it.
        int frames = 3 * SpectrogramPlot.MaxColumns;
        var logMel = Enumerable.Repeat(-100f, frames * 64).ToArray();
        logMel[4001 * 64 + 10] = 20f;
        var plot = new ScottPlot.Plot();
        var heatmap = SpectrogramPlot.AddSpectrogram(plot, logMel, frames, 64, 0.01);
        Assert.Equal(SpectrogramPlot.MaxColumns, heatmap.Intensities.GetLength(1));
        Assert.Equal(20.0, heatmap.Intensities[64 - 1 - 10, 4001 / 3]);
    }
}
