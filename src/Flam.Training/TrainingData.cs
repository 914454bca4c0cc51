using Flam.Audio;
using Flam.IO;
using Flam.Synthesis;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>One clip ready for the model: a 10 s waveform at 48 kHz, its events in that window and its clip-level text.</summary>
/// <param name="Waveform">Exactly one clip of samples (zero-padded); empty when <paramref name="LogMel"/> came from the cache.</param>
/// <param name="Events">Events relative to the window, or null for clip-level (global) data.</param>
/// <param name="Text">Clip-level text for the global loss, or null.</param>
/// <param name="LogMel">With a log-mel cache: the window's log-mel [frames × mel] (row-major), else null.</param>
public sealed record PreparedClip(float[] Waveform, IReadOnlyList<ManifestEvent>? Events, string? Text, float[]? LogMel = null);

/// <summary>
/// The training clips of one or more manifests, sampled by source weight, then decoded, cropped to one clip window
/// and augmented. Every random choice of micro-batch (step, m) comes from a generator seeded with (seed, step, m), so
/// a batch does not depend on which worker thread prepares it or on whether the run was resumed.
/// </summary>
public sealed class TrainingData
{
    private readonly List<(string Source, double Weight, List<(ManifestFile File, ManifestEntry Entry)> Clips)> _sources = [];
    private readonly double _totalWeight;
    private readonly TrainingOptions _options;
    private readonly int _clipSamples;
    private readonly LogMelCache? _cache;

    /// <summary>
    /// Reads the manifests (line-numbered errors, missing audio per <see cref="TrainingOptions.SkipMissing"/>); with
    /// <paramref name="cache"/>, every clip also carries its log-mel, read from the cache when not augmented.
    /// </summary>
    public TrainingData(TrainingOptions options, int clipSamples, LogMelCache? cache = null)
    {
        _options = options;
        _clipSamples = clipSamples;
        _cache = cache;
        var bySource = new Dictionary<string, List<(ManifestFile, ManifestEntry)>>(StringComparer.Ordinal);
        foreach (var path in options.TrainManifests)
        {
            var file = Manifest.Read(path, options.SkipMissing ? MissingAudioPolicy.Skip : MissingAudioPolicy.Fail);
            SkippedMissingAudio += file.SkippedMissingAudio;
            foreach (var entry in file.Entries)
            {
                var source = entry.Source ?? "";
                if (!bySource.TryGetValue(source, out var list)) bySource[source] = list = [];
                list.Add((file, entry));
            }
        }
        foreach (var (source, clips) in bySource.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            double weight = options.SourceWeights.TryGetValue(source, out var w) ? w : 1.0;
            if (weight > 0) _sources.Add((source, weight, clips));
        }
        _totalWeight = _sources.Sum(s => s.Weight);
        if (_sources.Count == 0)
        {
            throw new FlamException($"No training clips left: every source of {string.Join(", ", options.TrainManifests)} is missing or has weight 0.");
        }
        ClipCount = _sources.Sum(s => s.Clips.Count);
    }

    /// <summary>Clips available for sampling.</summary>
    public int ClipCount { get; }

    /// <summary>Every event description of the training clips (with repeats), the vocabulary of negative texts.</summary>
    public IEnumerable<string> EventTexts =>
        _sources.SelectMany(s => s.Clips).SelectMany(c => c.Entry.Events ?? []).Select(e => e.Text);

    /// <summary>Entries dropped because their audio was missing (with --skip-missing).</summary>
    public int SkippedMissingAudio { get; }

    /// <summary>The random generator of micro-batch <paramref name="micro"/> of step <paramref name="step"/>.</summary>
    public static Random RandomFor(int seed, int step, int micro) => new(unchecked((int)SplitMix64.Combine(seed, step, micro, 0x5eed)));

    /// <summary>Samples and prepares the clips of one micro-batch, decoding on up to <see cref="TrainingOptions.Workers"/> threads.</summary>
    public PreparedClip[] Prepare(int step, int micro)
    {
        var random = RandomFor(_options.Seed, step, micro);
        var plans = new (ManifestFile File, ManifestEntry Entry, int Seed)[_options.BatchSize];
        for (int i = 0; i < plans.Length; i++)
        {
            double r = random.NextDouble() * _totalWeight;
            var source = _sources[^1];
            foreach (var s in _sources)
            {
                if (r < s.Weight) { source = s; break; }
                r -= s.Weight;
            }
            var (file, entry) = source.Clips[random.Next(source.Clips.Count)];
            plans[i] = (file, entry, random.Next());
        }
        var clips = new PreparedClip[plans.Length];
        Parallel.For(0, plans.Length, new ParallelOptions { MaxDegreeOfParallelism = _options.Workers },
            i => clips[i] = PrepareClip(plans[i].File, plans[i].Entry, new Random(plans[i].Seed)));
        return clips;
    }

