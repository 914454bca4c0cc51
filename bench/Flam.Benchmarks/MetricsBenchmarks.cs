using BenchmarkDotNet.Attributes;
using Flam.Evaluation;
using Flam.Evaluation.IntersectionBased;
using Flam.Evaluation.SegmentBased;

namespace Flam.Benchmarks;

/// <summary>
/// PSDS1 and 1 s segment AUROC on 1 000 clips x 10 classes x 32 frames, single-threaded. The reference
/// (sed_scores_eval, pure-Python event detection) needs about 1.5 s and 0.65 s on this machine.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 8)]
public class MetricsBenchmarks
{
    private SedEvaluationSet _set = null!;

    [GlobalSetup]
    public void Setup()
    {
        var data = new SyntheticSed(1000, 10);
        _set = SedEvaluationSet.Create(data.ToInMemory(), data.GroundTruth(), data.Durations());
    }

    [Benchmark]
    public double Psds1() => Psds.Compute(_set, PsdsOptions.Psds1).Value;

    [Benchmark]
    public double Psds2() => Psds.Compute(_set, PsdsOptions.Psds2).Value;

    [Benchmark]
    public double SegmentAuroc1s() => Roc.Auroc(_set, new SegmentOptions(1.0), keepCurves: false).Mean;
}
