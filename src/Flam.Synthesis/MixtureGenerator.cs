using System.Collections.Concurrent;
using Flam.Audio;
using Flam.IO;

namespace Flam.Synthesis;

/// <summary>
/// Makes mixtures as paper §4.2 describes: one background excerpt plus events at random onsets, each event at a drawn
/// loudness offset to the background, split or repeated now and then, faded in and out, with at most
/// <see cref="SynthesisOptions.MaxConcurrentEvents"/> labelled-active at once, and labels from each placed instance's own
/// A-weighted loudness (Appendix C.4). Mixture <c>i</c> depends only on (seed, i), the library and the options.
/// Thread-safe: any number of threads may call <see cref="Generate"/> at once.
/// </summary>
public sealed class MixtureGenerator
{
    private readonly SourceLibrary _library;
    private readonly SynthesisOptions _options;
    private readonly SourceAudioCache _audio;
    private readonly AWeightingFilter _filter;
    private readonly ConcurrentDictionary<string, Lazy<EventAnalysis>> _events = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<double[]>> _backgroundBlocks = new(StringComparer.Ordinal);

    /// <summary>What a whole (trimmed, faded) event's own loudness says: computed once per source, reused by every mixture.</summary>
    private sealed record EventAnalysis(int Length, double MaxPower, List<FrameRun> Runs, double Loudness);

    /// <summary>Creates a generator; <paramref name="options"/> must be valid.</summary>
    public MixtureGenerator(SourceLibrary library, SynthesisOptions options, SourceAudioCache audio)
    {
        options.Validate();
        _library = library;
        _options = options;
        _audio = audio;
        _filter = new AWeightingFilter(options.SampleRate);
    }

    /// <summary>The WAV file name of mixture <paramref name="index"/>.</summary>
    public static string FileName(int index) => $"mix_{index:D6}.wav";

