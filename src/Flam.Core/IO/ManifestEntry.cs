using System.Text.Json.Serialization;

namespace Flam.IO;

/// <summary>One timed sound event of a manifest clip: what sounds (<paramref name="Text"/>) and when, in seconds from the clip start.</summary>
/// <param name="Text">The event's text (a caption or tag).</param>
/// <param name="Onset">Start in seconds (≥ 0).</param>
/// <param name="Offset">End in seconds (&gt; <paramref name="Onset"/>, ≤ the clip duration).</param>
public sealed record ManifestEvent(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("onset")] double Onset,
    [property: JsonPropertyName("offset")] double Offset);

/// <summary>
/// One line of a training/evaluation manifest (JSONL). Clips with <see cref="Events"/> are SED data; clips without are
/// clip-level (global) audio-text data.
/// </summary>
/// <param name="Audio">Audio file path, relative to the manifest's folder (absolute paths are accepted too).</param>
/// <param name="Duration">Clip duration in seconds.</param>
/// <param name="Captions">Free-text descriptions of the whole clip.</param>
/// <param name="Tags">Short labels of the clip.</param>
/// <param name="Events">Timed events, or null for clip-level data.</param>
/// <param name="Source">Dataset name used for sampling weights, or null.</param>
public sealed record ManifestEntry(
    [property: JsonPropertyName("audio")] string Audio,
    [property: JsonPropertyName("duration")] double Duration,
    [property: JsonPropertyName("captions")] IReadOnlyList<string> Captions,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    [property: JsonPropertyName("events")] IReadOnlyList<ManifestEvent>? Events = null,
    [property: JsonPropertyName("source")] string? Source = null);
