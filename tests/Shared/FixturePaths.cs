namespace Flam.Tests;

/// <summary>Locates the checked-in fixtures (tests/Fixtures) and the repository root from the test binaries.</summary>
internal static class FixturePaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Flam.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Repository root (Flam.slnx) not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>A path inside tests/Fixtures; fails the test if it does not exist.</summary>
    public static string Get(params string[] parts)
    {
        var path = Path.Combine([RepositoryRoot, "tests", "Fixtures", .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException("Fixture missing: " + path);
        }
        return path;
    }

    /// <summary>
    /// The CLI options that select the official micro model (tests/Fixtures/model/micro) with the tiny RoBERTa-style
    /// tokenizer: every code path of a command at a fraction of the default model's cost.
    /// </summary>
    public static string[] MicroModelArguments() =>
    [
        "--checkpoint", Get("model", "micro", "state_dict.pth"),
        "--config", Get("model", "micro", "config.json"),
        "--tokenizer", Get("tokenizer", "tiny"),
    ];

    /// <summary>A fresh empty temporary folder for a test, deleted on Dispose: <c>using var dir = FixturePaths.NewTempDirectory();</c>.</summary>
    public static TempDirectory NewTempDirectory() => new();

    /// <summary>A fresh empty temporary folder for data a class's tests share; deleted when the test process exits.</summary>
    public static string NewSharedTempDirectory()
    {
        var directory = new TempDirectory();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => directory.Dispose();
        return directory;
    }

    /// <summary>A named pipe (FIFO) in <paramref name="directory"/>, made with mkfifo(1).</summary>
    public static string NewFifo(string directory, string name = "audio.fifo")
    {
        var path = Path.Combine(directory, name);
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }
}