    /// <summary>Renders mixture <paramref name="index"/> of the run with <paramref name="seed"/>.</summary>
    public Mixture Generate(long seed, int index)
    {
        var o = _options;
        var rng = SplitMix64.ForItem(seed, index);
        var length = o.DurationSamples;
        var rate = (double)o.SampleRate;
        var mix = new float[length];

        var background = rng.Pick(_library.Backgrounds);
        var bgAudio = _audio.Get(background.Path);
        // Excerpts start on a label-hop boundary so their loudness is a sum of cached per-hop A-weighted energies.
        var hop = o.Labels.Hop;
        var bgStart = rng.NextInt64(0, Math.Max(0, bgAudio.Length - length) / hop) * hop;
        var available = (int)Math.Min(length, bgAudio.Length - bgStart);
        bgAudio.AsSpan((int)bgStart, available).CopyTo(mix);
        var bgLoudness = EventActivity.PowerDb(ExcerptPower(background.Path, bgAudio, (int)bgStart, mix));
        // A silent background would make "relative to the background" meaningless; use the silence floor instead.
        var reference = Math.Max(bgLoudness, o.Labels.SilenceFloorDbfs);

        var eventCount = rng.NextInt(o.MinEvents, o.MaxEvents);
        var occupied = new List<(int Start, int End, string Text)>();
        var events = new List<PlacedEvent>();
        int silentEvents = 0, silentSegments = 0, unplaced = 0, unsplittable = 0;
        for (var k = 0; k < eventCount; k++)
        {
            var kind = _library.EffectEvents.Count == 0 ? SourceKind.General
                : _library.GeneralEvents.Count == 0 ? SourceKind.Effect
                : rng.Chance(o.EffectProbability) ? SourceKind.Effect : SourceKind.General;
            var source = rng.Pick(kind == SourceKind.Effect ? _library.EffectEvents : _library.GeneralEvents);
            var text = rng.Pick(source.Captions);
            var offsetDb = rng.NextDouble(o.MinOffsetDb, o.MaxOffsetDb);
            var u = rng.NextDouble();
            var treatment = u < o.SplitProbability ? EventTreatment.Split
                : u < o.SplitProbability + o.RepeatProbability ? EventTreatment.Repeat
                : EventTreatment.Single;

            var audio = _audio.Get(source.Path);
            var analysis = _events.GetOrAdd(source.Path, _ => new Lazy<EventAnalysis>(() => Analyse(audio))).Value;
            var eventLength = analysis.Length; // longer events are trimmed to the mixture (LongEventPolicy.Trim)
            var maxPower = analysis.MaxPower;
            var wholeRuns = analysis.Runs;
            if (EventActivity.PowerDb(maxPower) < o.Labels.SilenceFloorDbfs || wholeRuns.Count == 0)
            {
                silentEvents++;
                continue;
            }
            var loudness = analysis.Loudness;
            var gainDb = reference + offsetDb - loudness;
            var gain = (float)Math.Pow(10, gainDb / 20);

            var ranges = new List<(int Start, int End)>();
            if (treatment == EventTreatment.Split)
            {
                var minSegment = (int)Math.Round(o.MinSegmentSeconds * rate);
                var maxCount = Math.Min(o.MaxSegments, eventLength / minSegment);
                if (maxCount < 2)
                {
                    unsplittable++;
                    treatment = EventTreatment.Single;
                }
                else
                {
                    ranges.AddRange(SplitPoints(rng, eventLength, rng.NextInt(2, maxCount), minSegment));
                }
            }
            if (treatment == EventTreatment.Repeat)
            {
                var copies = rng.NextInt(o.MinRepeats, o.MaxRepeats);
                for (var c = 0; c < copies; c++)
                {
                    ranges.Add((0, eventLength));
                }
            }
            if (treatment == EventTreatment.Single)
            {
                ranges.Add((0, eventLength));
            }

            var instances = new List<PlacedInstance>();
            foreach (var (start, end) in ranges)
            {
                float[] signal;
                List<FrameRun> runs;
                signal = Faded(audio.AsSpan(start, end - start));
                runs = start == 0 && end == eventLength ? wholeRuns
                    : EventActivity.Label(EventActivity.AnalysePowers(signal, _filter, o.Labels), maxPower, o.Labels);
                if (runs.Count == 0)
                {
                    silentSegments++;
                    continue;
                }
                var onset = Place(rng, signal.Length, runs, text, occupied);
                if (onset < 0)
                {
                    unplaced++;
                    continue;
                }
                var labels = new List<ManifestEvent>();
                foreach (var run in runs)
                {
                    var (a, b) = RunSamples(run, onset, signal.Length);
                    occupied.Add((a, b, text));
                    labels.Add(new ManifestEvent(text, Seconds(a), Seconds(b)));
                }
                var target = mix.AsSpan(onset, signal.Length);
                for (var n = 0; n < signal.Length; n++)
                {
                    target[n] += gain * signal[n];
                }
                instances.Add(new PlacedInstance(start, end, onset, labels));
            }
            if (instances.Count > 0)
            {
                events.Add(new PlacedEvent(source.RelativePath, kind, text, source.Tags, treatment,
                    Math.Round(offsetDb, 4), Math.Round(loudness, 4), Math.Round(gainDb, 4), instances));
            }
        }

        var peak = 0f;
        foreach (var x in mix)
        {
            peak = Math.Max(peak, Math.Abs(x));
        }
        var outputGainDb = 0.0;
        if (peak > o.PeakCeiling)
        {
            var g = (float)(o.PeakCeiling / peak);
            for (var n = 0; n < mix.Length; n++)
            {
                mix[n] *= g;
            }
            outputGainDb = 20 * Math.Log10(g);
        }

        var file = FileName(index);
        var labelsInOrder = events.SelectMany(e => e.Instances).SelectMany(i => i.Labels)
            .OrderBy(l => l.Onset).ThenBy(l => l.Offset).ThenBy(l => l.Text, StringComparer.Ordinal).ToList();
        var captions = labelsInOrder.Select(l => l.Text).Distinct().ToList();
        var tags = events.SelectMany(e => e.Tags).Distinct().ToList();
        var entry = new ManifestEntry("audio/" + file, Seconds(length), captions, tags, labelsInOrder, o.SourceName);
        var recipe = new MixtureRecipe(index, file, Seconds(length), background.RelativePath, background.Label, Seconds(bgStart),
            Math.Round(bgLoudness, 4), Math.Round(outputGainDb, 4), events,
            new MixtureCounters(silentEvents, silentSegments, unplaced, unsplittable), entry);
        return new Mixture(mix, recipe);

        double Seconds(long samples) => Math.Round(samples / rate, 6);
    }

    /// <summary>The sample interval of a labelled run of an instance placed at <paramref name="onset"/>.</summary>
    private (int Start, int End) RunSamples(FrameRun run, int onset, int signalLength) =>
        (onset + run.Start * _options.Labels.Hop, onset + Math.Min(run.End * _options.Labels.Hop, signalLength));

    /// <summary>
    /// A random onset at which the instance's labelled runs keep at most MaxConcurrentEvents active at once and do not
    /// overlap a run with the same text; −1 after <see cref="SynthesisOptions.PlacementAttempts"/> failures.
    /// </summary>
    private int Place(SplitMix64 rng, int signalLength, List<FrameRun> runs, string text, List<(int Start, int End, string Text)> occupied)
    {
        var latest = _options.DurationSamples - signalLength;
        for (var attempt = 0; attempt < _options.PlacementAttempts; attempt++)
        {
            var onset = rng.NextInt(0, latest);
            var fits = true;
            foreach (var run in runs)
            {
                var (a, b) = RunSamples(run, onset, signalLength);
                if (!Fits(a, b, text, occupied))
                {
                    fits = false;
                    break;
                }
            }
            if (fits)
            {
                return onset;
            }
        }
        return -1;
    }

