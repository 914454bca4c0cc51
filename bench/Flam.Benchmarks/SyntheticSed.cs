using Flam.Evaluation;

namespace Flam.Benchmarks;

/// <summary>
/// Deterministic synthetic SED data: 10 s clips, 32 frames of 0.32 s, a class is active in a clip with
/// probability min(0.5, 3/K) with one or two events; scores are 0.6 inside events plus uniform noise in [0, 0.4)
/// (float32 values). Scores are generated on demand, so 100 000 clips x 300 classes need no score storage.
/// </summary>
internal sealed class SyntheticSed : SedScoreSet
{
    private const int Frames = 32;
    private const double Hop = 0.32;
    private readonly string[] _classes;
    private readonly string[] _ids;
    private readonly double[] _timestamps = [.. Enumerable.Range(0, Frames + 1).Select(i => Math.Round(i * Hop, 6))];

    public SyntheticSed(int clips, int classes)
    {
        _classes = [.. Enumerable.Range(0, classes).Select(k => $"class_{k:D3}")];
        _ids = [.. Enumerable.Range(0, clips).Select(c => $"clip_{c:D6}")];
    }

    public override IReadOnlyList<string> EventClasses => _classes;
    public override IReadOnlyList<string> ClipIds => _ids;
    public override ReadOnlySpan<double> Timestamps(int clip) => _timestamps;

    public override void CopyScores(int clip, int eventClass, Span<double> destination)
    {
        var events = Events(clip, eventClass);
        for (var f = 0; f < Frames; f++)
        {
            var noise = (float)(Hash(clip, eventClass, f + 1000) * 0.4);
            var mid = (f + 0.5) * Hop;
            var inside = false;
            foreach (var (onset, offset) in events)
            {
                inside |= onset <= mid && mid < offset;
            }
            destination[f] = (float)((inside ? 0.6 : 0.0) + noise);
        }
    }

    public List<(double Onset, double Offset)> Events(int clip, int eventClass)
    {
        var result = new List<(double, double)>();
        if (Hash(clip, eventClass, 0) >= Math.Min(0.5, 3.0 / _classes.Length)) return result;
        var count = Hash(clip, eventClass, 1) < 0.5 ? 1 : 2;
        for (var e = 0; e < count; e++)
        {
            // Event e lives in its half of the clip (never overlapping the other).
            var start = e * 5.0 + Math.Round(Hash(clip, eventClass, 2 + e) * 3.0, 2);
            var length = 0.3 + Math.Round(Hash(clip, eventClass, 4 + e) * 1.6, 2);
            result.Add((start, start + length));
        }
        return result;
    }

    public SedGroundTruth GroundTruth()
    {
        var clips = new List<KeyValuePair<string, IReadOnlyList<SedEvent>>>(_ids.Length);
        for (var c = 0; c < _ids.Length; c++)
        {
            var events = new List<SedEvent>();
            for (var k = 0; k < _classes.Length; k++)
            {
                events.AddRange(Events(c, k).Select(e => new SedEvent(e.Onset, e.Offset, _classes[k])));
            }
            clips.Add(new(_ids[c], events));
        }
        return new SedGroundTruth(clips, "synthetic");
    }

    public SedDurations Durations() => new(_ids.ToDictionary(id => id, _ => 10.0), "synthetic");

    /// <summary>The same data with every score in memory (what reading TSV files gives).</summary>
    public InMemorySedScoreSet ToInMemory()
    {
        var buffer = new double[Frames];
        var clips = new List<SedClipScores>(_ids.Length);
        for (var c = 0; c < _ids.Length; c++)
        {
            var scores = new double[Frames * _classes.Length];
            for (var k = 0; k < _classes.Length; k++)
            {
                CopyScores(c, k, buffer);
                buffer.CopyTo(scores, k * Frames);
            }
            clips.Add(new SedClipScores(_ids[c], _timestamps, scores));
        }
        return new InMemorySedScoreSet(_classes, clips);
    }

    // SplitMix64 of (clip, class, salt) mapped to [0, 1).
    private static double Hash(int clip, int eventClass, int salt)
    {
        var z = (ulong)clip * 0x9E3779B97F4A7C15UL ^ (ulong)eventClass * 0xBF58476D1CE4E5B9UL ^ (ulong)salt * 0x94D049BB133111EBUL;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
