using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Flam.Model;
using Flam.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Benchmarks;

/// <summary>
/// The v1-base network with random weights on 2 threads: the audio branch for a batch of 4 clips of 10 s (fp32 and
/// bf16), and RoBERTa-base for 16 typical queries packed without padding (what EncodeText does) versus padded to
/// 77 tokens (the official way).
/// Seconds per clip = reported mean / 4. The setup also prints time per stage, the bf16 deviation and peak memory.
/// Run: <c>dotnet run -c Release --project bench/Flam.Benchmarks -- --filter '*ModelBenchmarks*'</c>.
/// </summary>
[Config(typeof(Config))]
public class ModelBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // In-process: the native libtorch of this build output is the one patched for this system's libstdc++.
            // Monitoring (no pilot, few iterations): one operation takes seconds.
            AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithWarmupCount(1).WithIterationCount(5).WithLaunchCount(1)
                .WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        }
    }

    private const int Clips = 4;
    private const int Queries = 16;
    private FlamModel model = null!;
    private Tensor waves = null!;
    private Tensor ids = null!, mask = null!, ids77 = null!, mask77 = null!;

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(2);
        manual_seed(0);
        model = FlamModel.Create(FlamConfig.V1Base);
        using var level = 0.1.ToScalar();
        using var padId = 1L.ToScalar();
        waves = randn(Clips, 480000) * level;
        // Typical queries ("a dog barks", "glass breaking in a kitchen") are 4 to 12 BPE tokens plus <s> and </s>.
        var lengths = Enumerable.Range(0, Queries).Select(i => 6 + i * 7 % 9).ToArray();
        int longest = lengths.Max();
        ids = full(Queries, longest, padId, ScalarType.Int64);
        mask = zeros(Queries, longest, ScalarType.Int64);
        for (int i = 0; i < Queries; i++)
        {
            ids[i, ..lengths[i]] = randint(3, 50000, [lengths[i]]);
            ids[i, 0] = 0;
            ids[i, lengths[i] - 1] = 2;
            mask[i, ..lengths[i]] = 1;
        }
        ids77 = cat([ids, full(Queries, 77 - longest, padId, ScalarType.Int64)], 1);
        mask77 = cat([mask, zeros(Queries, 77 - longest, ScalarType.Int64)], 1);
        Report();
    }

    [Benchmark(Description = "audio fp32, 4 clips")]
    public void AudioFloat32()
    {
        model.AudioComputeType = ScalarType.Float32;
        using var inference = inference_mode();
        using var features = model.EncodeAudio(waves);
    }

    [Benchmark(Description = "audio bf16, 4 clips")]
    public void AudioBFloat16()
    {
        model.AudioComputeType = ScalarType.BFloat16;
        using var inference = inference_mode();
        using var features = model.EncodeAudio(waves);
        model.AudioComputeType = ScalarType.Float32;
    }

    [Benchmark(Description = "text, 16 queries, packed (no padding)")]
    public void TextDynamicPadding()
    {
        using var inference = inference_mode();
        using var features = model.EncodeText(ids, mask);
    }

    [Benchmark(Description = "text, 16 queries, padded to 77 (official)", Baseline = true)]
    public void TextPaddedTo77()
    {
        using var inference = inference_mode();
        using var branch = ((RobertaModel)model.TextBranch).PooledPadded(ids77, mask77);
    }

    /// <summary>Time per stage, bf16-vs-fp32 deviation, dynamic-vs-77 padding deviation, peak resident memory.</summary>
    private void Report()
    {
        using var inference = inference_mode();
        var branch = model.AudioBranch;
        var times = new Dictionary<string, double>();
        void Time(string name, Action action)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[name] = times.GetValueOrDefault(name) + sw.Elapsed.TotalSeconds;
        }
        for (int repeat = 0; repeat < 2; repeat++)
        {
            times.Clear();
            using var scope = NewDisposeScope();
            Tensor logMel = null!, image = null!, tokens = null!;
            Time("front end (STFT + mel)", () => logMel = model.FrontEnd.forward(waves));
            Time("bn0 + stretch + reshape", () => image = branch.ToImage(logMel));
            var stageStart = Stopwatch.StartNew();
            tokens = branch.ForwardTokens(image, (i, _) =>
            {
                times[i < 0 ? "patch embed" : $"Swin stage {i}"] = stageStart.Elapsed.TotalSeconds;
                stageStart.Restart();
            });
            times["final norm"] = stageStart.Elapsed.TotalSeconds;
            Time("regroup into frames", () => branch.Regroup(tokens));
        }
        Console.WriteLine("// stage times (batch of 4, seconds per clip):");
        foreach (var (name, seconds) in times) Console.WriteLine($"//   {name,-26} {seconds / Clips:F4}");

        using var fp32 = model.EncodeAudio(waves);
        model.AudioComputeType = ScalarType.BFloat16;
        using var bf16 = model.EncodeAudio(waves);
        model.AudioComputeType = ScalarType.Float32;
        Console.WriteLine($"// bf16 vs fp32 max |diff|: local features {(bf16.Local - fp32.Local).abs().max().item<float>():E2}, fine-grained {(bf16.FineGrained - fp32.FineGrained).abs().max().item<float>():E2} (max |fp32| {fp32.FineGrained.abs().max().item<float>():F2})");
        using var dynamic = model.TextBranch.EncodeBranch(ids, mask);
        using var padded = ((RobertaModel)model.TextBranch).PooledPadded(ids77, mask77);
        Console.WriteLine($"// packed texts (longest {ids.shape[1]} tokens) vs padded to 77: max |diff| of the text branch output {(dynamic - padded).abs().max().item<float>():E2}");
        Console.WriteLine($"// peak resident memory {PeakMegabytes()} MB");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// peak resident memory {PeakMegabytes()} MB");
        model.Dispose();
    }

    private static long PeakMegabytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}
