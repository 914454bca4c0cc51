using System.Globalization;
using System.Text.Json;
using Flam.Cli;
using Flam.Model;

namespace Flam.Tests.Inference;

/// <summary>
/// The model shipped in <c>models/default</c>: installed beside the assembly, used by <c>flam detect</c> when no
/// checkpoint is named, and right about the README's sample, whose labels come from the synthesis recipe that made
/// it (samples/helicopter-and-gunshot.tsv), not from the model.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DefaultModelTests
{
    private static string Sample(string name) => Path.Combine(FixturePaths.RepositoryRoot, "samples", name);

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void IsInstalledBesideTheAssemblyWithItsCardAndWithinTheSizeBudget()
    {
        var folder = ModelBundle.DefaultDirectory;
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "models", "default"), folder);
        var weights = new FileInfo(Path.Combine(folder, FlamModel.WeightsFileName));
        Assert.True(weights.Exists, weights.FullName);
        Assert.InRange(weights.Length, 1_000_000, 40_000_000);
        Assert.True(File.Exists(Path.Combine(folder, ModelBundle.ModelCardFileName)));
        Assert.Equal("minilm", FlamConfig.FromNameOrFile(Path.Combine(folder, FlamModel.ConfigFileName)).TextModelType);
    }

    [Fact]
    public async Task DetectWithoutCheckpointFindsTheSampleEventsAndNothingAbsent()
    {
        var (code, output, error) = await Run("detect", Sample("helicopter-and-gunshot.ogg"), "-q", "a helicopter", "-q", "a gunshot", "-q", "a woman speaking");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("flam-default", json.RootElement.GetProperty("model").GetString());
        var events = json.RootElement.GetProperty("files")[0].GetProperty("queries").EnumerateArray().ToDictionary(
            q => q.GetProperty("query").GetString()!,
            q => q.GetProperty("events").EnumerateArray().Select(e => (On: e.GetProperty("onset").GetDouble(), Off: e.GetProperty("offset").GetDouble())).ToList());

        var truth = File.ReadAllLines(Sample("helicopter-and-gunshot.tsv")).Skip(1).Select(l => l.Split('\t'))
            .ToDictionary(f => f[2], f => (On: double.Parse(f[0], CultureInfo.InvariantCulture), Off: double.Parse(f[1], CultureInfo.InvariantCulture)));
        // One event per present sound, within a frame (0.3125 s) of the labelled interval at both ends.
        foreach (var (query, label) in new[] { ("a helicopter", "a helicopter flying"), ("a gunshot", "a shotgun firing") })
        {
            var detected = Assert.Single(events[query]);
            Assert.InRange(detected.On, truth[label].On - 0.3125, truth[label].On + 0.3125);
            Assert.InRange(detected.Off, truth[label].Off - 0.3125, truth[label].Off + 0.3125);
        }
        Assert.Empty(events["a woman speaking"]);
    }

    [Theory]
    [InlineData("xqzv blorf wug")]
    [InlineData("Der Hund bellt laut")]
    [InlineData("直升机在飞")]
    [InlineData("a dog barking")]
    public async Task ForeignNonsenseOrAbsentQueriesGiveFiniteProbabilities(string query) => await FrameProbabilities(query);

    /// <summary>
    /// Made-up and foreign words name nothing in the sample (a helicopter and a gunshot): the model, trained with made-up
    /// negative texts, keeps them below the threshold. (Absent real sounds still fire on the gunshot: the model card says so.)
    /// </summary>
    [Theory]
    [InlineData("xqzv blorf wug")]
    [InlineData("直升机在飞")]
    public async Task MadeUpQueriesStayBelowTheThreshold(string query)
    {
        var probabilities = await FrameProbabilities(query);
        Assert.True(probabilities.Max() < 0.5, $"{query}: peaks at {probabilities.Max():0.###}");
    }

    [Fact]
    public async Task A_long_command_line_does_not_crash_the_process()
    {
        // 40 KB of arguments once left the main thread too little stack for ONNX Runtime's start-up (a crash dump, not an
        // error); the CLI now works on a thread of its own. Only a real process has the command line on its stack.
        var query = string.Concat(Enumerable.Repeat("a dog barking ", 3000));
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Flam.Cli.dll"), "detect", Sample("helicopter-and-gunshot.ogg"), "-q", query, "--format", "tsv" },
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        Assert.StartsWith("filename\tonset\toffset\tevent_label", await output);
    }

    private static async Task<double[]> FrameProbabilities(string query)
    {
        var (code, output, error) = await Run("detect", Sample("helicopter-and-gunshot.ogg"), "-q", query, "--frames");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var probabilities = json.RootElement.GetProperty("files")[0].GetProperty("queries")[0].GetProperty("probabilities")
            .EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(32, probabilities.Length);
        Assert.All(probabilities, p => Assert.True(double.IsFinite(p) && p is >= 0 and <= 1, $"{query}: {p}"));
        return probabilities;
    }
}
