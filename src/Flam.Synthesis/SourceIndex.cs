using System.Text.Json;
using Flam.Audio;
using Flam.IO;

namespace Flam.Synthesis;

/// <summary>What one pass over a source file learned (or why it could not be read).</summary>
/// <param name="RelativePath">Path relative to the folder, '/' separators.</param>
/// <param name="Size">File size in bytes (cache key).</param>
/// <param name="Modified">Last write time, UTC ticks (cache key).</param>
/// <param name="Duration">Seconds at 48 kHz after decoding.</param>
/// <param name="SampleRate">Native sample rate.</param>
/// <param name="Channels">Native channel count.</param>
/// <param name="Loudness">A-weighted RMS of the whole file at 48 kHz mono, dB re full scale.</param>
/// <param name="Error">Why the file could not be decoded, or null.</param>
public sealed record IndexedFile(
    string RelativePath, long Size, long Modified, double Duration, int SampleRate, int Channels, double Loudness, string? Error);

/// <summary>
/// The analysis of every audio file under a folder (duration, native rate, A-weighted loudness), built by decoding
/// each file once and cached as JSON keyed by path, size and modification time, so later runs only decode new or
/// changed files. Unreadable files are recorded with their error, never thrown.
/// </summary>
public static class SourceIndex
{
    /// <summary>File extensions treated as audio.</summary>
    public static readonly IReadOnlySet<string> AudioExtensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff", ".wma", ".webm",
    };

    private const int CacheVersion = 1;

    private sealed record CacheFile(int Version, string Folder, List<IndexedFile> Files);

    /// <summary>The cache file used for <paramref name="folder"/> inside <paramref name="cacheDirectory"/>.</summary>
    public static string CachePath(string cacheDirectory, string folder)
    {
        var full = Path.GetFullPath(folder).TrimEnd('/', '\\');
        var hash = SplitMix64.Mix(Fnv1a(full)).ToString("x16")[..10];
        var name = SourceMetadataReader.CleanName(Path.GetFileName(full)).Replace(' ', '-');
        return Path.Combine(cacheDirectory, $"{(name.Length > 0 ? name : "sources")}-{hash}.index.json");
    }

    /// <summary>
    /// Indexes every audio file under <paramref name="folder"/> (recursively, in ordinal path order), reusing
    /// <paramref name="cacheFile"/> entries whose size and time match, and rewriting the cache when anything changed.
    /// </summary>
    /// <param name="folder">The source folder.</param>
    /// <param name="cacheFile">The JSON cache, or null for none.</param>
    /// <param name="threads">Files decoded in parallel.</param>
    /// <param name="progress">Called with (done, total) as files finish; may be null.</param>
    /// <param name="load">Decoder to 48 kHz mono (default <see cref="AudioFile.Load(string, int)"/>); tests inject failures.</param>
    public static IReadOnlyList<IndexedFile> Build(string folder, string? cacheFile, int threads, Action<int, int>? progress = null,
        Func<string, float[]>? load = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new FlamException($"Source folder '{folder}' does not exist.");
        }
        load ??= path => AudioFile.Load(path, AudioFile.FlamSampleRate);
        var full = Path.GetFullPath(folder);
        var files = Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
            .Where(f => AudioExtensions.Contains(Path.GetExtension(f)))
            .Select(f => Path.GetRelativePath(full, f).Replace('\\', '/'))
            .Where(rel => !rel.Split('/').Any(p => p.StartsWith('.')))
            .OrderBy(rel => rel, StringComparer.Ordinal)
            .ToList();
        var cached = ReadCache(cacheFile, full);
        var results = new IndexedFile[files.Count];
        var done = 0;
        var changed = false;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
        {
            var rel = files[i];
            var info = new FileInfo(Path.Combine(full, rel));
            if (cached.TryGetValue(rel, out var hit) && hit.Size == info.Length && hit.Modified == info.LastWriteTimeUtc.Ticks)
            {
                results[i] = hit;
            }
            else
            {
                results[i] = Analyse(info, rel, load);
                changed = true;
            }
            progress?.Invoke(Interlocked.Increment(ref done), files.Count);
        });
        if (cacheFile is not null && (changed || cached.Count != files.Count))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(cacheFile))!);
            AtomicFile.WriteAllText(cacheFile, JsonSerializer.Serialize(new CacheFile(CacheVersion, full, [.. results]), SynthesisJson.Indented));
        }
        return results;
    }

    private static IndexedFile Analyse(FileInfo info, string rel, Func<string, float[]> load)
    {
        var ticks = info.LastWriteTimeUtc.Ticks;
        try
        {
            var header = AudioFile.Probe(info.FullName);
            var samples = load(info.FullName);
            if (samples.Length == 0)
            {
                return new IndexedFile(rel, info.Length, ticks, 0, header.SampleRate, header.Channels, double.NegativeInfinity, "no audio samples");
            }
            var weighted = new AWeightingFilter(AudioFile.FlamSampleRate).Apply(samples);
            double sum = 0;
            foreach (var x in weighted)
            {
                sum += (double)x * x;
            }
            return new IndexedFile(rel, info.Length, ticks, (double)samples.Length / AudioFile.FlamSampleRate,
                header.SampleRate, header.Channels, Math.Round(EventActivity.PowerDb(sum / samples.Length), 3), null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // One corrupt file must never abort a library scan: record it for the report.
            return new IndexedFile(rel, info.Length, ticks, 0, 0, 0, double.NegativeInfinity, e.Message);
        }
    }

    private static Dictionary<string, IndexedFile> ReadCache(string? cacheFile, string folder)
    {
        if (cacheFile is null || !File.Exists(cacheFile))
        {
            return [];
        }
        try
        {
            var cache = JsonSerializer.Deserialize<CacheFile>(File.ReadAllText(cacheFile), SynthesisJson.Indented);
            if (cache is null || cache.Version != CacheVersion || cache.Folder != folder)
            {
                return [];
            }
            return cache.Files.ToDictionary(f => f.RelativePath, StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            // A damaged cache is only a lost speed-up: rebuild it.
            return [];
        }
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }
        return hash;
    }

    /// <summary>A stable 64-bit hash of <paramref name="text"/> (FNV-1a over UTF-8, then SplitMix64-finalised).</summary>
    public static ulong StableHash(string text) => SplitMix64.Mix(Fnv1a(text));
}
