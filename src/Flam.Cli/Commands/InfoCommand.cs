using System.CommandLine;
using System.Reflection;
using Flam.Runtime;

namespace Flam.Cli.Commands;

/// <summary><c>flam info</c>: versions, native library status, threads, device.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show versions, native library status, threads and devices.");
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            output.WriteLine($"flam {typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}");
            output.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} logical processors");
            output.WriteLine(TorchRuntime.Describe());
            return TorchRuntime.IsAvailable ? 0 : FlamApp.UserError;
        });
        return command;
    }
}
