namespace Flam.Evaluation;

/// <summary>
/// Frame-wise sound-event-detection scores of a set of clips, in the layout of sed_scores_eval's score files
/// (Ebbers et al., ICASSP 2022): per clip, contiguous frames <c>[t_i, t_{i+1})</c> with one score per event class
/// that is constant over the frame. Metrics read one class column of one clip at a time, so a source can
/// produce scores lazily (a generator for benchmarks) instead of holding every clip in memory.
/// </summary>
public abstract class SedScoreSet
{
    /// <summary>The event classes, in column order.</summary>
    public abstract IReadOnlyList<string> EventClasses { get; }

    /// <summary>The clip ids, sorted ordinally (the order every metric visits the clips in).</summary>
    public abstract IReadOnlyList<string> ClipIds { get; }

    /// <summary>Frame boundaries of a clip: <c>FrameCount + 1</c> strictly increasing times in seconds.</summary>
    public abstract ReadOnlySpan<double> Timestamps(int clip);

    /// <summary>Copies the scores of one class of one clip (one value per frame) into <paramref name="destination"/>.</summary>
    public abstract void CopyScores(int clip, int eventClass, Span<double> destination);

    /// <summary>Number of frames of a clip.</summary>
    public int FrameCount(int clip) => Timestamps(clip).Length - 1;

    /// <summary>The largest frame count over all clips (buffer size for <see cref="CopyScores"/>).</summary>
    public int MaxFrameCount()
    {
        var max = 0;
        for (var c = 0; c < ClipIds.Count; c++)
        {
            max = Math.Max(max, FrameCount(c));
        }
        return max;
    }
}

/// <summary>Scores of one clip: frame boundaries and a class-major score matrix (<c>Scores[class * frames + frame]</c>).</summary>
/// <param name="ClipId">The clip id (file name without extension).</param>
/// <param name="Timestamps">Frame boundaries, <c>frames + 1</c> strictly increasing values.</param>
/// <param name="Scores">Class-major scores, <c>classes * frames</c> values.</param>
public sealed record SedClipScores(string ClipId, double[] Timestamps, double[] Scores);

/// <summary>A <see cref="SedScoreSet"/> held in memory.</summary>
public sealed class InMemorySedScoreSet : SedScoreSet
{
    private readonly SedClipScores[] _clips;
    private readonly string[] _classes;
    private readonly string[] _ids;

    /// <summary>Creates the set; clips are sorted by id; shapes are checked.</summary>
    public InMemorySedScoreSet(IReadOnlyList<string> eventClasses, IEnumerable<SedClipScores> clips)
    {
        _classes = [.. eventClasses];
        _clips = [.. clips.OrderBy(c => c.ClipId, StringComparer.Ordinal)];
        _ids = [.. _clips.Select(c => c.ClipId)];
        foreach (var clip in _clips)
        {
            var frames = clip.Timestamps.Length - 1;
            if (frames < 1 || clip.Scores.Length != frames * _classes.Length)
            {
                throw new ArgumentException($"Clip '{clip.ClipId}': {clip.Timestamps.Length} timestamps and {clip.Scores.Length} scores do not fit {_classes.Length} classes.");
            }
        }
    }

    /// <inheritdoc/>
    public override IReadOnlyList<string> EventClasses => _classes;

    /// <inheritdoc/>
    public override IReadOnlyList<string> ClipIds => _ids;

    /// <summary>The clips, sorted by id.</summary>
    public IReadOnlyList<SedClipScores> Clips => _clips;

    /// <inheritdoc/>
    public override ReadOnlySpan<double> Timestamps(int clip) => _clips[clip].Timestamps;

    /// <inheritdoc/>
    public override void CopyScores(int clip, int eventClass, Span<double> destination)
    {
        var frames = _clips[clip].Timestamps.Length - 1;
        _clips[clip].Scores.AsSpan(eventClass * frames, frames).CopyTo(destination);
    }
}
