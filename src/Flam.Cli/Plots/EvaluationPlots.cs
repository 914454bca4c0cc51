using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;
using ScottPlot;

namespace Flam.Cli.Plots;

/// <summary>Evaluation figures: the PSD-ROC with the per-class ROCs, and precision/recall/F1 against threshold.</summary>
internal static class EvaluationPlots
{
    /// <summary>PSD-ROC (effective TPR over effective FPR) as a staircase with each class's ROC behind it.</summary>
    public static void SavePsdRoc(string path, PsdsResult psds, string title, bool overwrite, int width = 900, int height = 600)
    {
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        var maxEfpr = psds.Roc.Efpr[^1];
        for (var k = 0; k < psds.EventClasses.Count; k++)
        {
            var roc = psds.SingleClassRocs[k];
            var (xs, ys) = Staircase(roc.Efpr, roc.Tpr, maxEfpr);
            var line = plot.Add.ScatterLine(xs, ys);
            line.LineWidth = 1;
            line.Color = line.Color.WithAlpha(0.45);
            if (psds.EventClasses.Count <= 12) line.LegendText = psds.EventClasses[k];
        }
        var (ex, ey) = Staircase(psds.Roc.Efpr, psds.Roc.Etpr, maxEfpr);
        var main = plot.Add.ScatterLine(ex, ey);
        main.LineWidth = 3;
        main.Color = Colors.Black;
        main.LegendText = $"PSD-ROC (PSDS {psds.Value:F3})";
        plot.Axes.SetLimits(0, maxEfpr, 0, 1.02);
        plot.XLabel("effective false positives per hour (eFPR)");
        plot.YLabel("true positive rate");
        plot.Title(title);
        plot.ShowLegend(Alignment.LowerRight);
        SpectrogramPlot.WritePng(plot, path, width, height, overwrite);
    }

    /// <summary>Precision, recall and F1 against the decision threshold.</summary>
    public static void SaveThresholdCurve(string path, ThresholdCurve curve, string title, bool overwrite, int width = 900, int height = 600)
    {
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        foreach (var (values, name, lineWidth) in new[] { (curve.F1, "F1", 3f), (curve.Precision, "precision", 1.5f), (curve.Recall, "recall", 1.5f) })
        {
            var line = plot.Add.ScatterLine(curve.Thresholds, values);
            line.LegendText = name;
            line.LineWidth = lineWidth;
            line.MarkerSize = 4;
        }
        plot.Axes.SetLimits(curve.Thresholds.Min(), curve.Thresholds.Max(), 0, 1.02);
        plot.XLabel("decision threshold");
        plot.YLabel("score");
        plot.Title(title);
        plot.ShowLegend(Alignment.LowerLeft);
        SpectrogramPlot.WritePng(plot, path, width, height, overwrite);
    }

    /// <summary>Reliability diagram: observed positive fraction against mean predicted output per bin, with the diagonal of perfect calibration.</summary>
    public static void SaveReliability(string path, CalibrationResult calibration, string title, bool overwrite, int width = 700, int height = 600)
    {
        PlotFonts.EnsureRegistered();
        var plot = new Plot();
        var diagonal = plot.Add.ScatterLine(new double[] { 0, 1 }, new double[] { 0, 1 });
        diagonal.Color = Colors.Gray;
        diagonal.LinePattern = LinePattern.Dashed;
        diagonal.LegendText = "perfect calibration";
        var filled = calibration.Bins.Where(b => b.Frames > 0).ToList();
        var bars = plot.Add.Bars(filled.Select(b => new Bar
        {
            Position = (b.Lower + b.Upper) / 2,
            Value = b.ObservedPositive,
            Size = (b.Upper - b.Lower) * 0.9,
            FillColor = Colors.SteelBlue.WithAlpha(0.5),
        }).ToList());
        bars.LegendText = "observed positive fraction";
        var line = plot.Add.ScatterLine(filled.Select(b => b.MeanPredicted).ToArray(), filled.Select(b => b.ObservedPositive).ToArray());
        line.MarkerSize = 6;
        line.LineWidth = 2;
        line.LegendText = $"per bin (ECE {calibration.ExpectedCalibrationError:F3})";
        plot.Axes.SetLimits(0, 1, 0, 1.02);
        plot.XLabel("predicted probability (unbiased output)");
        plot.YLabel("fraction of frames truly positive");
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperLeft);
        SpectrogramPlot.WritePng(plot, path, width, height, overwrite);
    }

    // Step ("previous") curve through the points, extended to maxX.
    private static (double[] X, double[] Y) Staircase(double[] x, double[] y, double maxX)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (var i = 0; i < x.Length; i++)
        {
            if (i > 0)
            {
                xs.Add(x[i]);
                ys.Add(y[i - 1]);
            }
            xs.Add(x[i]);
            ys.Add(y[i]);
        }
        xs.Add(maxX);
        ys.Add(y.Length > 0 ? y[^1] : 0);
        return ([.. xs], [.. ys]);
    }
}
