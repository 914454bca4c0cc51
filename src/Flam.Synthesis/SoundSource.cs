
namespace Flam.Synthesis;

/// <summary>The two kinds of event corpus the paper mixes 80 % / 20 %.</summary>
public enum SourceKind
{
    /// <summary>Clean sound-effect libraries: one event per file, well described.</summary>
    Effect,
    /// <summary>General audio: noisier, possibly several partly described events.</summary>
    General,
}

/// <summary>A usable source file with its text and analysis.</summary>
/// <param name="Path">Absolute path.</param>
/// <param name="RelativePath">Path relative to its folder, with '/' separators (its identity).</param>
/// <param name="Kind">Sound-effect or general audio.</param>
/// <param name="Captions">Descriptions (at least one).</param>
/// <param name="Tags">Short labels.</param>
/// <param name="Dataset">The metadata's <c>source</c> (dataset) field, or null.</param>
/// <param name="Licence">The metadata's licence field, or null.</param>
/// <param name="Duration">Seconds.</param>
/// <param name="SampleRate">Native sample rate.</param>
/// <param name="Loudness">A-weighted RMS of the whole file at 48 kHz mono, dB re full scale.</param>
public sealed record SoundSource(
    string Path,
    string RelativePath,
    SourceKind Kind,
    IReadOnlyList<string> Captions,
    IReadOnlyList<string> Tags,
    string? Dataset,
    string? Licence,
    double Duration,
    int SampleRate,
    double Loudness)
{
    /// <summary>The text that stands for this source (its first caption).</summary>
    public string Label => Captions[0];
}

/// <summary>A file left out of the library, and why.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">Why (unreadable, too long for an event, ...).</param>
public sealed record SkippedSource(string Path, string Reason);
