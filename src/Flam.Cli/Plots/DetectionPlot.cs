using Flam.Inference;
using Flam.IO;
using ScottPlot;

namespace Flam.Cli.Plots;

/// <summary>
/// The picture of a detection run (like OpenFLAM's <c>plot_sed_heatmap</c>): the log-mel spectrogram on top, then one
/// row per query with its calibrated probability over time, the threshold dashed and detected events shaded.
/// All rows share the time axis in seconds.
/// </summary>
public static class DetectionPlot
{
    private const int Width = 1400;
    private const int RowHeight = 190;
    private const int SpectrogramHeight = 300;

    /// <summary>Renders the figure for <paramref name="result"/> and writes it atomically as a PNG.</summary>
    /// <param name="path">Output PNG.</param>
    /// <param name="result">Detections of one recording.</param>
    /// <param name="logMel">Log-mel spectrogram of the recording, row-major <c>[frames, melBins]</c>, in dB.</param>
    /// <param name="melFrames">Spectrogram frames.</param>
    /// <param name="melBins">Mel bins.</param>
    /// <param name="melFrameSeconds">Seconds between spectrogram frames.</param>
    /// <param name="threshold">Detection threshold, drawn as a dashed line.</param>
    /// <param name="overwrite">Replace an existing file.</param>
    public static void SavePng(string path, DetectionResult result, ReadOnlySpan<float> logMel, int melFrames, int melBins, double melFrameSeconds, double threshold, bool overwrite)
    {
        var multiplot = new Multiplot();
        multiplot.Layout = new ScottPlot.MultiplotLayouts.DraggableRows();
        var spectrogram = multiplot.GetPlot(0);
        SpectrogramPlot.AddSpectrogram(spectrogram, logMel, melFrames, melBins, melFrameSeconds);
        spectrogram.Title($"{Path.GetFileName(result.Source)} ({result.Duration:0.##} s)");
        spectrogram.XLabel("");
        var plots = new List<Plot> { spectrogram };

        var colors = new ScottPlot.Palettes.Category10();
        for (var q = 0; q < result.Queries.Count; q++)
        {
            var detection = result.Queries[q];
            var plot = multiplot.AddPlot();
            plots.Add(plot);
            var color = colors.GetColor(q);
            foreach (var e in detection.Events)
            {
                var span = plot.Add.HorizontalSpan(e.Onset, e.Offset, color.WithAlpha(0.25));
                span.LineStyle.Width = 0;
            }
            // A step line: frame k holds its value from k·frame to (k+1)·frame.
            var n = detection.Smoothed.Length;
            var xs = new double[n + 1];
            var ys = new double[n + 1];
            for (var k = 0; k <= n; k++)
            {
                xs[k] = Math.Min(k * result.FrameSeconds, result.Duration);
                ys[k] = detection.Smoothed[Math.Min(k, n - 1)];
            }
            var line = plot.Add.ScatterLine(xs, ys, color);
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LineWidth = 2;
            plot.Add.HorizontalLine(threshold, 1, Colors.Gray, LinePattern.Dashed);
            plot.YLabel(Abbreviate(detection.Query));
            plot.Axes.SetLimitsY(-0.02, 1.02);
            plot.XLabel(q == result.Queries.Count - 1 ? "time (s)" : "");
        }
        if (result.Queries.Count == 0)
        {
            spectrogram.XLabel("time (s)");
        }

        foreach (var plot in plots)
        {
            plot.Axes.SetLimitsX(0, result.Duration);
            // Same left margin on every row so the time axes line up.
            plot.Layout.Fixed(new PixelPadding(110, 30, 40, 30));
        }
        var layout = (ScottPlot.MultiplotLayouts.DraggableRows)multiplot.Layout;
        layout.SetHeights([SpectrogramHeight, .. Enumerable.Repeat((float)RowHeight, result.Queries.Count)]);
        var height = SpectrogramHeight + RowHeight * result.Queries.Count;
        var bytes = multiplot.Render(Width, height).GetImageBytes(ImageFormat.Png);
        AtomicFile.Write(path, stream => stream.Write(bytes), overwrite);
    }

    private static string Abbreviate(string text) => text.Length <= 28 ? text : text[..25] + "...";
}
