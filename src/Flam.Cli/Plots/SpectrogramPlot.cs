using Flam.IO;
using ScottPlot;

namespace Flam.Cli.Plots;

/// <summary>Draws log-mel spectrograms (time in seconds on x, mel bin on y, colour bar in dB) with ScottPlot.</summary>
public static class SpectrogramPlot
{
    /// <summary>Columns drawn at most; longer spectrograms are max-pooled over time so short events stay visible.</summary>
    public const int MaxColumns = 2400;

    /// <summary>Colour range below the loudest value: quieter cells share the darkest colour (display only).</summary>
    public const double DynamicRangeDb = 80;

    /// <summary>
    /// Adds a spectrogram panel to <paramref name="plot"/>.
    /// </summary>
    /// <param name="plot">The plot (or subplot) to draw into.</param>
    /// <param name="logMel">Log-mel values, row-major <c>[frames, melBins]</c>, in dB.</param>
    /// <param name="frames">Number of frames.</param>
    /// <param name="melBins">Number of mel bins.</param>
    /// <param name="frameSeconds">Time between frames (hop / sample rate); frame t is centred at <c>t * frameSeconds</c>.</param>
    /// <returns>The heatmap, e.g. for a colour bar.</returns>
    public static ScottPlot.Plottables.Heatmap AddSpectrogram(Plot plot, ReadOnlySpan<float> logMel, int frames, int melBins, double frameSeconds)
    {
        PlotFonts.EnsureRegistered();
        if (logMel.Length != (long)frames * melBins)
        {
            throw new ArgumentException($"Expected {frames} x {melBins} values, got {logMel.Length}.", nameof(logMel));
        }
        int pool = (frames + MaxColumns - 1) / MaxColumns;
        int columns = (frames + pool - 1) / pool;
        // Heatmap rows are drawn top to bottom: row 0 holds the highest mel bin.
        var image = new double[melBins, columns];
        double loudest = double.NegativeInfinity;
        for (int c = 0; c < columns; c++)
        {
            for (int m = 0; m < melBins; m++)
            {
                float max = float.NegativeInfinity;
                for (int t = c * pool; t < Math.Min(frames, (c + 1) * pool); t++)
                {
                    max = Math.Max(max, logMel[t * melBins + m]);
                }
                image[melBins - 1 - m, c] = max;
                loudest = Math.Max(loudest, max);
            }
        }
        var heatmap = plot.Add.Heatmap(image);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(loudest - DynamicRangeDb, loudest);
        // Each column covers pool frames centred on their frame times.
        double half = frameSeconds / 2;
        heatmap.Extent = new CoordinateRect(-half, (columns * pool - 1) * frameSeconds + half, -0.5, melBins - 0.5);
        plot.XLabel("time (s)");
        plot.YLabel("mel bin");
        plot.Axes.SetLimits(-half, (frames - 1) * frameSeconds + half, -0.5, melBins - 0.5);
        return heatmap;
    }

    /// <summary>Renders a single-panel spectrogram with a colour bar and writes it atomically as a PNG file.</summary>
    public static void SavePng(string path, ReadOnlySpan<float> logMel, int frames, int melBins, double frameSeconds, string title, bool overwrite, int width = 1400, int height = 500)
    {
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        var heatmap = AddSpectrogram(plot, logMel, frames, melBins, frameSeconds);
        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = "dB";
        plot.Title(title);
        WritePng(plot, path, width, height, overwrite);
    }

    /// <summary>
    /// A bare spectrogram strip as PNG bytes (no axes, labels or margins: time runs over the whole width), for pages that
    /// draw their own lanes under it.
    /// </summary>
    public static byte[] StripPng(float[] logMel, int frames, int melBins, double frameSeconds, int width, int height)
    {
        var plot = new Plot();
        AddSpectrogram(plot, logMel, frames, melBins, frameSeconds);
        plot.Axes.Frameless();
        plot.HideGrid();
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>Writes <paramref name="plot"/> as a PNG through <see cref="AtomicFile"/> (never half a file).</summary>
    public static void WritePng(Plot plot, string path, int width, int height, bool overwrite)
    {
        var bytes = plot.GetImageBytes(width, height, ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(bytes), overwrite);
    }
}
