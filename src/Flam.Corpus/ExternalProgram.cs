using System.ComponentModel;
using System.Diagnostics;

namespace Flam.Synthesis.Corpus;

/// <summary>Runs the external tools the corpus builder needs (apt-get, dpkg-deb, git), capturing their error output.</summary>
internal static class ExternalProgram
{
    /// <summary>
    /// Runs <paramref name="program"/> to its end. A non-zero exit throws (with the tool's error output) unless
    /// <paramref name="throwOnError"/> is false; a program that cannot be started throws, saying <paramref name="neededFor"/>.
    /// </summary>
    public static (int Code, string Error) Run(string program, IReadOnlyList<string> arguments, string? workingDirectory, string neededFor, bool throwOnError = true)
    {
        var (code, error, _) = Execute(program, arguments, workingDirectory, neededFor, throwOnError);
        return (code, error);
    }

    /// <summary>Runs <paramref name="program"/> to its end and returns its standard output; a non-zero exit throws as in <see cref="Run"/>.</summary>
    public static string Output(string program, IReadOnlyList<string> arguments, string neededFor) =>
        Execute(program, arguments, null, neededFor, throwOnError: true).Output;

    private static (int Code, string Error, string Output) Execute(string program, IReadOnlyList<string> arguments, string? workingDirectory, string neededFor, bool throwOnError)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        try
        {
            using var process = Process.Start(start) ?? throw new FlamException($"Cannot start {program}.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            var error = stderr.Result;
            if (throwOnError && process.ExitCode != 0)
            {
                throw new FlamException($"{program} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {error.Trim()}");
            }
            return (process.ExitCode, error, stdout.Result);
        }
        catch (Win32Exception e)
        {
            throw new FlamException($"Cannot run '{program}' ({e.Message}): {neededFor}.", e);
        }
    }
}
