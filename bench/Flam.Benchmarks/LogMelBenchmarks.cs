using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Flam.Audio;
using Flam.Tests.Audio;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Benchmarks;

/// <summary>
/// The FLAM log-mel front end (FFT) against the direct DFT as a matrix product (what torchlibrosa's Conv1d STFT
/// computes) on a batch of 4 ten-second clips at 48 kHz, in the same process.
/// Run: <c>dotnet run -c Release --project bench/Flam.Benchmarks -- --filter '*LogMel*'</c>.
/// </summary>
[Config(typeof(Config))]
public class LogMelBenchmarks
{
    /// <summary>Clips per batch.</summary>
    public const int Clips = 4;

    private LogMelSpectrogram _frontEnd = null!;
    private DirectDftLogMel _directDft = null!;
    private Tensor _batch = null!;

    /// <summary>libtorch intra-op threads (the machine this was written for has 2 cores).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Threads);
        manual_seed(1234);
        using var level = 0.1f.ToScalar();
        _batch = (randn(Clips, 10 * 48000) * level).DetachFromDisposeScope(); // white noise at -20 dBFS
        _frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        _directDft = new DirectDftLogMel(LogMelOptions.Flam);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _frontEnd.Dispose();
        _directDft.Dispose();
        _batch.Dispose();
    }

    [Benchmark(Baseline = true, Description = "direct DFT (matrix product)")]
    public float DirectDft() => WithCpuTime(nameof(DirectDft), () => _directDft.LogMel(_batch));

    [Benchmark(Description = "LogMelSpectrogram (FFT)")]
    public float Fft() => WithCpuTime(nameof(Fft), () => _frontEnd.forward(_batch));

    /// <summary>
    /// Process CPU time per call, by method and thread count. On a shared machine wall time mostly measures the other
    /// processes; the CPU time the call consumed measures its own work. (In-process toolchain: the column reads this.)
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (double Milliseconds, int Calls)> CpuTime = new();

    private float WithCpuTime(string method, Func<Tensor> body)
    {
        using var scope = NewDisposeScope();
        var before = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        float value = body()[0, 0, 0].item<float>();
        var spent = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds;
        CpuTime.AddOrUpdate($"{method}/{Threads}", (spent, 1), (_, total) => (total.Milliseconds + spent, total.Calls + 1));
        return value;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In-process: the native libtorch copy in this build output is the one patched for this system's libstdc++.
            // 15 measured iterations: the 2-core machine is shared, so the median is reported next to the mean.
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1)
                .WithToolchain(BenchmarkDotNet.Toolchains.InProcess.Emit.InProcessEmitToolchain.Instance));
            AddColumn(StatisticColumn.Median, StatisticColumn.Min, new ClipsPerSecondColumn(), new CpuTimeColumn());
        }
    }

    /// <summary>Mean process CPU time per call (all threads), over every call including warm-up.</summary>
    private sealed class CpuTimeColumn : IColumn
    {
        public string Id => nameof(CpuTimeColumn);
        public string ColumnName => "CPU ms/op";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 1;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "process CPU time per batch (all threads), independent of other processes' load";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var key = $"{benchmarkCase.Descriptor.WorkloadMethod.Name}/{benchmarkCase.Parameters["Threads"]}";
            return CpuTime.TryGetValue(key, out var total) && total.Calls > 0
                ? (total.Milliseconds / total.Calls).ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
                : "-";
        }
    }

    /// <summary>Throughput: clips of 10 s per second of wall time (batch size / median time).</summary>
    private sealed class ClipsPerSecondColumn : IColumn
    {
        public string Id => nameof(ClipsPerSecondColumn);
        public string ColumnName => "clips/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "10-second clips processed per second (batch size / median time)";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var median = summary[benchmarkCase]?.ResultStatistics?.Median;
            return median is > 0 ? (Clips / (median.Value / 1e9)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }
    }
}
