using BenchmarkDotNet.Attributes;
using Flam.Audio;
using Flam.Synthesis;

namespace Flam.Benchmarks;

/// <summary>
/// <c>flam synthesize</c> throughput: 10 s mixtures with 3 events from 48 kHz WAV sources on 2 threads (target ≥ 10 per
/// second), and the parts of one mixture (render, A-weighting, WAV write, source decode) to show where the time goes.
/// Run: <c>dotnet run -c Release --project bench/Flam.Benchmarks -- --filter '*Synthesis*'</c>.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SynthesisBenchmarks
{
    private const int Rate = 48000;
    private const int SetSize = 40;
    private string _root = "";
    private string _events = "";
    private string _backgrounds = "";
    private string _output = "";
    private SynthesisOptions _options = new();
    private MixtureGenerator _generator = null!;
    private float[] _mixture = [];
    private readonly AWeightingFilter _filter = new(Rate);
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), "flam-bench-synthesis");
        _events = Path.Combine(_root, "events");
        _backgrounds = Path.Combine(_root, "backgrounds");
        _output = Path.Combine(_root, "set");
        // Fresh sources every process: rewritten files are a different recipe to a set left by an earlier process.
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
        Directory.CreateDirectory(_events);
        Directory.CreateDirectory(_backgrounds);
        var rng = new Random(1);
        for (var i = 0; i < 24; i++)
        {
            // Tones and noise bursts of 0.3–4 s with gaps, like short sound effects.
            var seconds = 0.3 + 3.7 * rng.NextDouble();
            var x = new float[(int)(seconds * Rate)];
            var frequency = 200 + 4000 * rng.NextDouble();
            for (var n = 0; n < x.Length; n++)
            {
                var on = (n / (Rate / 4)) % 3 != 2;
                x[n] = on ? (float)(0.3 * (i % 2 == 0 ? Math.Sin(2 * Math.PI * frequency * n / Rate) : 2 * rng.NextDouble() - 1)) : 0;
            }
            WavWriter.Write(Path.Combine(_events, $"effect_{i:D2}.wav"), x, Rate);
        }
        for (var i = 0; i < 4; i++)
        {
            var x = new float[60 * Rate];
            for (var n = 0; n < x.Length; n++)
            {
                x[n] = (float)(0.03 * (2 * rng.NextDouble() - 1));
            }
            WavWriter.Write(Path.Combine(_backgrounds, $"ambience_{i}.wav"), x, Rate);
        }
        _options = new SynthesisOptions { MinEvents = 3, MaxEvents = 3 };
        // Index once (cached next to the set) so the timed runs measure mixing, as later runs of a real library do.
        Synthesizer.Run(Request(1));
        var library = SourceLibrary.Create(_events, SourceIndex.Build(_events, null, 2), null, _backgrounds, SourceIndex.Build(_backgrounds, null, 2), null, _options);
        _generator = new MixtureGenerator(library, _options, new SourceAudioCache(Rate));
        _mixture = _generator.Generate(1, 0).Samples;
    }

    private SynthesisRequest Request(int count) =>
        new(_events, null, _backgrounds, null, _output, count, 1, _options, Threads: 2, IndexCacheFolder: Path.Combine(_root, "index"));

    [IterationSetup(Target = nameof(Set40MixturesOn2Threads))]
    public void ClearSet()
    {
        foreach (var dir in new[] { "audio", "recipes" })
        {
            var path = Path.Combine(_output, dir);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }

    /// <summary>The whole command on 2 threads: 40 mixtures → mixtures/s = 40 / time.</summary>
    [Benchmark]
    public SynthesisSummary Set40MixturesOn2Threads() => Synthesizer.Run(Request(SetSize));

    /// <summary>Rendering one mixture in memory (sources cached): background, 3 events, labels, loudness.</summary>
    [Benchmark]
    public float[] RenderOneMixture() => _generator.Generate(1, _next++ % 1000).Samples;

    /// <summary>A-weighting 10 s at 48 kHz (the per-event/excerpt analysis cost).</summary>
    [Benchmark]
    public float[] AWeight10Seconds() => _filter.Apply(_mixture);

    /// <summary>Writing one 10 s mixture as 16-bit WAV (temporary file, fsync, rename).</summary>
    [Benchmark]
    public void WriteOneWav() => WavWriter.Write(Path.Combine(_root, "one.wav"), _mixture, Rate);

    /// <summary>Decoding one 60 s 48 kHz WAV background (paid once per source while it stays cached).</summary>
    [Benchmark]
    public float[] LoadOneBackground() => AudioFile.Load(Path.Combine(_backgrounds, "ambience_0.wav"));
}
