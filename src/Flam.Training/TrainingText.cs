using Flam.IO;

namespace Flam.Training;

/// <summary>The clip-level text a clip is trained with (paper Appendix C.5/C.6).</summary>
public static class TrainingText
{
    /// <summary>
    /// Stage 1: "caption, tag" from a random caption and a random tag; only the caption or only the tag when the
    /// other list is empty; null when the clip has neither.
    /// </summary>
    public static string? Stage1(ManifestEntry entry, Random random)
    {
        var caption = Pick(entry.Captions, random);
        var tag = Pick(entry.Tags, random);
        var text = (caption, tag) switch
        {
            (not null, not null) => caption + ", " + tag,
            (not null, null) => caption,
            (null, not null) => tag,
            _ => null,
        };
        return text is null ? null : SedBatchBuilder.NormalizeText(text);
    }

    /// <summary>
    /// Stage 2: a random caption, replaced by a random tag with probability <paramref name="tagProbability"/> (½)
    /// or when there is no caption; null when the clip has neither.
    /// </summary>
    public static string? Stage2(ManifestEntry entry, Random random, double tagProbability = 0.5)
    {
        bool useTag = random.NextDouble() < tagProbability;
        var caption = Pick(entry.Captions, random);
        var tag = Pick(entry.Tags, random);
        var text = (useTag ? tag ?? caption : caption ?? tag);
        return text is null ? null : SedBatchBuilder.NormalizeText(text);
    }

    private static string? Pick(IReadOnlyList<string>? items, Random random)
    {
        var usable = items?.Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
        return usable is { Count: > 0 } ? usable[random.Next(usable.Count)] : null;
    }
}
