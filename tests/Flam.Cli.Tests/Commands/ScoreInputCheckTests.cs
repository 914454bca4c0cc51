using Flam.Cli;

namespace Flam.Tests.Evaluation;

/// <summary>
/// <c>flam score</c> refuses infinite scores and warns about a threshold outside the scores' range and about
/// ground-truth events past their clip's duration (issue 16, case 10), where it used to compute silently.
/// </summary>
public sealed class ScoreInputCheckTests
{
    // One clip of 10 s scored in 1 s frames for one class; the ground truth is an event from 1 s to `offset`.
    private static string[] Inputs(string dir, string score = "0.7", double offset = 3.0)
    {
        Directory.CreateDirectory(Path.Combine(dir, "scores"));
        var rows = Enumerable.Range(0, 10).Select(i => $"{i}.0\t{i + 1}.0\t{(i == 2 ? score : (i % 5 * 0.1).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))}");
        File.WriteAllText(Path.Combine(dir, "scores", "a.tsv"), "onset\toffset\tdog\n" + string.Join("\n", rows) + "\n");
        File.WriteAllText(Path.Combine(dir, "gt.tsv"), $"filename\tonset\toffset\tevent_label\na.wav\t1.0\t{offset:0.0#}\tdog\n");
        File.WriteAllText(Path.Combine(dir, "durations.tsv"), "filename\tduration\na.wav\t10.0\n");
        return ["score", "--scores", Path.Combine(dir, "scores"), "--ground-truth", Path.Combine(dir, "gt.tsv"),
            "--durations", Path.Combine(dir, "durations.tsv"), "--fine-segment-length", "0"];
    }

    private static async Task<(int Code, string Err)> Score(params string[] args)
    {
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, new StringWriter(), stderr);
        return (code, stderr.ToString());
    }

    [Fact]
    public async Task Sound_inputs_give_no_warning()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var (code, error) = await Score(Inputs(dir));
        Assert.True(code == 0, error);
        Assert.DoesNotContain("warning", error);
    }

    [Theory]
    [InlineData("inf")]
    [InlineData("-inf")]
    public async Task Infinite_scores_are_refused_naming_the_file_line_and_class(string score)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var (code, error) = await Score(Inputs(dir, score));
        Assert.True(code == FlamApp.UserError, error);
        Assert.Contains("a.tsv:4: score of class 'dog' is " + score, error);
    }

    [Theory]
    [InlineData("2", "nothing is detected")]
    [InlineData("-0.5", "every frame is detected")]
    public async Task A_threshold_outside_the_scores_range_is_warned(string threshold, string consequence)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var (code, error) = await Score([.. Inputs(dir), "--threshold", threshold]);
        Assert.True(code == 0, error);
        Assert.Contains($"warning: --threshold {threshold} is", error);
        Assert.Contains(consequence, error);
    }

    [Fact]
    public async Task Ground_truth_past_the_clip_duration_is_warned()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var (code, error) = await Score(Inputs(dir, offset: 12.5));
        Assert.True(code == 0, error);
        Assert.Contains("warning: 1 ground-truth event(s) end after their clip's duration", error);
        Assert.Contains("a: dog 1.0–12.5 s, clip 10.0 s", error);
    }
}
