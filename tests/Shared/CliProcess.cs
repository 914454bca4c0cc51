using System.Diagnostics;

namespace Flam.Tests;

/// <summary>
/// Runs the built <c>flam</c> tool (Flam.Cli.dll) in a separate process, for checks that one process cannot make:
/// that outputs do not depend on per-process state such as randomised string hashes.
/// </summary>
internal static class CliProcess
{
    private static readonly Lazy<string> CliAssembly = new(() =>
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "Flam.Cli.dll"),
            Path.Combine(FixturePaths.RepositoryRoot, "src", "Flam.Cli", "bin", "Release", "net10.0", "Flam.Cli.dll"),
        ];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("Flam.Cli.dll not found; looked in " + string.Join(", ", candidates));
    });

    /// <summary>Runs <c>dotnet Flam.Cli.dll <paramref name="arguments"/></c> and fails the test unless it exits with 0.</summary>
    public static string Run(params string[] arguments) => Run(new Dictionary<string, string>(), arguments);

    /// <summary>As <see cref="Run(string[])"/>, with extra environment variables for the process.</summary>
    public static string Run(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"flam {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    /// <summary>
    /// Runs the tool with <paramref name="input"/> written to its standard input (then closed) and returns its exit code
    /// and output, whatever the code.
    /// </summary>
    public static (int Code, string Out, string Err) RunWithInput(byte[] input, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var process = Start(environment, arguments, redirectInput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        // Written on another thread so that a child that stops reading early cannot block the test on a full pipe.
        var writer = Task.Run(() =>
        {
            try
            {
                process.StandardInput.BaseStream.Write(input);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The child exited before reading everything; its exit code tells why.
            }
        });
        // A child blocked for good (say on a FIFO nobody writes to) fails the test instead of hanging it.
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"flam {string.Join(' ', arguments)} did not exit within 2 minutes: {stderr.Result}");
        }
        writer.Wait();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the tool and SIGKILLs it as soon as <paramref name="reached"/> holds; fails the test if it ends before.</summary>
    /// <remarks>Polls on this thread (not with Task.Delay, whose continuations wait for a busy thread pool), so the kill lands mid-run.</remarks>
    public static void KillWhen(string[] arguments, Func<bool> reached)
    {
        using var process = Start(arguments);
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = Stopwatch.StartNew();
        while (!reached() && !process.HasExited && limit.Elapsed < TimeSpan.FromMinutes(1))
        {
            Thread.Sleep(2);
        }
        Assert.False(process.HasExited, "the run ended before the kill point: " + (stderr.IsCompleted ? stderr.Result : ""));
        // SIGKILL by kill(1): no handler, finally block or Dispose of the CLI runs.
        using (var kill = Process.Start("kill", ["-KILL", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }
        process.WaitForExit();
    }

    /// <summary>Starts <c>dotnet Flam.Cli.dll <paramref name="arguments"/></c> with redirected output (for tests that stop it midway).</summary>
    public static Process Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>As <see cref="Start(string[])"/>, with extra environment variables for the process.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, string[] arguments) => Start(environment, arguments, redirectInput: false);

    private static Process Start(IReadOnlyDictionary<string, string> environment, string[] arguments, bool redirectInput)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.ArgumentList.Add(CliAssembly.Value);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }
}
