using Flam.Audio;
using Flam.IO;
using Flam.Runtime;
using ScottPlot;

namespace Flam.Cli.Plots;

/// <summary>A mixture's log-mel spectrogram with its labelled events drawn as one lane per text above it.</summary>
public static class SynthesisPlot
{
    private const double LaneHeight = 6;

    /// <summary>Renders <paramref name="entry"/> (a manifest line whose audio is <paramref name="audioPath"/>) to a PNG.</summary>
    public static void SavePng(string path, string audioPath, ManifestEntry entry, string title, bool overwrite, int width = 1400, int height = 620)
    {
        var options = LogMelOptions.Flam;
        var samples = AudioFile.Load(audioPath, options.SampleRate);
        float[] values;
        int frames;
        TorchRuntime.EnsureLoaded();
        using (var frontEnd = new LogMelSpectrogram(options))
        {
            using var logMel = frontEnd.Transform(samples);
            frames = (int)logMel.shape[0];
            values = logMel.data<float>().ToArray();
        }
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        var frameSeconds = (double)options.HopLength / options.SampleRate;
        var heatmap = SpectrogramPlot.AddSpectrogram(plot, values, frames, options.MelBins, frameSeconds);
        plot.Add.ColorBar(heatmap).Label = "dB";

        var texts = (entry.Events ?? []).Select(e => e.Text).Distinct().ToList();
        var palette = new ScottPlot.Palettes.Category10();
        var top = options.MelBins - 0.5;
        for (var lane = 0; lane < texts.Count; lane++)
        {
            var bottom = top + 1 + lane * LaneHeight;
            var color = palette.GetColor(lane);
            foreach (var e in entry.Events!.Where(e => e.Text == texts[lane]))
            {
                var box = plot.Add.Rectangle(e.Onset, e.Offset, bottom, bottom + LaneHeight - 1);
                box.FillStyle.Color = color.WithAlpha(0.85);
                box.LineStyle.Color = color;
                // The event's extent is also marked over the spectrogram so onsets can be checked against the sound.
                var span = plot.Add.Rectangle(e.Onset, e.Offset, -0.5, top);
                span.FillStyle.Color = Colors.Transparent;
                span.LineStyle.Color = color.WithAlpha(0.9);
                span.LineStyle.Width = 1.5f;
            }
            var label = plot.Add.Text(texts[lane], 0.05, bottom + LaneHeight / 2 - 0.5);
            label.LabelFontSize = 13;
            label.LabelFontColor = Colors.Black;
            label.LabelAlignment = Alignment.MiddleLeft;
        }
        plot.Axes.SetLimits(-frameSeconds / 2, entry.Duration, -0.5, top + 1 + texts.Count * LaneHeight);
        plot.YLabel("mel bin  |  labelled events");
        plot.Title(title);
        SpectrogramPlot.WritePng(plot, path, width, height, overwrite);
    }
}
