using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Flam.Audio;
using Flam.Model.Checkpoints;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>
/// An on-disk cache of the log-mel of un-augmented training windows: one small safetensors file per (audio path, file
/// size, last-write time, crop offset, window length, front-end options), written atomically and reused on later
/// epochs and runs. Thread-safe: workers may read and write it concurrently (a race writes the same bytes twice).
/// </summary>
public sealed class LogMelCache
{
    private const string TensorName = "logmel";
    private const string KeyName = "key";
    private readonly string _directory;
    private readonly LogMelSpectrogram _frontEnd;
    private readonly ConcurrentDictionary<string, int> _decodedLengths = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, object> _keyLocks = new(StringComparer.Ordinal);
    private long _hits, _writes;

    /// <summary>A cache in <paramref name="directory"/> (created) for log-mels computed with <paramref name="options"/> on the CPU.</summary>
    public LogMelCache(string directory, LogMelOptions options)
    {
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"Cannot create the log-mel cache folder '{directory}': {e.Message}", e);
        }
        _directory = directory;
        _frontEnd = new LogMelSpectrogram(options);
        Options = options;
    }

    /// <summary>The front-end settings the cached log-mels were computed with.</summary>
    public LogMelOptions Options { get; }

    /// <summary>Log-mels read from the cache so far.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Log-mels computed and written to the cache so far (misses, including corrupt files recomputed).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>The identity of an audio file's current content: absolute path, size and last-write time.</summary>
    public static string FileIdentity(string audioPath)
    {
        var info = new FileInfo(Path.GetFullPath(audioPath));
        if (!info.Exists) throw new FlamException($"Audio file '{audioPath}' does not exist.");
        return $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
    }

    /// <summary>The decoded sample count of a file seen before in this process (so a cached window needs no decoding), or null.</summary>
    public int? DecodedLength(string fileIdentity) => _decodedLengths.TryGetValue(fileIdentity, out var n) ? n : null;

    /// <summary>Remembers the decoded sample count of a file.</summary>
    public void RememberDecodedLength(string fileIdentity, int samples) => _decodedLengths[fileIdentity] = samples;

    /// <summary>
    /// The log-mel [frames × mel] of the window at <paramref name="start"/> of a file: read from the cache, or computed
    /// from <paramref name="window"/> (called only on a miss) and stored. Prefetching workers asking for the same
    /// window wait for each other, so each window is computed and written once.
    /// </summary>
    public float[] GetOrCompute(string fileIdentity, int start, int length, Func<float[]> window)
    {
        var key = Key(fileIdentity, start, length);
        lock (_keyLocks.GetOrAdd(key, _ => new object()))
        {
            return TryRead(key, length) ?? Store(key, window());
        }
    }

    private float[]? TryRead(string key, int length)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return null;
        Dictionary<string, Tensor>? tensors = null;
        try
        {
            tensors = SafeTensors.Load(path, out var metadata);
            if (!metadata.TryGetValue(KeyName, out var stored) || stored != key || !tensors.TryGetValue(TensorName, out var t)
                || t.dtype != ScalarType.Float32 || t.shape.Length != 2 || t.shape[0] != Options.FrameCount(length) || t.shape[1] != Options.MelBins)
            {
                return null;
            }
            var values = t.data<float>().ToArray();
            Interlocked.Increment(ref _hits);
            return values;
        }
        catch (FlamException)
        {
            // A corrupt or truncated file is recomputed and overwritten, never fatal.
            return null;
        }
        finally
        {
            if (tensors is not null) foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Computes the log-mel [frames × mel] of <paramref name="window"/> (no caching).</summary>
    public float[] Compute(float[] window)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logMel = _frontEnd.forward(tensor(window, [1, window.Length]));
        return logMel.contiguous().data<float>().ToArray();
    }

    private float[] Store(string key, float[] window)
    {
        var values = Compute(window);
        using var t = tensor(values, [values.Length / Options.MelBins, Options.MelBins]);
        SafeTensors.Save(PathOf(key), [new(TensorName, t)], new Dictionary<string, string> { [KeyName] = key });
        Interlocked.Increment(ref _writes);
        return values;
    }

    private string Key(string fileIdentity, int start, int length) => $"{fileIdentity}|{start}|{length}|{Options}";

    private string PathOf(string key) =>
        Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".safetensors");
}
