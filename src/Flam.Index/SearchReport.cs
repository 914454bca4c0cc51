using System.Text;
using System.Text.Json;
using Flam.Inference;

namespace Flam.Index;

/// <summary>Output formats of <c>flam search</c>.</summary>
public enum SearchFormat
{
    /// <summary><c>{"model", "index", "results": [{"query", "file", "onset", "offset", "max", "mean"}]}</c>.</summary>
    Json,

    /// <summary>Comma-separated: <c>query,file,onset,offset,max,mean</c>.</summary>
    Csv,

    /// <summary>Tab-separated, the same columns.</summary>
    Tsv,

    /// <summary>An Audacity label track: <c>start\tend\tlabel</c>; the label names the file too when hits come from several files.</summary>
    Audacity,
}

/// <summary>Serialises search hits (best first, as given). Numbers use the invariant culture; times in seconds.</summary>
public static class SearchReport
{
    /// <summary>Writes <paramref name="hits"/> in <paramref name="format"/>.</summary>
    public static string Format(SearchFormat format, string model, string index, IReadOnlyList<SearchHit> hits) => format switch
    {
        SearchFormat.Json => ToJson(model, index, hits),
        SearchFormat.Csv => ToTable(hits, ','),
        SearchFormat.Tsv => ToTable(hits, '\t'),
        SearchFormat.Audacity => ToAudacityLabels(hits),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    /// <summary>The JSON document (shape pinned): <c>{"model": M, "index": DIR, "results": [{"query", "file", "onset", "offset", "max", "mean"}]}</c>.</summary>
    public static string ToJson(string model, string index, IReadOnlyList<SearchHit> hits)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteString("index", index);
            json.WriteStartArray("results");
            foreach (var hit in hits)
            {
                json.WriteStartObject();
                json.WriteString("query", hit.Query);
                json.WriteString("file", hit.File);
                json.WriteNumber("onset", Math.Round(hit.Onset, 6));
                json.WriteNumber("offset", Math.Round(hit.Offset, 6));
                json.WriteNumber("max", Math.Round(hit.Max, 6));
                json.WriteNumber("mean", Math.Round(hit.Mean, 6));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string ToTable(IReadOnlyList<SearchHit> hits, char separator)
    {
        var text = new StringBuilder();
        text.AppendJoin(separator, "query", "file", "onset", "offset", "max", "mean").Append('\n');
        foreach (var hit in hits)
        {
            text.AppendJoin(separator, DetectionReport.Field(hit.Query, separator), DetectionReport.Field(hit.File, separator),
                DetectionReport.Number(hit.Onset), DetectionReport.Number(hit.Offset), DetectionReport.Number(hit.Max), DetectionReport.Number(hit.Mean)).Append('\n');
        }
        return text.ToString();
    }

    private static string ToAudacityLabels(IReadOnlyList<SearchHit> hits)
    {
        var severalFiles = hits.Select(h => h.File).Distinct(StringComparer.Ordinal).Count() > 1;
        var text = new StringBuilder();
        foreach (var hit in hits)
        {
            var label = severalFiles ? $"{hit.Query} ({hit.File})" : hit.Query;
            text.Append(DetectionReport.Fixed(hit.Onset)).Append('\t').Append(DetectionReport.Fixed(hit.Offset)).Append('\t')
                .Append(DetectionReport.Field(label, '\t')).Append('\n');
        }
        return text.ToString();
    }
}
