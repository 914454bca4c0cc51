using System.Diagnostics;
using System.Runtime.InteropServices;
using Flam.Runtime;
using Flam.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Benchmarks.Training;

/// <summary>
/// Peak memory and time of the frame-wise loss forward+backward, naive vs blocked, at equal gradient.
/// Run: <c>dotnet run -c Release --project bench/Flam.Benchmarks -- frame-loss-memory [B K T d block threads]</c>.
/// On a busy machine use 1 thread: many small parallel ops (the blocked loss) then stall on OpenMP barriers.
/// Method: glibc is told to serve every allocation ≥ 64 KiB with its own mmap and never to keep freed memory
/// (mallopt M_MMAP_THRESHOLD, which also switches off the dynamic threshold), and libtorch's CPU allocator does
/// not cache, so the resident set follows live tensor memory. Before each run the kernel's peak-RSS counter is
/// reset (<c>echo 5 &gt; /proc/self/clear_refs</c>); the peak is VmHWM after the run minus VmRSS before it,
/// i.e. the memory the loss and its backward add on top of the already existing inputs.
/// </summary>
internal static class FrameLossMemory
{
    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    private const int MmapThreshold = -3;
    private const int TrimThreshold = -1;

    public static int Run(string[] args)
    {
        int b = Arg(args, 0, 64), k = Arg(args, 1, 320), t = Arg(args, 2, 32), d = Arg(args, 3, 512), block = Arg(args, 4, 32);
        MallOpt(MmapThreshold, 64 * 1024);
        MallOpt(TrimThreshold, 0);
        set_num_threads(Arg(args, 5, Environment.ProcessorCount));
        manual_seed(0);
        var audio = nn.functional.normalize(randn(b, t, d), dim: -1).requires_grad_(true);
        var text = nn.functional.normalize(randn(k, d), dim: -1).requires_grad_(true);
        using var one = 1.ToScalar();
        using var four = 4.ToScalar();
        using var ten = 10.ToScalar();
        using var positiveRate = 0.05.ToScalar();
        var scale = (rand(k) * ten).add_(one, TorchScalars.One).requires_grad_(true);
        var bias = randn(k) - four;
        var labels = (rand(b, k, t) < positiveRate).to_type(ScalarType.Float32);
        var audioMask = ones(b);
        var textMask = ones(k);
        Console.WriteLine($"frame-wise loss forward+backward, B={b} K={k} T={t} d={d}, {get_num_threads()} threads; inputs {MiB(4L * (b * t * d + k * d + b * k * t)):F1} MiB");
        Console.WriteLine($"logits B·K·T = {(long)b * k * t:N0} floats = {MiB(4L * b * k * t):F1} MiB per copy");

        Tensor[]? reference = null;
        var results = new List<(string Name, double PeakMiB, double Ms)>();
        var fastest = new Dictionary<string, double>();
        var variants = new (string Name, FramewiseBlocking? Blocking)[]
        {
            ("naive", null), ($"blocked text={block}", new FramewiseBlocking(block)), ($"blocked text={block / 4}", new FramewiseBlocking(Math.Max(1, block / 4))),
        };
        for (int repeat = 0; repeat < 3; repeat++)
        {
            foreach (var (name, blocking) in variants)
            {
                audio.grad?.Dispose(); audio.grad = null;
                text.grad?.Dispose(); text.grad = null;
                scale.grad?.Dispose(); scale.grad = null;
                GC.Collect(); GC.WaitForPendingFinalizers();
                long before = Status("VmRSS");
                File.WriteAllText("/proc/self/clear_refs", "5");
                var watch = Stopwatch.StartNew();
                using (var scope = NewDisposeScope())
                {
                    var loss = blocking is null
                        ? FramewiseSigmoidLoss.Compute(audio, text, scale, bias, labels, audioMask, textMask)
                        : FramewiseSigmoidLoss.ComputeBlocked(audio, text, scale, bias, labels, audioMask, textMask, blocking);
                    loss.backward();
                }
                watch.Stop();
                long peak = Status("VmHWM") - before;
                var grads = new[] { audio.grad!, text.grad!, scale.grad! };
                if (reference is null) reference = grads.Select(g => g.clone()).ToArray();
                double maxDiff = grads.Zip(reference, (g, r) => (g - r).abs().max().item<float>()).Max();
                // Time: the fastest of the repeats (the machine is shared); memory: the last repeat (it does not vary).
                fastest[name] = Math.Min(fastest.GetValueOrDefault(name, double.MaxValue), watch.Elapsed.TotalMilliseconds);
                if (repeat == 2)
                {
                    results.Add((name, peak / 1024.0, fastest[name]));
                    Console.WriteLine($"{name,-20} peak +{peak / 1024.0,8:F1} MiB  {fastest[name],8:F1} ms  max |grad - naive grad| {maxDiff:E2}");
                }
            }
        }
        var naive = results[0];
        foreach (var r in results.Skip(1))
        {
            Console.WriteLine($"{r.Name}: {naive.PeakMiB / r.PeakMiB:F1}x less peak memory than naive, {r.Ms / naive.Ms:F2}x the time");
        }
        return 0;
    }

    private static int Arg(string[] args, int i, int fallback) => args.Length > i ? int.Parse(args[i]) : fallback;

    private static double MiB(long bytes) => bytes / 1048576.0;

    /// <summary>A /proc/self/status field in KiB.</summary>
    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            }
        }
        throw new InvalidOperationException(field + " not found in /proc/self/status");
    }
}
