using System.Text.Json;
using Flam.Cli;
using Flam.Tests.Audio;

namespace Flam.Tests.Cli.Commands;

/// <summary>
/// Detection over hundreds of clips, some shorter than one frame, in a process whose garbage collector runs every
/// few allocations. A native Scalar or tensor that the code leaves to the finalizer can then be freed while libtorch still reads
/// it ("Unknown scalar type", "Expected false to be true" from clamp_min_, or a crash of the whole process): the
/// hazard the analyzer ban in build/BannedSymbols.TorchSharp.txt and the per-batch dispose scopes exist to remove.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class DetectionUnderGcPressureTests
{
    private const int Clips = 520, Rounds = 3;

    /// <summary>Mixed lengths: mostly short sounds, some spanning several windows; deterministic content.</summary>
    private static List<string> WriteClips(string dir)
    {
        var random = new Random(20261206);
        var paths = new List<string>(Clips);
        for (int c = 0; c < Clips; c++)
        {
            double seconds = c % 25 == 0 ? 10 + random.NextDouble() * 12 : c % 7 == 0 ? 0.05 + random.NextDouble() * 0.25 : 0.35 + random.NextDouble() * 2.5;
            var samples = new short[(int)(seconds * 16000)];
            double frequency = 200 + random.Next(3000), level = 0.05 + random.NextDouble() * 0.5;
            for (int i = 0; i < samples.Length; i++)
            {
                double tone = Math.Sin(2 * Math.PI * frequency * i / 16000.0);
                samples[i] = (short)(32767 * level * (0.7 * tone + 0.3 * (random.NextDouble() * 2 - 1)));
            }
            paths.Add(TestWav.Save(dir, $"clip{c:D3}.wav", TestWav.Simple(1, 1, 16000, 16, TestWav.Int16(samples))));
        }
        return paths;
    }

    [Fact]
    public void EveryRoundFinishesWithFiniteProbabilitiesForEveryClip()
    {
        using var dir = FixturePaths.NewTempDirectory();
        var clips = WriteClips(dir);
        string[] queries = ["a dog barking", "a car horn", "glass breaking", "a woman speaking", "water running", "a helicopter", "an alarm", "birds singing", "a door slamming", "applause", "a beep"];
        // A separate process with a 64 KB young generation collects every few allocations, so finalizers run all the
        // time beside libtorch's calls; a crash there fails this test instead of taking the test host down.
        var environment = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "0x10000", [FlamApp.TraceVariable] = "1" };
        for (int round = 0; round < Rounds; round++)
        {
            // 2 to 11 queries per round, as in the report that found the crash.
            var args = new List<string> { "detect", dir };
            foreach (var query in queries.Take(2 + round * 4)) args.AddRange(["-q", query]);
            // The official micro checkpoint (RoBERTa text side, small HTSAT): every code path of detection at a
            // fraction of the default model's cost per window.
            args.AddRange(["--frames", "--checkpoint", FixturePaths.Get("model", "micro", "state_dict.pth"),
                "--config", FixturePaths.Get("model", "micro", "config.json"), "--tokenizer", FixturePaths.Get("tokenizer", "tiny")]);
            var stdout = CliProcess.Run(environment, [.. args]);

            using var json = JsonDocument.Parse(stdout);
            var files = json.RootElement.GetProperty("files").EnumerateArray().ToList();
            Assert.Equal(clips.Count, files.Count);
            foreach (var file in files)
            {
                foreach (var query in file.GetProperty("queries").EnumerateArray())
                {
                    var probabilities = query.GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToList();
                    Assert.NotEmpty(probabilities);
                    Assert.All(probabilities, p => Assert.True(double.IsFinite(p) && p is >= 0 and <= 1, $"{file.GetProperty("file")}: {p}"));
                }
            }
        }
    }
}
