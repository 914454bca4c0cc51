using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Flam.Audio;
using Flam.Cli;
using Flam.IO;
using Flam.Tests.Index;

namespace Flam.Tests.Inference;

/// <summary>
/// <c>flam index add</c>, <c>flam index info</c> and <c>flam search</c> end to end on the micro fixture model: search
/// equals detect, incremental runs, clips, query by example, two indexers, and SIGKILL at several moments.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class IndexCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Flam(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Noise clips of the given lengths (48 kHz) in <c>audio/</c>, with a louder burst at a seed-dependent place.</summary>
    private static string Clips(TempDirectory temp, params double[] seconds)
    {
        for (var i = 0; i < seconds.Length; i++)
        {
            var random = new Random(i + 7);
            var samples = new float[(int)(seconds[i] * 48000)];
            var burst = random.Next(samples.Length);
            for (var s = 0; s < samples.Length; s++)
            {
                samples[s] = (float)(random.NextDouble() - 0.5) * (Math.Abs(s - burst) < 48000 ? 1.6f : 0.2f);
            }
            Directory.CreateDirectory(temp["audio"]);
            WavWriter.Write(temp[$"audio/clip{i:D2}.wav"], samples, 48000);
        }
        return temp["audio"];
    }

    private sealed record Event(string File, string Query, double Onset, double Offset, double Max, double Mean);

    private static List<Event> DetectEvents(string json) => JsonDocument.Parse(json).RootElement.GetProperty("files").EnumerateArray()
        .SelectMany(f => f.GetProperty("queries").EnumerateArray().SelectMany(q => q.GetProperty("events").EnumerateArray().Select(e => new Event(
            f.GetProperty("file").GetString()!, q.GetProperty("query").GetString()!, e.GetProperty("onset").GetDouble(), e.GetProperty("offset").GetDouble(),
            e.GetProperty("max").GetDouble(), e.GetProperty("mean").GetDouble())))).ToList();

    private static List<Event> SearchEvents(string json) => JsonDocument.Parse(json).RootElement.GetProperty("results").EnumerateArray()
        .Select(e => new Event(e.GetProperty("file").GetString()!, e.GetProperty("query").GetString()!, e.GetProperty("onset").GetDouble(),
            e.GetProperty("offset").GetDouble(), e.GetProperty("max").GetDouble(), e.GetProperty("mean").GetDouble())).ToList();

    /// <summary>A threshold between two neighbouring frame probabilities near the median, so no frame sits on it.</summary>
    private static double ThresholdInAGap(string framesJson)
    {
        var values = JsonDocument.Parse(framesJson).RootElement.GetProperty("files").EnumerateArray()
            .SelectMany(f => f.GetProperty("queries").EnumerateArray().SelectMany(q => q.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble())))
            .Distinct().Order().ToArray();
        var middle = values.Length / 2;
        var gap = Enumerable.Range(middle - values.Length / 8, values.Length / 4).MaxBy(i => values[i + 1] - values[i]);
        return (values[gap] + values[gap + 1]) / 2;
    }

    [Fact]
    public async Task Search_with_float32_storage_finds_exactly_the_events_detect_finds_in_every_file()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Clips(temp, 3, 12, 23, 7.5);
        string[] queries = ["-q", "people play a game", "-q", "time"];
        var add = await Flam(["index", "add", audio, "--index", temp["index"], "--storage", "float32", "--hop", "5", .. FixturePaths.MicroModelArguments()]);
        Assert.True(add.Code == 0, add.Err);
        Assert.Contains("indexed 4 file(s)", add.Out);

        var frames = await Flam(["detect", audio, .. queries, "--hop", "5", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(frames.Code == 0, frames.Err);
        var threshold = ThresholdInAGap(frames.Out).ToString("R", CultureInfo.InvariantCulture);
        var detect = await Flam(["detect", audio, .. queries, "--hop", "5", "--threshold", threshold, .. FixturePaths.MicroModelArguments()]);
        Assert.True(detect.Code == 0, detect.Err);
        var expected = DetectEvents(detect.Out);
        Assert.True(expected.Count >= 8, $"only {expected.Count} events to compare");

        // The index remembers its model: search needs no model options.
        var search = await Flam(["search", "people play a game", "time", "--index", temp["index"], "--threshold", threshold, "--top", "1000"]);
        Assert.True(search.Code == 0, search.Err);
        var actual = SearchEvents(search.Out);
        Assert.Equal(actual.Select(e => e.Max).OrderDescending(), actual.Select(e => e.Max)); // best first
        Assert.Equal(expected.Count, actual.Count);
        foreach (var e in expected)
        {
            var match = actual.SingleOrDefault(a => a.File == e.File && a.Query == e.Query && Math.Abs(a.Onset - e.Onset) < 1e-6 && Math.Abs(a.Offset - e.Offset) < 1e-6);
            Assert.True(match is not null, $"search misses {e}");
            Assert.True(Math.Abs(match.Max - e.Max) <= 1e-4 && Math.Abs(match.Mean - e.Mean) <= 1e-4, $"search {match} differs from detect {e}");
        }
    }

    [Fact]
    public async Task A_second_add_encodes_nothing_and_info_tells_what_the_index_holds()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Clips(temp, 4, 14, 21);
        Assert.Equal(0, (await Flam(["index", "add", audio, "--index", temp["index"], .. FixturePaths.MicroModelArguments()])).Code);
        var again = await Flam(["index", "add", audio, "--index", temp["index"]]);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("indexed 0 file(s) (0 h), 3 unchanged, 0 removed", again.Out);
        File.Delete(temp["audio/clip01.wav"]);
        var removed = await Flam(["index", "add", audio, "--index", temp["index"]]);
        Assert.Contains("indexed 0 file(s) (0 h), 2 unchanged, 1 removed", removed.Out);

        var info = await Flam(["index", "info", "--index", temp["index"]]);
        Assert.True(info.Code == 0, info.Err);
        Assert.Contains("files:    2\n", info.Out);
        Assert.Contains("(4 windows)", info.Out); // ⌈4/10⌉ + ⌈21/10⌉
        Assert.Contains($"model:    {FixturePaths.Get("model", "micro", "state_dict.pth")} (id ", info.Out);
        Assert.Contains("storage:  int8, d = 24, 32 frames of 0.3125 s per 10 s window, hop 10 s", info.Out);
        Assert.Contains("unused:   2 windows", info.Out);
        Assert.Contains("state:    ok", info.Out);
    }

    [Fact]
    public async Task Search_writes_the_pinned_json_and_cuts_clips_and_a_missing_file_stops_the_clips()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Clips(temp, 12, 23);
        Assert.Equal(0, (await Flam(["index", "add", audio, "--index", temp["index"], .. FixturePaths.MicroModelArguments()])).Code);
        var search = await Flam(["search", "time", "--index", temp["index"], "--threshold", "1e-6", "--top", "5", "--export-clips", temp["clips"], "--context", "0.5"]);
        Assert.True(search.Code == 0, search.Err);
        Assert.Contains($"{temp["clips"]}: 2 clip(s)", search.Err);
        using var document = JsonDocument.Parse(search.Out);
        Assert.Equal(["model", "index", "results"], document.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(temp["index"], document.RootElement.GetProperty("index").GetString());
        var results = document.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(2, results.Length); // threshold ~0: one event over each whole file
        Assert.All(results, r => Assert.Equal(["query", "file", "onset", "offset", "max", "mean"], r.EnumerateObject().Select(p => p.Name)));
        Assert.Equal([temp["audio/clip00.wav"], temp["audio/clip01.wav"]], results.Select(r => r.GetProperty("file").GetString()).Order());
        var clips = Directory.GetFiles(temp["clips"]).Order().ToArray();
        Assert.Equal(2, clips.Length);
        Assert.StartsWith("001_time_clip0", Path.GetFileName(clips[0]));
        var lengths = clips.Select(c => AudioFile.Probe(c).Duration).Order().ToArray();
        Assert.Equal([12.0, 23.0], lengths); // whole files: the context is clamped at both ends

        File.Delete(temp["audio/clip01.wav"]);
        var missing = await Flam(["search", "time", "--index", temp["index"], "--threshold", "1e-6", "--export-clips", temp["clips2"]]);
        Assert.Equal(1, missing.Code);
        Assert.Contains($"error: '{temp["audio/clip01.wav"]}' was indexed but is no longer there", missing.Err);
        Assert.False(Directory.Exists(temp["clips2"]));
    }

    [Fact]
    public async Task Search_like_an_example_ranks_the_example_itself_first()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Clips(temp, 12, 23, 9);
        Assert.Equal(0, (await Flam(["index", "add", audio, "--index", temp["index"], .. FixturePaths.MicroModelArguments()])).Code);
        var example = temp["audio/clip01.wav"] + "@10";
        var search = await Flam(["search", "--like", example, "--index", temp["index"], "--threshold", "0.2", "--format", "csv"]);
        Assert.True(search.Code == 0, search.Err);
        var lines = search.Out.TrimEnd('\n').Split('\n');
        Assert.Equal("query,file,onset,offset,max,mean", lines[0]);
        var best = lines[1].Split(',');
        Assert.Equal(example, best[0]);
        Assert.Equal(temp["audio/clip01.wav"], best[1]);
        Assert.True(double.Parse(best[2], CultureInfo.InvariantCulture) < 20 && double.Parse(best[3], CultureInfo.InvariantCulture) > 10, lines[1]);
    }

    [Fact]
    public async Task Another_model_and_a_missing_index_are_clear_errors()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Clips(temp, 4);
        Assert.Equal(0, (await Flam(["index", "add", audio, "--index", temp["index"], .. FixturePaths.MicroModelArguments()])).Code);
        var other = await Flam(["index", "add", audio, "--index", temp["index"]]); // the shipped default model
        Assert.Equal(0, other.Code); // an existing index keeps its own model
        var refused = await Flam(["search", "time", "--index", temp["index"], "--checkpoint", Path.Combine(AppContext.BaseDirectory, "models", "default")]);
        Assert.Equal(1, refused.Code);
        Assert.Contains("was built with model", refused.Err);
        var none = await Flam(["search", "time", "--index", temp["nothing"]]);
        Assert.Equal(1, none.Code);
        Assert.Contains($"error: '{temp["nothing"]}' is not an index", none.Err);
    }

    [Fact]
    public async Task A_second_indexer_is_refused_while_one_runs()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Clips(temp, 60, 60, 60, 60);
        using var first = CliProcess.Start(["index", "add", audio, "--index", temp["index"], .. FixturePaths.MicroModelArguments()]);
        var stderr = first.StandardError.ReadToEndAsync();
        _ = first.StandardOutput.ReadToEndAsync();
        var limit = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(temp["index"], OutputLock.HolderFileName)) && !first.HasExited && limit.Elapsed < TimeSpan.FromMinutes(1))
        {
            Thread.Sleep(5);
        }
        Assert.False(first.HasExited, "the first run ended before the second started: " + (first.HasExited ? await stderr : ""));
        var second = await Flam(["index", "add", audio, "--index", temp["index"], .. FixturePaths.MicroModelArguments()]);
        first.WaitForExit();
        Assert.Equal(1, second.Code);
        Assert.Contains($"error: The output folder '{temp["index"]}' is in use by another process (PID {first.Id}, 'flam index add'", second.Err);
        Assert.Equal(0, first.ExitCode);
    }

    /// <summary>Starts <c>flam index add</c> and SIGKILLs it once its segment holds <paramref name="bytes"/> bytes.</summary>
    private static void KillWhenSegmentHolds(string[] args, string segment, long bytes)
    {
        using var process = CliProcess.Start(args);
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var limit = Stopwatch.StartNew();
        while (!(File.Exists(segment) && new FileInfo(segment).Length >= bytes) && !process.HasExited && limit.Elapsed < TimeSpan.FromMinutes(1))
        {
            Thread.Sleep(1);
        }
        Assert.False(process.HasExited, "the run ended before the kill point: " + (stderr.IsCompleted ? stderr.Result : ""));
        using (var kill = Process.Start("kill", ["-KILL", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }
        process.WaitForExit();
    }

    [Fact]
    public void Index_add_killed_twice_then_rerun_equals_an_uninterrupted_run()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var audio = Clips(temp, [.. Enumerable.Repeat(31.0, 12)]);
        string[] Args(string index) => ["index", "add", audio, "--index", index, .. FixturePaths.MicroModelArguments()];
        var killed = temp["killed"];
        var segment = Path.Combine(killed, "segments", "000001.frames");
        const int WindowBytes = 32 * 24; // int8 frames of the micro model (d = 24 codes a frame)
        foreach (var windows in new[] { 5, 30 })
        {
            KillWhenSegmentHolds(Args(killed), segment, windows * WindowBytes);
            Assert.True(File.Exists(Path.Combine(killed, OutputLock.FileName)), "the run was not killed while it held its folder");
            Assert.Contains("interrupted", CliProcess.Run("index", "info", "--index", killed));
        }
        CliProcess.Run(Args(killed));
        var straight = temp["straight"];
        CliProcess.Run(Args(straight));

        var expected = IndexTestData.Snapshot(straight);
        var actual = IndexTestData.Snapshot(killed);
        Assert.Equal(expected.Keys.Where(k => k.StartsWith("segments", StringComparison.Ordinal)), actual.Keys.Where(k => k.StartsWith("segments", StringComparison.Ordinal)));
        Assert.Equal(12 * 4 * WindowBytes, actual["segments/000001.frames"].Length);
        Assert.True(expected["segments/000001.frames"].AsSpan().SequenceEqual(actual["segments/000001.frames"]), "the frames differ from the uninterrupted run");
        Assert.True(expected["segments/000001.keys"].AsSpan().SequenceEqual(actual["segments/000001.keys"]), "the keys differ from the uninterrupted run");
        string Search(string index) => CliProcess.Run("search", "time", "people", "--index", index, "--threshold", "0.01", "--top", "100").Replace(index, "INDEX", StringComparison.Ordinal);
        Assert.Equal(Search(straight), Search(killed));
        string Info(string index) => string.Join("\n", CliProcess.Run("index", "info", "--index", index).Split('\n').Where(l => !l.StartsWith("index:", StringComparison.Ordinal) && !l.StartsWith("size:", StringComparison.Ordinal)));
        Assert.Equal(Info(straight), Info(killed));
        Assert.Contains("state:    ok", Info(killed));
    }
}
