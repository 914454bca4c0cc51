using System.Text.Json;
using Flam.Cli;
using Flam.Tests.Audio;

namespace Flam.Tests.Cli.Commands;

/// <summary>
/// Detection over hundreds of clips while another thread forces garbage collections and runs finalizers without
/// pause. A native Scalar or tensor that the code leaves to the finalizer can then be freed while libtorch still reads
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
            double seconds = c % 25 == 0 ? 10 + random.NextDouble() * 12 : 0.35 + random.NextDouble() * 2.5;
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
    public async Task EveryRoundFinishesWithFiniteProbabilitiesForEveryClip()
    {
        var dir = FixturePaths.NewTempDirectory();
        var clips = WriteClips(dir);
        string[] queries = ["a dog barking", "a car horn", "glass breaking", "a woman speaking", "water running", "a helicopter", "an alarm", "birds singing", "a door slamming", "applause", "a beep"];

        // A failure then names the managed frame that handed libtorch a collected object.
        Environment.SetEnvironmentVariable(FlamApp.TraceVariable, "1");
        using var stop = new CancellationTokenSource();
        var hammer = new Thread(() =>
        {
            // Young-generation collections (where the temporaries live) back to back, a full one now and then:
            // back-to-back full collections would starve the detection thread instead of racing it.
            for (long n = 1; !stop.IsCancellationRequested; n++)
            {
                GC.Collect(n % 64 == 0 ? GC.MaxGeneration : 0);
                GC.WaitForPendingFinalizers();
                Thread.Sleep(0);
            }
        }) { IsBackground = true, Name = "GC hammer" };
        hammer.Start();
        try
        {
            for (int round = 0; round < Rounds; round++)
            {
                // 2 to 11 queries per round, as in the report that found the crash.
                var args = new List<string> { "detect" };
                args.AddRange(clips);
                foreach (var query in queries.Take(2 + round * 4)) args.AddRange(["-q", query]);
                args.Add("--frames");
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                int code = await FlamApp.RunAsync([.. args], stdout, stderr);
                Assert.True(code == 0, $"round {round + 1}: exit {code}: {stderr}");

                using var json = JsonDocument.Parse(stdout.ToString());
                var files = json.RootElement.GetProperty("files").EnumerateArray().ToList();
                Assert.Equal(Clips, files.Count);
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
        finally
        {
            stop.Cancel();
            hammer.Join();
        }
    }
}