    private PreparedClip PrepareClip(ManifestFile file, ManifestEntry entry, Random random)
    {
        var audioPath = file.AudioPath(entry);
        // With a cache, a file decoded before in this run has a known length, so the random draws (crop, augmentation)
        // come out exactly as without the cache and an un-augmented cached window needs no decoding at all.
        string? identity = _cache is null ? null : LogMelCache.FileIdentity(audioPath);
        float[]? samples = null;
        int length;
        if (identity is not null && _cache!.DecodedLength(identity) is { } known)
        {
            length = known;
        }
        else
        {
            samples = AudioFile.Load(audioPath, AudioFile.FlamSampleRate);
            length = samples.Length;
            if (identity is not null) _cache!.RememberDecodedLength(identity, length);
        }
        int start = length > _clipSamples ? random.Next(length - _clipSamples + 1) : 0;
        bool augment = random.NextDouble() < _options.DownsampleProbability;
        float[]? logMel = null;
        var waveform = Array.Empty<float>();
        if (_cache is not null && !augment)
        {
            logMel = _cache.GetOrCompute(identity!, start, _clipSamples, () => Window(samples ??= AudioFile.Load(audioPath, AudioFile.FlamSampleRate), start));
        }
        else
        {
            waveform = Window(samples ?? AudioFile.Load(audioPath, AudioFile.FlamSampleRate), start);
        }
        if (augment)
        {
            // Paper C.5: 30 % of clips go down to 16 or 32 kHz (the default rates) and back up to 48 kHz (loses the top band).
            int low = _options.DownsampleRates[random.Next(_options.DownsampleRates.Count)];
            var down = Resampler.Resample(waveform, AudioFile.FlamSampleRate, low);
            var up = Resampler.Resample(down, low, AudioFile.FlamSampleRate);
            Array.Clear(waveform);
            Array.Copy(up, waveform, Math.Min(up.Length, waveform.Length));
        }
        if (_cache is not null && augment)
        {
            // Augmented windows change the signal: computed fresh, never stored.
            logMel = _cache.Compute(waveform);
        }
        double windowStart = (double)start / AudioFile.FlamSampleRate, windowLength = (double)_clipSamples / AudioFile.FlamSampleRate;
        var events = entry.Events is null ? null : SedBatchBuilder.EventsInWindow(entry.Events, windowStart, windowLength);
        var text = _options.Stage == 1 ? TrainingText.Stage1(entry, random) : TrainingText.Stage2(entry, random, _options.TagProbability);
        return new PreparedClip(waveform, events, text, logMel);
    }

    /// <summary>One clip window of <paramref name="samples"/> from <paramref name="start"/>, zero-padded.</summary>
    private float[] Window(float[] samples, int start)
    {
        var waveform = new float[_clipSamples];
        Array.Copy(samples, start, waveform, 0, Math.Min(_clipSamples, samples.Length - start));
        return waveform;
    }
}

/// <summary>
/// SpecAugment as the official FLAM sets it: frequency stripes only (no time stripes), <c>stripes</c> per clip, each of
/// a random width in [0, width) mel bins set to zero, applied to the bn0-normalised log-mel [B, 1, T, mel] in training.
/// </summary>
public static class SpecAugment
{
    /// <summary>An augmentation for <c>HtsatAudioEncoder.TrainingAugmentation</c> (uses torch's global generator).</summary>
    public static Func<Tensor, Tensor> FrequencyStripes(int stripes, int width) => x =>
    {
        if (stripes == 0 || width == 0) return x;
        long batch = x.shape[0], bins = x.shape[3];
        var mask = ones(batch, 1, 1, bins, dtype: x.dtype, device: x.device);
        using var zero = 0.ToScalar();
        for (long b = 0; b < batch; b++)
        {
            for (int s = 0; s < stripes; s++)
            {
                long w = randint(0, width, [1]).item<long>();
                long start = randint(0, Math.Max(1, bins - w), [1]).item<long>();
                if (w > 0) mask[b, 0, 0].narrow(0, start, w).fill_(zero);
            }
        }
        return x * mask;
    };
}
