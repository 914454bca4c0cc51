using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Abstractions;

namespace Flam.Tests.Cli;

/// <summary>
/// <c>scripts/install.sh PREFIX</c> from a clean temporary folder: the installed <c>flam</c> launcher runs, names itself
/// flam, finds the shipped model beside it and detects with it. Publishing copies libtorch (≈ 635 MB), so the prefix is
/// deleted afterwards.
/// </summary>
public sealed class InstallScriptTests(ITestOutputHelper log)
{
    private static (int Code, string Out, string Err) Run(string file, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(" ", args)} did not finish in 5 minutes.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Installs_a_working_flam_command_into_a_prefix()
    {
        var script = Path.Combine(FixturePaths.RepositoryRoot, "scripts", "install.sh");
        using var clean = FixturePaths.NewTempDirectory();
        var prefix = Path.Combine(clean, "prefix");
        try
        {
            var timer = Stopwatch.StartNew();
            var (code, output, error) = Run("bash", clean, script, prefix);
            log.WriteLine($"install: {timer.Elapsed.TotalSeconds:F1} s\n{output}\n{error}");
            if (!(OperatingSystem.IsLinux() && RuntimeInformation.OSArchitecture == Architecture.X64))
            {
                Assert.Equal(1, code);
                Assert.Contains("Linux x64 only", error);
                return;
            }
            Assert.True(code == 0, error);
            var flam = Path.Combine(prefix, "bin", "flam");
            Assert.Contains($"installed: {flam} -> {Path.Combine(prefix, "lib", "flam")}", output);

            (code, output, error) = Run(flam, clean, "--help");
            Assert.True(code == 0, error);
            Assert.Contains("  flam [command] [options]", output);

            (code, output, error) = Run(flam, clean, "info");
            Assert.True(code == 0, error);
            Assert.Contains($"model       default {Path.Combine(prefix, "lib", "flam", "models", "default")}", output);

            var sample = Path.Combine(FixturePaths.RepositoryRoot, "samples", "helicopter-and-gunshot.ogg");
            timer.Restart();
            (code, output, error) = Run(flam, clean, "detect", sample, "-q", "a gunshot", "--format", "tsv");
            log.WriteLine($"first detect: {timer.Elapsed.TotalSeconds:F1} s");
            Assert.True(code == 0, error);
            Assert.StartsWith("filename\tonset\toffset\tevent_label\n", output);
            // Nothing left behind: no staging folder beside the installed one, nothing in the working folder.
            Assert.Equal(["flam"], Directory.GetFileSystemEntries(Path.Combine(prefix, "lib")).Select(Path.GetFileName));
            Assert.Equal(["prefix"], Directory.GetFileSystemEntries(clean).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(clean, recursive: true);
        }
    }
}
