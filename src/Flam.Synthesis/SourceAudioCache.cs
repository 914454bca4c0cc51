using Flam.Audio;

namespace Flam.Synthesis;

/// <summary>
/// Decoded sources (mono, at the mixture rate) shared by all mixture threads, kept up to a budget of samples and evicted
/// least-recently-used first. Concurrent requests for the same file decode it once.
/// </summary>
public sealed class SourceAudioCache
{
    private readonly Func<string, float[]> _load;
    private readonly long _maxSamples;
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<(string Path, Lazy<float[]> Audio)>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Path, Lazy<float[]> Audio)> _recency = new();
    private readonly HashSet<string> _counted = new(StringComparer.Ordinal); // entries whose samples are in _cachedSamples
    private long _cachedSamples;

    /// <summary>Creates a cache.</summary>
    /// <param name="sampleRate">Rate every source is decoded and resampled to.</param>
    /// <param name="maxSamples">Budget in samples (4 bytes each); default 256 M samples = 1 GiB.</param>
    /// <param name="load">Decoder (default <see cref="AudioFile.Load(string, int)"/>, which resamples with the project's resampler).</param>
    public SourceAudioCache(int sampleRate, long maxSamples = 256L << 20, Func<string, float[]>? load = null)
    {
        _load = load ?? (path => AudioFile.Load(path, sampleRate));
        _maxSamples = maxSamples;
    }

    /// <summary>The decoded samples of <paramref name="path"/>; callers must not modify them.</summary>
    public float[] Get(string path)
    {
        Lazy<float[]> audio;
        lock (_gate)
        {
            if (_entries.TryGetValue(path, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                audio = node.Value.Audio;
            }
            else
            {
                audio = new Lazy<float[]>(() => _load(path), LazyThreadSafetyMode.ExecutionAndPublication);
                _entries[path] = _recency.AddFirst((path, audio));
            }
        }
        var samples = audio.Value;
        lock (_gate)
        {
            if (_entries.TryGetValue(path, out var node) && ReferenceEquals(node.Value.Audio, audio) && !_counted.Contains(path))
            {
                _counted.Add(path);
                _cachedSamples += samples.Length;
                Evict();
            }
        }
        return samples;
    }

    private void Evict()
    {
        while (_cachedSamples > _maxSamples && _recency.Count > 1)
        {
            var last = _recency.Last!;
            _recency.RemoveLast();
            _entries.Remove(last.Value.Path);
            if (_counted.Remove(last.Value.Path) && last.Value.Audio.IsValueCreated)
            {
                _cachedSamples -= last.Value.Audio.Value.Length;
            }
        }
    }
}
