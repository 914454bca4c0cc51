using System.Buffers.Binary;
using System.Text.Json;
using Flam.Audio;
using Flam.Cli;

namespace Flam.Tests.Inference;

/// <summary>
/// <c>flam detect</c> end to end on the micro fixture model (vocab 1000) with the tiny RoBERTa-style tokenizer
/// (ids &lt; 1000, see Fixtures/tokenizer/PROVENANCE.md). The micro model is random, so the tests check shapes,
/// formats, frame counts, finiteness and errors, not what it detects.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DetectCommandTests
{
    private static readonly Lazy<string> Audio = new(() =>
    {
        var dir = FixturePaths.NewSharedTempDirectory();
        var random = new Random(3);
        float[] Noise(double seconds, int rate = 48000) => Enumerable.Range(0, (int)(seconds * rate)).Select(_ => (float)(random.NextDouble() - 0.5) * 0.4f).ToArray();
        WavWriter.Write(Path.Combine(dir, "three.wav"), Noise(3), 48000);
        WavWriter.Write(Path.Combine(dir, "twentythree.wav"), Noise(23), 48000);
        WavWriter.Write(Path.Combine(dir, "twelve.wav"), Noise(12), 48000);
        WavWriter.Write(Path.Combine(dir, "silence.wav"), new float[10 * 48000], 48000);
        WavWriter.Write(Path.Combine(dir, "blip.wav"), Noise(0.2), 48000);
        WavWriter.Write(Path.Combine(dir, "empty.wav"), [], 48000);
        WavWriter.Write(Path.Combine(dir, "at16k.wav"), Noise(4, 16000), 16000);
        return dir;
    });

    private static string Wav(string name) => Path.Combine(Audio.Value, name);

    private static async Task<(int Code, string Out, string Err)> Detect(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(["detect", .. args], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Json_has_the_pinned_shape_with_one_probability_per_frame()
    {
        var (code, output, error) = await Detect([Wav("three.wav"), Wav("twentythree.wav"), "-q", "people play a game", "-q", "time", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(["model", "files"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(FixturePaths.Get("model", "micro", "state_dict.pth"), root.GetProperty("model").GetString());
        var files = root.GetProperty("files").EnumerateArray().ToArray();
        Assert.Equal(2, files.Length);
        (string Name, double Duration, int Frames)[] expected = [("three.wav", 3, 10), ("twentythree.wav", 23, 74)]; // ⌈d / 0.3125⌉
        for (var f = 0; f < 2; f++)
        {
            var file = files[f];
            Assert.Equal(["file", "duration", "frame_seconds", "queries"], file.EnumerateObject().Select(p => p.Name));
            Assert.Equal(Wav(expected[f].Name), file.GetProperty("file").GetString());
            Assert.Equal(expected[f].Duration, file.GetProperty("duration").GetDouble(), 9);
            Assert.Equal(0.3125, file.GetProperty("frame_seconds").GetDouble());
            var queries = file.GetProperty("queries").EnumerateArray().ToArray();
            Assert.Equal(["people play a game", "time"], queries.Select(q => q.GetProperty("query").GetString()));
            foreach (var query in queries)
            {
                Assert.Equal(["query", "events", "probabilities"], query.EnumerateObject().Select(p => p.Name));
                var probabilities = query.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
                Assert.Equal(expected[f].Frames, probabilities.Length);
                Assert.All(probabilities, p => Assert.InRange(p, 0.0, 1.0));
                foreach (var e in query.GetProperty("events").EnumerateArray())
                {
                    Assert.Equal(["onset", "offset", "max", "mean"], e.EnumerateObject().Select(p => p.Name));
                    Assert.InRange(e.GetProperty("onset").GetDouble(), 0, e.GetProperty("offset").GetDouble());
                    Assert.InRange(e.GetProperty("offset").GetDouble(), 0, expected[f].Duration);
                }
            }
        }
    }

    [Fact]
    public async Task Without_frames_json_has_no_probabilities()
    {
        var (code, output, error) = await Detect([Wav("three.wav"), "-q", "time", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var query = json.RootElement.GetProperty("files")[0].GetProperty("queries")[0];
        Assert.Equal(["query", "events"], query.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Tsv_is_dcase_events_and_a_low_threshold_gives_one_event_per_query_over_the_whole_file()
    {
        // Calibrated probabilities are positive, so with threshold 1e-6 every frame is active: the event is the whole file.
        using var dir = FixturePaths.NewTempDirectory();
        var outPath = Path.Combine(dir, "events.tsv");
        var (code, output, error) = await Detect([Wav("three.wav"), Wav("twelve.wav"), "-q", "time", "-q", "people", "--format", "tsv", "--threshold", "1e-6", "--out", outPath, .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        Assert.Contains("4 events in 2 file(s)", output);
        var lines = File.ReadAllLines(outPath);
        Assert.Equal("filename\tonset\toffset\tevent_label", lines[0]);
        Assert.Equal(
            [$"{Wav("three.wav")}\t0\t3\ttime", $"{Wav("three.wav")}\t0\t3\tpeople", $"{Wav("twelve.wav")}\t0\t12\ttime", $"{Wav("twelve.wav")}\t0\t12\tpeople"],
            lines[1..]);
    }

    [Fact]
    public async Task Csv_frames_have_one_row_per_frame_and_a_column_per_query()
    {
        var (code, output, error) = await Detect([Wav("twelve.wav"), "-q", "time", "-q", "a game, played", "--format", "csv", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal("filename,onset,offset,time,\"a game, played\"", lines[0]);
        Assert.Equal(1 + 39, lines.Length); // ⌈12 / 0.3125⌉ = ⌈38.4⌉ frames
        Assert.StartsWith($"{Wav("twelve.wav")},11.875,12,", lines[^1]);
    }

    [Fact]
    public async Task Silence_gives_finite_probabilities()
    {
        var (code, output, error) = await Detect([Wav("silence.wav"), "-q", "time", "-q", "people", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        foreach (var query in json.RootElement.GetProperty("files")[0].GetProperty("queries").EnumerateArray())
        {
            var probabilities = query.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
            Assert.Equal(32, probabilities.Length);
            Assert.All(probabilities, p => Assert.True(double.IsFinite(p) && p >= 0 && p <= 1, $"{p}"));
        }
    }

    [Fact]
    public async Task Other_sample_rates_are_resampled_and_timed_correctly()
    {
        var (code, output, error) = await Detect([Wav("at16k.wav"), "-q", "time", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var file = json.RootElement.GetProperty("files")[0];
        Assert.Equal(4.0, file.GetProperty("duration").GetDouble(), 6);
        Assert.Equal(13, file.GetProperty("queries")[0].GetProperty("probabilities").GetArrayLength()); // ⌈4 / 0.3125⌉ = ⌈12.8⌉
    }

    [Theory]
    [InlineData("tone1k-44k-mono.mp3")]
    [InlineData("tone880-48k-stereo.ogg")]
    public async Task Compressed_formats_are_detected_with_a_frame_per_0_3125_s(string name)
    {
        var path = FixturePaths.Get("audio", name);
        var (code, output, error) = await Detect([path, "-q", "time", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var file = json.RootElement.GetProperty("files")[0];
        var duration = file.GetProperty("duration").GetDouble();
        Assert.Equal(AudioFile.Load(path).Length / 48000.0, duration, 6);
        var probabilities = file.GetProperty("queries")[0].GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal((int)Math.Ceiling(duration / 0.3125), probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, 0.0, 1.0));
    }

    [Fact]
    public async Task Plot_writes_one_png_per_file()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var one = Path.Combine(dir, "one.png");
        var (code, _, error) = await Detect([Wav("three.wav"), "-q", "time", "-q", "people", "--plot", one, .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        var bytes = File.ReadAllBytes(one);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Equal(300 + 2 * 190, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20))); // spectrogram + one row per query

        (code, _, error) = await Detect([Wav("three.wav"), Wav("twelve.wav"), "-q", "time", "--plot", Path.Combine(dir, "many.png"), .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(dir, "many_three.png")));
        Assert.True(File.Exists(Path.Combine(dir, "many_twelve.png")));
    }

    [Fact]
    public async Task Decoder_warnings_reach_stderr()
    {
        // A WAV cut short: its data chunk claims more bytes than the file holds, which the decoder reports and tolerates.
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir, "cut.wav");
        var bytes = File.ReadAllBytes(Wav("three.wav"));
        File.WriteAllBytes(path, bytes[..^4000]);
        var (code, _, error) = await Detect([path, "-q", "time", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        Assert.Contains("warning: ", error);
        Assert.Contains("cut.wav", error);
    }

    [Fact]
    public async Task Query_longer_than_77_tokens_is_truncated_with_a_warning()
    {
        var longQuery = string.Concat(Enumerable.Repeat("time ", 120));
        var (code, _, error) = await Detect([Wav("three.wav"), "-q", longQuery, .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(0, code);
        Assert.Contains("warning:", error);
        Assert.Contains("only the first 77", error);
    }

    [Fact]
    public async Task Clip_shorter_than_one_frame_gives_one_frame()
    {
        var (code, output, error) = await Detect([Wav("blip.wav"), "-q", "time", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var file = Assert.Single(json.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(0.2, file.GetProperty("duration").GetDouble(), 9);
        var query = Assert.Single(file.GetProperty("queries").EnumerateArray());
        Assert.Single(query.GetProperty("probabilities").EnumerateArray());
        foreach (var e in query.GetProperty("events").EnumerateArray())
        {
            Assert.InRange(e.GetProperty("offset").GetDouble(), 0, 0.2);
        }
    }

    /// <summary>
    /// A randomly initialised micro model with base-12hz's patch-2 encoder shape (128 frames per 10 s clip) and the micro
    /// text side, saved as a Flam checkpoint folder.
    /// </summary>
    private static TempDirectory TwelveHzMicroModel()
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(FixturePaths.Get("model", "micro", "config.json")))!;
        var audio = json["audio_cfg"]!;
        audio["htsat_patch_size"] = 2;
        audio["htsat_patch_stride"] = new System.Text.Json.Nodes.JsonArray(2, 2);
        audio["htsat_depths"] = new System.Text.Json.Nodes.JsonArray(1, 1, 1);
        audio["htsat_num_heads"] = new System.Text.Json.Nodes.JsonArray(1, 2, 4);
        audio.AsObject().Remove("audio_embed_dim");
        var dir = FixturePaths.NewTempDirectory();
        var config = Flam.Model.FlamConfig.FromJson(json.ToJsonString(), "micro-12hz.json");
        Assert.Equal(128, config.Audio.Frames);
        TorchSharp.torch.manual_seed(12);
        using var model = Flam.Model.FlamModel.Create(config);
        model.Save(dir);
        return dir;
    }

    [Fact]
    public async Task A_base_12hz_model_detects_on_its_own_frame_grid()
    {
        using var model = TwelveHzMicroModel();
        var (code, output, error) = await Detect([Wav("twelve.wav"), "-q", "time", "--frames", "--checkpoint", model, "--tokenizer", FixturePaths.Get("tokenizer", "tiny")]);
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var file = Assert.Single(json.RootElement.GetProperty("files").EnumerateArray());
        Assert.Equal(0.078125, file.GetProperty("frame_seconds").GetDouble()); // 10 s / 128
        var query = Assert.Single(file.GetProperty("queries").EnumerateArray());
        var probabilities = query.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
        Assert.Equal(154, probabilities.Length); // ⌈12 / 0.078125⌉ = ⌈153.6⌉
        Assert.All(probabilities, p => Assert.InRange(p, 0.0, 1.0));
    }

    public static TheoryData<string[], string> BadInput => new()
    {
        { ["empty.wav", "-q", "time"], "empty (0 samples)" },
        { ["three.wav", "-q", ""], "empty" },
        { ["three.wav", "-q", "   "], "empty" },
        { ["missing.wav", "-q", "time"], "missing.wav" },
        { ["three.wav", "-q", "time", "--hop", "4"], "hop" },
        { ["three.wav", "-q", "time", "--median", "2"], "median" },
        { ["three.wav", "-q", "time", "--threshold", "1.5"], "threshold" },
        { ["three.wav", "-q", "time", "--precision", "fp64"], "--precision 'fp64'" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Bad_input_fails_with_a_message_and_writes_nothing(string[] args, string message)
    {
        using var dir = FixturePaths.NewTempDirectory();
        var outPath = Path.Combine(dir, "out.json");
        var (code, output, error) = await Detect([Wav(args[0]), .. args[1..], "--out", outPath, "--plot", Path.Combine(dir, "p.png"), .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains(message, error);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Missing_or_malformed_tokenizer_is_named()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var args = FixturePaths.MicroModelArguments();
        args[^1] = dir;
        var (code, _, error) = await Detect([Wav("three.wav"), "-q", "time", .. args]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(Path.Combine(dir, "vocab.json"), error);

        File.WriteAllText(Path.Combine(dir, "vocab.json"), "{\"<s>\": 0,");
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\n");
        (code, _, error) = await Detect([Wav("three.wav"), "-q", "time", .. args]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(Path.Combine(dir, "vocab.json"), error);

        // Without --tokenizer the checkpoint's folder is searched, and the micro fixture has none there.
        (code, _, error) = await Detect([Wav("three.wav"), "-q", "time", .. FixturePaths.MicroModelArguments()[..4]]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("--tokenizer", error);
    }

    [Fact]
    public async Task Existing_output_is_kept_without_force()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var outPath = Path.Combine(dir, "out.json");
        File.WriteAllText(outPath, "keep me");
        var (code, _, error) = await Detect([Wav("three.wav"), "-q", "time", "--out", outPath, .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("--force", error);
        Assert.Equal("keep me", File.ReadAllText(outPath));
        (code, _, error) = await Detect([Wav("three.wav"), "-q", "time", "--out", outPath, "--force", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        Assert.StartsWith("{", File.ReadAllText(outPath));
    }

    /// <summary>A fresh folder holding copies of the named test recordings under the given relative names.</summary>
    private static TempDirectory Folder(params (string Name, string Source)[] files)
    {
        var dir = FixturePaths.NewTempDirectory();
        foreach (var (name, source) in files)
        {
            var path = Path.Combine(dir, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Copy(Wav(source), path);
        }
        return dir;
    }

    [Fact]
    public async Task Folder_is_searched_recursively_in_ordinal_order_and_skipped_files_are_counted()
    {
        using var dir = Folder(("sub/b.wav", "three.wav"), ("a.wav", "twelve.wav"), ("B.wav", "three.wav"), (".hidden.wav", "three.wav"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not audio");
        var (code, output, error) = await Detect([dir, "-q", "time", "--format", "tsv", "--threshold", "1e-6", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        Assert.Equal(
            ["filename\tonset\toffset\tevent_label", $"{dir}/B.wav\t0\t3\ttime", $"{dir}/a.wav\t0\t12\ttime", $"{dir}/sub/b.wav\t0\t3\ttime"],
            output.TrimEnd('\n').Split('\n'));
        Assert.Contains("skipped 2 file(s) in the given folder(s): 1 hidden, 1 not audio by extension", error);
    }

    [Fact]
    public async Task Out_dir_writes_one_label_track_per_file_below_the_same_relative_path()
    {
        using var dir = Folder(("a.wav", "three.wav"), ("sub/b.wav", "twelve.wav"));
        using var temp = FixturePaths.NewTempDirectory();
        var outDir = Path.Combine(temp, "labels");
        var (code, output, error) = await Detect([dir, "-q", "time", "-q", "people", "--format", "audacity", "--threshold", "1e-6", "--out-dir", outDir, .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        Assert.Equal("0.000000\t3.000000\ttime\n0.000000\t3.000000\tpeople\n", File.ReadAllText(Path.Combine(outDir, "a.wav.labels.txt")));
        Assert.Equal("0.000000\t12.000000\ttime\n0.000000\t12.000000\tpeople\n", File.ReadAllText(Path.Combine(outDir, "sub", "b.wav.labels.txt")));
        Assert.Equal(["a.wav.labels.txt", "sub/b.wav.labels.txt"],
            Directory.GetFiles(outDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(outDir, f)).Order(StringComparer.Ordinal));
        Assert.Contains($"{outDir}: 2 report(s) with 4 events", output);
    }

    [Fact]
    public async Task Raven_selection_table_lists_each_event_over_the_mel_band()
    {
        var (code, output, error) = await Detect([Wav("three.wav"), "-q", "time", "--format", "raven", "--threshold", "1e-6", .. FixturePaths.MicroModelArguments()]);
        Assert.True(code == 0, error);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\tMax Probability\tMean Probability", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("1\tSpectrogram 1\t1\t0.000000\t3.000000\t50.0\t14000.0\ttime\t", lines[1]);
    }

    [Fact]
    public async Task Skip_existing_resumes_a_run_stopped_by_a_bad_file()
    {
        // b.wav holds no samples, so a run without --keep-going stops there, after a.wav's report is written.
        using var dir = Folder(("a.wav", "three.wav"), ("b.wav", "empty.wav"), ("c.wav", "twelve.wav"));
        using var outDir = FixturePaths.NewTempDirectory();
        string[] run = [dir, "-q", "time", "--out-dir", outDir, .. FixturePaths.MicroModelArguments()];
        var (code, _, error) = await Detect(run);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains("b.wav", error);
        Assert.Equal(["a.wav.json"], Directory.GetFiles(outDir).Select(Path.GetFileName));
        var first = File.ReadAllText(Path.Combine(outDir, "a.wav.json"));
        using (var json = JsonDocument.Parse(first))
        {
            Assert.Equal(Path.Combine(dir, "a.wav"), json.RootElement.GetProperty("files")[0].GetProperty("file").GetString());
        }

        // Rerunning as before refuses to overwrite the finished report.
        (code, _, error) = await Detect(run);
        Assert.Equal(FlamApp.UserError, code);
        Assert.Contains(Path.Combine(outDir, "a.wav.json"), error);
        Assert.Contains("--skip-existing", error);

        File.Copy(Wav("three.wav"), Path.Combine(dir, "b.wav"), overwrite: true);
        File.SetLastWriteTimeUtc(Path.Combine(outDir, "a.wav.json"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        (code, _, error) = await Detect([.. run, "--skip-existing"]);
        Assert.True(code == 0, error);
        Assert.Contains("skipped 1 file(s) whose report already exists", error);
        Assert.Equal(["a.wav.json", "b.wav.json", "c.wav.json"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(Path.Combine(outDir, "a.wav.json")));
    }

    [Fact]
    public async Task Keep_going_reports_each_bad_file_finishes_the_others_and_exits_non_zero()
    {
        using var dir = Folder(("a.wav", "three.wav"), ("b.wav", "empty.wav"), ("d.wav", "twelve.wav"));
        File.WriteAllText(Path.Combine(dir, "c.wav"), "this is not a wav file");
        using var outDir = FixturePaths.NewTempDirectory();
        var (code, output, error) = await Detect([dir, "-q", "time", "--out-dir", outDir, "--keep-going", .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.SomeFilesFailed, code);
        Assert.Equal(["a.wav.json", "d.wav.json"], Directory.GetFiles(outDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var summary = error[error.IndexOf("2 of 4 file(s) failed:\n", StringComparison.Ordinal)..].TrimEnd('\n').Split('\n');
        Assert.Equal(3, summary.Length);
        Assert.StartsWith($"  {Path.Combine(dir, "b.wav")}: ", summary[1]);
        Assert.Contains("is empty (0 samples)", summary[1]);
        Assert.StartsWith($"  {Path.Combine(dir, "c.wav")}: ", summary[2]);
        Assert.Contains($"{outDir}: 2 report(s)", output);

        // One report for all: the good files are in it, the bad ones only in the summary.
        (code, output, error) = await Detect([dir, "-q", "time", "--format", "tsv", "--threshold", "1e-6", "--keep-going", .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.SomeFilesFailed, code);
        Assert.Equal(["filename\tonset\toffset\tevent_label", $"{dir}/a.wav\t0\t3\ttime", $"{dir}/d.wav\t0\t12\ttime"], output.TrimEnd('\n').Split('\n'));
        Assert.Contains("2 of 4 file(s) failed:", error);
    }

    public static TheoryData<string[], string> BadOutputOptions => new()
    {
        { ["--format", "audacity"], "--out-dir" },
        { ["--format", "raven", "--frames", "--out-dir", "o"], "--frames" },
        { ["--skip-existing"], "--skip-existing needs --out-dir" },
        { ["--skip-existing", "--force", "--out-dir", "o"], "exclude each other" },
        { ["--out", "x.json", "--out-dir", "o"], "exclude each other" },
    };

    [Theory]
    [MemberData(nameof(BadOutputOptions))]
    public async Task Output_options_that_cannot_work_are_named_before_any_work(string[] options, string message)
    {
        using var dir = FixturePaths.NewTempDirectory();
        options = options.Select(o => o is "o" or "x.json" ? Path.Combine(dir, o) : o).ToArray();
        var (code, output, error) = await Detect([Wav("three.wav"), Wav("twelve.wav"), "-q", "time", .. options, .. FixturePaths.MicroModelArguments()]);
        Assert.Equal(FlamApp.UserError, code);
        Assert.StartsWith("error: ", error);
        Assert.Contains(message, error);
        Assert.Equal("", output);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }
}
