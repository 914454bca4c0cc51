using Flam.Cli;

namespace Flam.Tests.Cli;

/// <summary>Help names the program <c>flam</c>, the command users type, whatever the executable is called (Flam.Cli, testhost).</summary>
public sealed class ProgramNameTests
{
    private static async Task<(int Code, string Out)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, stdout, stderr);
        Assert.True(stderr.ToString() == "", stderr.ToString());
        return (code, stdout.ToString());
    }

    [Theory]
    [InlineData(new string[] { "--help" }, "flam [command] [options]")]
    [InlineData(new string[] { "detect", "--help" }, "flam detect <audio>... [options]")]
    [InlineData(new string[] { "eval", "sed", "-h" }, "flam eval sed [options]")]
    public async Task Usage_line_says_flam(string[] args, string usage)
    {
        var (code, output) = await Run(args);
        Assert.Equal(0, code);
        var lines = output.Split('\n').Select(line => line.TrimEnd('\r')).ToArray();
        Assert.Equal("  " + usage, lines[Array.IndexOf(lines, "Usage:") + 1]);
        Assert.DoesNotContain("Flam.Cli", output);
        Assert.DoesNotContain("testhost", output);
    }

    [Fact]
    public async Task Version_is_still_answered()
    {
        var (code, output) = await Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+", output);
    }
}
