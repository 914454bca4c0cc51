using System.Text.Json.Serialization;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// One line of <c>events.jsonl</c> / <c>backgrounds.jsonl</c>: the synthesis source-metadata format (path, captions,
/// tags, kind, licence) plus provenance. <c>audio</c> repeats <c>path</c> so the same file is also a clip-level
/// training manifest.
/// </summary>
public sealed record CorpusClip(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("audio")] string Audio,
    [property: JsonPropertyName("duration")] double Duration,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("captions")] IReadOnlyList<string> Captions,
    [property: JsonPropertyName("tags")] IReadOnlyList<string> Tags,
    // Named as the synthesis source-metadata reads them: "kind" is effect (sfx) vs general audio for the 80/20 rule;
    // whether a clip is an event or a background is its "role" (and which of the two files it is in).
    [property: JsonPropertyName("kind")] string Source,
    [property: JsonPropertyName("role")] string Kind,
    [property: JsonPropertyName("split")] string Split,
    [property: JsonPropertyName("package")] string Package,
    [property: JsonPropertyName("original")] string Original,
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("licence")] string Licence,
    [property: JsonPropertyName("copyright")] string Copyright,
    [property: JsonPropertyName("label_rule")] string LabelRule,
    // Provenance of captions that quote the recording's words: the transcript as its list writes it, and the list
    // ("package:path"); both null for clips without a transcript.
    [property: JsonPropertyName("transcript")] string? Transcript = null,
    [property: JsonPropertyName("transcript_source")] string? TranscriptSource = null)
{
    /// <summary><see cref="Source"/> of clean, curated sound effects (the 80 % of synthesised events).</summary>
    public const string CleanSource = "sfx";

    /// <summary><see cref="Source"/> of general audio (speech, long mixed recordings; the 20 %).</summary>
    public const string GeneralSource = "general";

    /// <summary><see cref="Kind"/> of clips shorter than the background threshold.</summary>
    public const string EventKind = "event";

    /// <summary><see cref="Kind"/> of clips at least as long as the background threshold.</summary>
    public const string BackgroundKind = "background";
}

/// <summary>A file left out of the corpus, and why.</summary>
/// <param name="Package">Its source.</param>
/// <param name="Path">Its path inside the source.</param>
/// <param name="Reason">Short reason ("duplicate of …", "silent", "licence …", "family cap").</param>
public sealed record ExcludedFile(string Package, string Path, string Reason);
