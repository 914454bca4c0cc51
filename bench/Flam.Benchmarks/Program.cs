using BenchmarkDotNet.Running;
using Flam.Benchmarks;

if (args.Length > 0 && args[0] == "scale")
{
    ScalingRun.Run(args);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
