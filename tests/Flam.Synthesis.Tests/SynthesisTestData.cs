using Flam.Audio;
using Flam.Synthesis;

namespace Flam.Tests.Synthesis;

/// <summary>Small synthetic sources (tones, noise bursts, silence) for synthesis tests, in memory or as WAV files.</summary>
internal static class SynthesisTestData
{
    public const int Rate = 48000;

    /// <summary>A sine with 2 ms linear ramps at both ends (an abrupt cut is a click the A-weighting filter rings on).</summary>
    public static float[] Tone(double seconds, double frequency = 1000, double amplitude = 0.3)
    {
        var x = new float[(int)Math.Round(seconds * Rate)];
        var ramp = Math.Min(96, x.Length / 2);
        for (var n = 0; n < x.Length; n++)
        {
            var envelope = Math.Min(1.0, Math.Min(n + 1, x.Length - n) / (double)ramp);
            x[n] = (float)(envelope * amplitude * Math.Sin(2 * Math.PI * frequency * n / Rate));
        }
        return x;
    }

    public static float[] Noise(double seconds, double amplitude, int seed)
    {
        var rng = new Random(seed);
        var x = new float[(int)Math.Round(seconds * Rate)];
        for (var n = 0; n < x.Length; n++)
        {
            x[n] = (float)(amplitude * (2 * rng.NextDouble() - 1));
        }
        return x;
    }

    public static float[] Silence(double seconds) => new float[(int)Math.Round(seconds * Rate)];

    public static float[] Concat(params float[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>A library over in-memory signals (no files): events under /mem/events, backgrounds under /mem/backgrounds.</summary>
    public static (SourceLibrary Library, SourceAudioCache Audio) InMemory(
        IReadOnlyDictionary<string, float[]> events, IReadOnlyDictionary<string, float[]> backgrounds, SynthesisOptions options,
        IReadOnlyDictionary<string, SourceKind>? kinds = null)
    {
        const string eventsDir = "/mem/events", backgroundsDir = "/mem/backgrounds";
        var audio = new Dictionary<string, float[]>();
        List<IndexedFile> Index(string dir, IReadOnlyDictionary<string, float[]> files) => files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f =>
        {
            audio[Path.Combine(dir, f.Key)] = f.Value;
            return new IndexedFile(f.Key, f.Value.Length, 0, (double)f.Value.Length / Rate, Rate, 1, 0, null);
        }).ToList();
        var eventFiles = Index(eventsDir, events);
        var backgroundFiles = Index(backgroundsDir, backgrounds);
        var meta = kinds?.ToDictionary(k => k.Key, k => SourceMetadataReader.FromName(k.Key) with { Kind = k.Value });
        var library = SourceLibrary.Create(eventsDir, eventFiles, meta, backgroundsDir, backgroundFiles, null, options);
        return (library, new SourceAudioCache(Rate, load: p => audio[p]));
    }

    /// <summary>Writes WAV files (16-bit) into <paramref name="folder"/>.</summary>
    public static void WriteWavs(string folder, IReadOnlyDictionary<string, float[]> files)
    {
        foreach (var (name, samples) in files)
        {
            var path = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            WavWriter.Write(path, samples, Rate);
        }
    }

    /// <summary>An events folder (tones and bursts with descriptive names) and a backgrounds folder (two 11 s noises).</summary>
    public static (string Events, string Backgrounds) WriteSourceFolders(string root)
    {
        var events = Path.Combine(root, "events");
        var backgrounds = Path.Combine(root, "backgrounds");
        WriteWavs(events, new Dictionary<string, float[]>
        {
            ["beep_01.wav"] = Tone(0.6, 1000),
            ["low_hum.wav"] = Tone(2.5, 200, 0.2),
            ["whistle-high.wav"] = Tone(1.2, 3000, 0.2),
            ["birds/chirp_03.wav"] = Concat(Tone(0.2, 4000), Silence(0.3), Tone(0.2, 4200)),
            ["noise_burst.wav"] = Noise(0.8, 0.3, 1),
            ["knock.wav"] = Concat(Noise(0.05, 0.5, 2), Silence(0.4), Noise(0.05, 0.5, 3)),
        });
        WriteWavs(backgrounds, new Dictionary<string, float[]>
        {
            ["room_tone.wav"] = Noise(11, 0.02, 4),
            ["street.wav"] = Noise(12, 0.05, 5),
        });
        return (events, backgrounds);
    }

    /// <summary>Labelled intervals of a recipe, in seconds.</summary>
    public static IEnumerable<(double On, double Off, string Text)> Intervals(MixtureRecipe recipe) =>
        (recipe.Entry.Events ?? []).Select(e => (e.Onset, e.Offset, e.Text));

    /// <summary>Every file below a folder with its bytes, keyed by relative path.</summary>
    internal static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);
}
