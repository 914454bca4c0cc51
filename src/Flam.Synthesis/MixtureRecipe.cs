using Flam.IO;

namespace Flam.Synthesis;

/// <summary>One placed copy or segment of an event.</summary>
/// <param name="SourceStart">First source sample used (at the mixture rate).</param>
/// <param name="SourceEnd">One past the last source sample used.</param>
/// <param name="Onset">Mixture sample where it starts.</param>
/// <param name="Labels">Its labelled-active intervals in mixture seconds.</param>
public sealed record PlacedInstance(int SourceStart, int SourceEnd, int Onset, IReadOnlyList<ManifestEvent> Labels);

/// <summary>How an event was used.</summary>
public enum EventTreatment
{
    /// <summary>Placed once, whole.</summary>
    Single,
    /// <summary>Cut into segments placed independently.</summary>
    Split,
    /// <summary>Placed several times.</summary>
    Repeat,
}

/// <summary>One event of a mixture with the draws that made it.</summary>
/// <param name="Source">The event file (relative path).</param>
/// <param name="Kind">Sound-effect or general-audio source.</param>
/// <param name="Text">The caption used as its label.</param>
/// <param name="Tags">The source's tags.</param>
/// <param name="Treatment">Single, split or repeated.</param>
/// <param name="OffsetDb">Drawn loudness offset: event active-frame A-weighted RMS minus background A-weighted RMS, dB.</param>
/// <param name="Loudness">The event's A-weighted RMS over its active frames before gain, dBFS.</param>
/// <param name="GainDb">Gain applied to the event to realise the offset (before the mixture's peak gain).</param>
/// <param name="Instances">Where its copies/segments went (those that could be placed).</param>
public sealed record PlacedEvent(string Source, SourceKind Kind, string Text, IReadOnlyList<string> Tags, EventTreatment Treatment,
    double OffsetDb, double Loudness, double GainDb, IReadOnlyList<PlacedInstance> Instances);

/// <summary>Per-mixture counts of things left out.</summary>
/// <param name="SilentEvents">Events with nothing above the silence floor or no frame left after relabelling.</param>
/// <param name="SilentSegments">Segments/copies with no labelled frame.</param>
/// <param name="UnplacedInstances">Copies/segments with no onset that keeps ≤ max concurrent events.</param>
/// <param name="UnsplittableEvents">Events drawn for splitting but shorter than two minimum segments (placed whole).</param>
public sealed record MixtureCounters(int SilentEvents, int SilentSegments, int UnplacedInstances, int UnsplittableEvents);

/// <summary>Everything that determines one mixture (written as recipes/NAME.json).</summary>
/// <param name="Index">Mixture number.</param>
/// <param name="File">WAV file name.</param>
/// <param name="Duration">Seconds.</param>
/// <param name="Background">Background file (relative path).</param>
/// <param name="BackgroundText">Background caption (not labelled as an event).</param>
/// <param name="BackgroundStart">Excerpt start in the background, seconds.</param>
/// <param name="BackgroundLoudness">A-weighted RMS of the excerpt, dBFS.</param>
/// <param name="OutputGainDb">Peak-normalisation gain applied to the whole mixture (0 unless it would clip).</param>
/// <param name="Events">The events.</param>
/// <param name="Counters">Things left out.</param>
/// <param name="Entry">The manifest line.</param>
public sealed record MixtureRecipe(int Index, string File, double Duration, string Background, string BackgroundText, double BackgroundStart,
    double BackgroundLoudness, double OutputGainDb, IReadOnlyList<PlacedEvent> Events, MixtureCounters Counters, ManifestEntry Entry);

/// <summary>A rendered mixture.</summary>
/// <param name="Samples">Mono samples at the mixture rate.</param>
/// <param name="Recipe">How it was made, with its labels.</param>
public sealed record Mixture(float[] Samples, MixtureRecipe Recipe);
