using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Flam.Model;
using Flam.Runtime;
using TorchSharp;

namespace Flam.Cli.Commands;

/// <summary><c>flam info</c>: versions, native library status, threads, devices.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", $"Show versions, native library status, threads ({TorchRuntime.ThreadsVariable} sets them) and devices.");
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"flam        {typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}");
            output.WriteLine($"runtime     .NET {Environment.Version} on {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}), {Environment.ProcessorCount} logical processors");
            output.WriteLine($"TorchSharp  {typeof(torch).Assembly.GetName().Version}");
            if (!TorchRuntime.IsAvailable)
            {
                output.WriteLine("libtorch    NOT LOADED");
            }
            // Throws the explanatory FlamException when libtorch did not load or FLAM_THREADS is invalid (exit code 1).
            TorchRuntime.EnsureLoaded();
            output.WriteLine($"libtorch    {torch.__version__} loaded");
            var native = NativeLibraryStatus.Inspect();
            if (native.Path is not null)
            {
                output.WriteLine($"native      {native.Path}");
                output.WriteLine($"            {NativeLibraryStatus.GlibcxxVersion} version need: {Explain(native.GlibcxxNeed)}");
            }
            var requested = Environment.GetEnvironmentVariable(TorchRuntime.ThreadsVariable);
            output.WriteLine($"threads     {torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} inter-op " +
                (string.IsNullOrWhiteSpace(requested) ? $"(libtorch default; set {TorchRuntime.ThreadsVariable} to change)" : $"({TorchRuntime.ThreadsVariable}={requested})"));
            var devices = new List<string> { "cpu" };
            if (torch.cuda.is_available())
            {
                devices.AddRange(Enumerable.Range(0, torch.cuda.device_count()).Select(i => $"cuda:{i}"));
            }
            output.WriteLine($"devices     {string.Join(", ", devices)}{(torch.cuda.is_available() ? "" : " (CUDA not available: CPU build of libtorch)")}");
            var auto = PrecisionChoice.ForThisCpu(InferencePrecision.Auto);
            output.WriteLine($"precision   --precision auto would use {auto.Name}: {auto.Reason}");
            output.WriteLine($"model       {DescribeDefaultModel()}");
            return 0;
        });
        return command;
    }

    private static string DescribeDefaultModel()
    {
        try
        {
            var bundle = ModelBundle.Default;
            var megabytes = new FileInfo(Path.Combine(bundle.Checkpoint, FlamModel.WeightsFileName)).Length / 1e6;
            return $"default {bundle.Checkpoint} ({megabytes:0.0} MB; card: {ModelBundle.ModelCardFileName})";
        }
        catch (FlamException e)
        {
            return "default MISSING: " + e.Message;
        }
    }

    private static string Explain(string? need) => need switch
    {
        "weak" => "weak (patched by Flam's build: this libstdc++ may lack it, and the symbol behind it is never called)",
        "required" => "required (unpatched: loads only where libstdc++ provides it)",
        "absent" => "absent (nothing to patch)",
        _ => "unknown",
    };
}
