using System.Diagnostics;
using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;
using Flam.Evaluation.SegmentBased;

namespace Flam.Benchmarks;

/// <summary>
/// <c>scale --clips N --classes K [--repeat R] [--in-memory] [--metrics psds1,psds2,segment_auroc_1s]</c>: PSDS1, PSDS2 and 1 s segment AUROC on generated data (scores produced on
/// demand), printing wall and CPU time per metric (CPU time is what counts on a shared machine) and the process's peak working set.
/// </summary>
internal static class ScalingRun
{
    public static void Run(string[] args)
    {
        int Arg(string name, int fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
        }
        var clips = Arg("--clips", 10_000);
        var classes = Arg("--classes", 100);
        var repeat = Arg("--repeat", 1);
        var inMemory = args.Contains("--in-memory");
        var m = Array.IndexOf(args, "--metrics");
        var only = m >= 0 && m + 1 < args.Length ? args[m + 1].Split(',') : null;
        var watch = Stopwatch.StartNew();
        var data = new SyntheticSed(clips, classes);
        var set = SedEvaluationSet.Create(inMemory ? data.ToInMemory() : data, data.GroundTruth(), data.Durations());
        Console.WriteLine($"{clips} clips x {classes} classes x 32 frames: setup {watch.Elapsed.TotalSeconds:F1} s");
        foreach (var (name, metric) in new (string, Func<double>)[]
        {
            ("psds1", () => Psds.Compute(set, PsdsOptions.Psds1).Value),
            ("psds2", () => Psds.Compute(set, PsdsOptions.Psds2).Value),
            ("segment_auroc_1s", () => Roc.Auroc(set, new SegmentOptions(1.0), keepCurves: false).Mean),
        })
        {
            if (only is not null && !only.Contains(name)) continue;
            // Best of --repeat runs: the first includes JIT compilation; other processes inflate wall time.
            var (bestWall, bestCpu, value) = (double.MaxValue, double.MaxValue, 0.0);
            for (var r = 0; r < repeat; r++)
            {
                watch.Restart();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                value = metric();
                bestCpu = Math.Min(bestCpu, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
                bestWall = Math.Min(bestWall, watch.Elapsed.TotalSeconds);
            }
            Console.WriteLine($"{name,-18} {value:F4}  wall {bestWall,7:F3} s  cpu {bestCpu,7:F3} s");
        }
        Console.WriteLine($"peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024 * 1024):F2} GiB");
    }
}
