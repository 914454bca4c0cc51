using BenchmarkDotNet.Running;
using Flam.Benchmarks;

if (args.Length > 0 && args[0] == "scale")
{
    ScalingRun.Run(args);
    return 0;
}
// Measurements that BenchmarkDotNet cannot take (native peak memory) run as named modes.
if (args.Length > 0 && args[0] == "frame-loss-memory")
{
    return Flam.Benchmarks.Training.FrameLossMemory.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "fanout")
{
    return Flam.Benchmarks.FanOutRun.Run(args[1..]);
}
if (args.Length > 0 && args[0] == "index")
{
    return Flam.Benchmarks.IndexRun.Run(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
