using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flam.Inference;

/// <summary>Output formats of <c>flam detect</c>.</summary>
public enum DetectionFormat
{
    /// <summary>The pinned JSON document (see <see cref="DetectionReport.ToJson"/>).</summary>
    Json,

    /// <summary>Comma-separated table.</summary>
    Csv,

    /// <summary>Tab-separated table; events in DCASE format (filename, onset, offset, event_label).</summary>
    Tsv,

    /// <summary>An Audacity label track of one file: <c>start, end, label</c>, tab-separated, seconds with 6 decimals, no header.</summary>
    Audacity,

    /// <summary>A Raven selection table of one file (tab-separated, one selection per event).</summary>
    Raven,
}

/// <summary>Serialises detection results. Numbers use the invariant culture; times in seconds.</summary>
public static class DetectionReport
{
    /// <summary>
    /// Writes <paramref name="results"/> in <paramref name="format"/>. <see cref="DetectionFormat.Audacity"/> and
    /// <see cref="DetectionFormat.Raven"/> describe one recording, take exactly one result and list events only (<paramref name="frames"/> is ignored).
    /// </summary>
    public static string Format(DetectionFormat format, string model, IReadOnlyList<DetectionResult> results, bool frames) => format switch
    {
        DetectionFormat.Json => ToJson(model, results, frames),
        DetectionFormat.Csv => ToTable(results, ',', frames),
        DetectionFormat.Tsv => ToTable(results, '\t', frames),
        DetectionFormat.Audacity => ToAudacityLabels(Single(results, format)),
        DetectionFormat.Raven => ToRavenSelections(Single(results, format)),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>
    /// The JSON document scripts rely on (shape pinned):
    /// <c>{"model": M, "files": [{"file": PATH, "duration": s, "frame_seconds": 0.3125, "queries": [{"query": TEXT,
    /// "events": [{"onset", "offset", "max", "mean"}], "probabilities": [one per frame, only with frames]}]}]}</c>.
    /// Probabilities are the median-filtered calibrated values the events were cut from.
    /// </summary>
    public static string ToJson(string model, IReadOnlyList<DetectionResult> results, bool frames)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("files");
            foreach (var result in results)
            {
                json.WriteStartObject();
                json.WriteString("file", result.Source);
                json.WriteNumber("duration", Math.Round(result.Duration, 6));
                json.WriteNumber("frame_seconds", result.FrameSeconds);
                json.WriteStartArray("queries");
                foreach (var query in result.Queries)
                {
                    json.WriteStartObject();
                    json.WriteString("query", query.Query);
                    json.WriteStartArray("events");
                    foreach (var e in query.Events)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("onset", Math.Round(e.Onset, 6));
                        json.WriteNumber("offset", Math.Round(e.Offset, 6));
                        json.WriteNumber("max", Math.Round(e.Max, 6));
                        json.WriteNumber("mean", Math.Round(e.Mean, 6));
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    if (frames)
                    {
                        json.WriteStartArray("probabilities");
                        foreach (var p in query.Smoothed)
                        {
                            json.WriteNumberValue(Math.Round(p, 6));
                        }
                        json.WriteEndArray();
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>
    /// Events as a table with the header <c>filename, onset, offset, event_label</c> (DCASE), plus <c>max, mean</c>
    /// when <paramref name="separator"/> is a comma. With <paramref name="frames"/> the rows are frames instead:
    /// <c>filename, onset, offset</c> and one probability column per query (sed_scores_eval's score-table layout).
    /// </summary>
    public static string ToTable(IReadOnlyList<DetectionResult> results, char separator, bool frames)
    {
        var text = new StringBuilder();
        var csv = separator == ',';
        if (frames)
        {
            var queries = results.Count == 0 ? [] : results[0].Queries.Select(q => q.Query).ToArray();
            text.AppendJoin(separator, new[] { "filename", "onset", "offset" }.Concat(queries.Select(q => Field(q, separator)))).Append('\n');
            foreach (var result in results)
            {
                for (var k = 0; k < result.FrameCount; k++)
                {
                    text.Append(Field(result.Source, separator)).Append(separator)
                        .Append(Number(k * result.FrameSeconds)).Append(separator)
                        .Append(Number(Math.Min((k + 1) * result.FrameSeconds, result.Duration)));
                    foreach (var query in result.Queries)
                    {
                        text.Append(separator).Append(Number(query.Smoothed[k]));
                    }
                    text.Append('\n');
                }
            }
            return text.ToString();
        }
        text.Append(csv ? "filename,onset,offset,event_label,max,mean\n" : "filename\tonset\toffset\tevent_label\n");
        foreach (var result in results)
        {
            // DCASE tables list events by onset, whatever the query.
            foreach (var e in EventsByOnset(result))
            {
                text.Append(Field(result.Source, separator)).Append(separator).Append(Number(e.Onset)).Append(separator)
                    .Append(Number(e.Offset)).Append(separator).Append(Field(e.Query, separator));
                if (csv)
                {
                    text.Append(separator).Append(Number(e.Max)).Append(separator).Append(Number(e.Mean));
                }
                text.Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>
    /// An Audacity label track (File &gt; Import &gt; Labels): one region label per event, <c>start\tend\tquery</c>, times in
    /// seconds with 6 decimals, sorted by onset; no header.
    /// </summary>
    public static string ToAudacityLabels(DetectionResult result)
    {
        var text = new StringBuilder();
        foreach (var e in EventsByOnset(result))
        {
            text.Append(Fixed(e.Onset)).Append('\t').Append(Fixed(e.Offset)).Append('\t').Append(Field(e.Query, '\t')).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The band a Raven selection spans: the FLAM log-mel filter bank's range, the part of the spectrum the model hears.</summary>
    public static (double Low, double High) RavenBand => (Audio.LogMelOptions.Flam.FMin, Audio.LogMelOptions.Flam.FMax);

    /// <summary>
    /// A Raven Pro selection table: header <c>Selection, View, Channel, Begin Time (s), End Time (s), Low Freq (Hz),
    /// High Freq (Hz)</c> and the annotation columns <c>Annotation</c> (the query), <c>Max Probability</c> and
    /// <c>Mean Probability</c>; tab-separated, one selection per event numbered from 1 in onset order, in view
    /// "Spectrogram 1" of channel 1, over <see cref="RavenBand"/>.
    /// </summary>
    public static string ToRavenSelections(DetectionResult result)
    {
        var text = new StringBuilder("Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation\tMax Probability\tMean Probability\n");
        var (low, high) = RavenBand;
        var selection = 1;
        foreach (var e in EventsByOnset(result))
        {
            text.Append(selection++.ToString(CultureInfo.InvariantCulture)).Append("\tSpectrogram 1\t1\t")
                .Append(Fixed(e.Onset)).Append('\t').Append(Fixed(e.Offset)).Append('\t')
                .Append(low.ToString("F1", CultureInfo.InvariantCulture)).Append('\t').Append(high.ToString("F1", CultureInfo.InvariantCulture)).Append('\t')
                .Append(Field(e.Query, '\t')).Append('\t').Append(Fixed(e.Max)).Append('\t').Append(Fixed(e.Mean)).Append('\n');
        }
        return text.ToString();
    }

    private static IEnumerable<SoundEvent> EventsByOnset(DetectionResult result) =>
        result.Queries.SelectMany(q => q.Events).OrderBy(e => e.Onset).ThenBy(e => e.Offset);

    private static DetectionResult Single(IReadOnlyList<DetectionResult> results, DetectionFormat format) => results.Count == 1
        ? results[0]
        : throw new ArgumentException($"The {format} format describes one recording; got {results.Count}.", nameof(results));

    /// <summary>A time with exactly 6 decimals (Audacity labels, Raven selections).</summary>
    public static string Fixed(double value) => value.ToString("F6", CultureInfo.InvariantCulture);

    /// <summary>A number in a table: invariant culture, at most 6 decimals.</summary>
    public static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>CSV quoting (RFC 4180) for commas, quotes and newlines; in TSV, tabs and newlines become spaces.</summary>
    public static string Field(string value, char separator)
    {
        if (separator != ',')
        {
            return value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');
        }
        return value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }
}
