using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Flam.Synthesis.Corpus;

/// <summary>Split names.</summary>
public static class SplitNames
{
    /// <summary>Training clips.</summary>
    public const string Train = "train";
    /// <summary>Validation clips (model selection).</summary>
    public const string Validation = "validation";
    /// <summary>Held-out clips: their recording family is never used in training.</summary>
    public const string Test = "test";
    /// <summary>Clips whose label is held out: neither the recording nor the label is ever seen in training.</summary>
    public const string UnseenLabel = "unseen-label";
}

/// <summary>
/// Deterministic splits that depend only on names, never on order or on which other files exist:
/// an event label is held out when SHA-256("flam-corpus-label:" + label) maps below the held-out fraction; every other
/// clip goes to test / validation / train by SHA-256("flam-corpus-family:" + source + ":" + family), so all numbered
/// variants of one recording ("cattle_01", "cattle_02") land in the same split.
/// </summary>
public static class CorpusSplits
{
    /// <summary>A stable number in [0, 1) from a string.</summary>
    public static double Unit(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Whether <paramref name="label"/> is one of the held-out (never trained) labels.</summary>
    public static bool IsHeldOutLabel(string label, CorpusOptions options) => Unit("flam-corpus-label:" + label) < options.HeldOutLabelFraction;

    /// <summary>The split of one clip.</summary>
    /// <param name="source">The clip's source (package) name.</param>
    /// <param name="family">Its recording family (<see cref="LabelRules.FamilyKey"/>).</param>
    /// <param name="label">Its label.</param>
    /// <param name="isEvent">Events can be held out by label; backgrounds only by recording.</param>
    /// <param name="options">Fractions.</param>
    public static string Assign(string source, string family, string label, bool isEvent, CorpusOptions options)
    {
        if (isEvent && IsHeldOutLabel(label, options))
        {
            return SplitNames.UnseenLabel;
        }
        var u = Unit("flam-corpus-family:" + source + ":" + family);
        return u < options.TestFraction ? SplitNames.Test
            : u < options.TestFraction + options.ValidationFraction ? SplitNames.Validation
            : SplitNames.Train;
    }
}