    private bool Fits(int start, int end, string text, List<(int Start, int End, string Text)> occupied)
    {
        // Sweep the occupied intervals clipped to [start, end): the deepest overlap plus this one must stay within the limit.
        var edges = new List<(int Time, int Delta)>();
        foreach (var o in occupied)
        {
            if (o.Start < end && start < o.End)
            {
                if (o.Text == text)
                {
                    return false;
                }
                edges.Add((Math.Max(o.Start, start), +1));
                edges.Add((Math.Min(o.End, end), -1));
            }
        }
        edges.Sort((x, y) => x.Time != y.Time ? x.Time.CompareTo(y.Time) : x.Delta.CompareTo(y.Delta));
        var depth = 0;
        foreach (var e in edges)
        {
            depth += e.Delta;
            if (depth + 1 > _options.MaxConcurrentEvents)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary><paramref name="count"/> consecutive segments of [0, length), each at least <paramref name="minSegment"/> samples.</summary>
    private static IEnumerable<(int Start, int End)> SplitPoints(SplitMix64 rng, int length, int count, int minSegment)
    {
        // Share the slack beyond count × minimum among the segments with random weights.
        var weights = new double[count];
        for (var i = 0; i < count; i++)
        {
            weights[i] = rng.NextDouble() + 1e-9;
        }
        var total = weights.Sum();
        var slack = length - count * minSegment;
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var end = i == count - 1 ? length : start + minSegment + (int)(slack * weights[i] / total);
            yield return (start, end);
            start = end;
        }
    }

    /// <summary>Labels and loudness of a whole event (trimmed to the mixture, faded).</summary>
    private EventAnalysis Analyse(float[] audio)
    {
        var length = Math.Min(audio.Length, _options.DurationSamples);
        var weighted = _filter.Apply(Faded(audio.AsSpan(0, length)));
        var powers = EventActivity.WindowPowers(weighted, _options.Labels.Window, _options.Labels.Hop);
        var maxPower = powers.Length == 0 ? 0 : powers.Max();
        var runs = EventActivity.Label(powers, maxPower, _options.Labels);
        return new EventAnalysis(length, maxPower, runs, EventActivity.PowerDb(ActiveMeanSquare(weighted, runs, _options.Labels.Hop)));
    }

    /// <summary>
    /// Mean square of the A-weighted background excerpt starting at <paramref name="start"/> (a multiple of the hop): the sum of
    /// cached per-hop energies of the whole A-weighted background when the excerpt is a whole number of hops, else filtered directly.
    /// </summary>
    private double ExcerptPower(string path, float[] background, int start, float[] excerpt)
    {
        var hop = _options.Labels.Hop;
        if (excerpt.Length % hop != 0 || start + excerpt.Length > background.Length)
        {
            return MeanSquare(_filter.Apply(excerpt));
        }
        var blocks = _backgroundBlocks.GetOrAdd(path, _ => new Lazy<double[]>(() =>
        {
            var weighted = _filter.Apply(background);
            var energies = new double[weighted.Length / hop];
            for (var b = 0; b < energies.Length; b++)
            {
                double sum = 0;
                for (var n = b * hop; n < (b + 1) * hop; n++)
                {
                    sum += (double)weighted[n] * weighted[n];
                }
                energies[b] = sum;
            }
            return energies;
        })).Value;
        double total = 0;
        for (var b = start / hop; b < (start + excerpt.Length) / hop; b++)
        {
            total += blocks[b];
        }
        return total / excerpt.Length;
    }

    /// <summary>A copy with the linear fade-in and fade-out applied.</summary>
    private float[] Faded(ReadOnlySpan<float> source)
    {
        var signal = source.ToArray();
        var fade = Math.Min((int)Math.Round(_options.FadeSeconds * _options.SampleRate), signal.Length / 2);
        for (var n = 0; n < fade; n++)
        {
            var g = (float)(n + 1) / (fade + 1);
            signal[n] *= g;
            signal[^(n + 1)] *= g;
        }
        return signal;
    }

    private static double MeanSquare(ReadOnlySpan<float> x)
    {
        double sum = 0;
        foreach (var v in x)
        {
            sum += (double)v * v;
        }
        return x.Length == 0 ? 0 : sum / x.Length;
    }

    /// <summary>Mean square of the A-weighted signal over the samples of its labelled-active frames.</summary>
    internal static double ActiveMeanSquare(ReadOnlySpan<float> weighted, IReadOnlyList<FrameRun> runs, int hop)
    {
        double sum = 0;
        long count = 0;
        foreach (var run in runs)
        {
            var a = run.Start * hop;
            var b = Math.Min(run.End * hop, weighted.Length);
            for (var n = a; n < b; n++)
            {
                sum += (double)weighted[n] * weighted[n];
            }
            count += b - a;
        }
        return count == 0 ? 0 : sum / count;
    }
}
