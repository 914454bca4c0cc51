using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Flam.IO;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// Writes a corpus's metadata (all atomically): <c>events.jsonl</c>, <c>backgrounds.jsonl</c>, <c>licences.tsv</c>, <c>manifest.tsv</c>,
/// <c>LICENSES.md</c>, <c>splits.json</c>, <c>excluded.tsv</c> and <c>SUMMARY.md</c>.
/// </summary>
public static class CorpusWriter
{
    private static readonly JsonSerializerOptions JsonLine = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Writes every metadata file of <paramref name="result"/> into the output folder.</summary>
    public static void Write(CorpusOptions options, CorpusResult result)
    {
        var dir = options.OutputDirectory;
        AtomicFile.WriteAllText(Path.Combine(dir, "events.jsonl"), Jsonl(result.Clips.Where(c => c.Kind == CorpusClip.EventKind)));
        AtomicFile.WriteAllText(Path.Combine(dir, "backgrounds.jsonl"), Jsonl(result.Clips.Where(c => c.Kind == CorpusClip.BackgroundKind)));
        AtomicFile.WriteAllText(Path.Combine(dir, "licences.tsv"), LicenceTsv(result));
        AtomicFile.WriteAllText(Path.Combine(dir, "manifest.tsv"), ManifestTsv(result));
        AtomicFile.WriteAllText(Path.Combine(dir, "LICENSES.md"), LicencesMarkdown(options, result));
        AtomicFile.WriteAllText(Path.Combine(dir, "splits.json"), SplitsJson(options, result));
        AtomicFile.WriteAllText(Path.Combine(dir, "excluded.tsv"), "package\tpath\treason\n"
            + string.Concat(result.Excluded.Select(e => $"{e.Package}\t{e.Path}\t{Tsv(e.Reason)}\n")));
        AtomicFile.WriteAllText(Path.Combine(dir, "SUMMARY.md"), CorpusSummary.Markdown(options, result));
    }

    private static string Jsonl(IEnumerable<CorpusClip> clips) =>
        string.Concat(clips.Select(c => JsonSerializer.Serialize(c, JsonLine) + "\n"));

    private static string Tsv(string s) => s.Replace('\t', ' ').Replace('\n', ' ');

    private static string LicenceTsv(CorpusResult result)
    {
        var sb = new StringBuilder("id\tpackage\tpath\toriginal\tlicence\tcopyright\n");
        foreach (var c in result.Clips)
        {
            sb.Append(c.Id).Append('\t').Append(c.Package).Append('\t').Append(c.Path).Append('\t').Append(Tsv(c.Original)).Append('\t')
              .Append(Tsv(c.Licence)).Append('\t').Append(Tsv(c.Copyright)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The compact reviewable list: one clip per line with its text, split and licence (committed as data/corpus/manifest.tsv).</summary>
    private static string ManifestTsv(CorpusResult result)
    {
        var sb = new StringBuilder("id\tkind\tsource\tsplit\tduration\tlabel\tcaptions\ttags\tlicence\n");
        foreach (var c in result.Clips)
        {
            sb.Append(c.Id).Append('\t').Append(c.Kind).Append('\t').Append(c.Source).Append('\t').Append(c.Split).Append('\t')
              .Append(c.Duration.ToString("0.###", CultureInfo.InvariantCulture)).Append('\t').Append(Tsv(c.Label)).Append('\t')
              .Append(Tsv(string.Join(" | ", c.Captions))).Append('\t').Append(Tsv(string.Join(", ", c.Tags))).Append('\t').Append(Tsv(c.Licence)).Append('\n');
        }
        return sb.ToString();
    }

    private static string LicencesMarkdown(CorpusOptions options, CorpusResult result)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Licences of this corpus").AppendLine();
        sb.AppendLine("Every file keeps the licence its Debian package's copyright file (or its folder's LICENSES.md) gives it;");
        sb.AppendLine("attribution and share-alike duties of CC-BY / CC-BY-SA / GPL files apply to any redistribution. The full");
        sb.AppendLine("per-file record is licences.tsv (id, package, path, original path, licence, copyright).").AppendLine();
        sb.AppendLine("## Sources").AppendLine();
        var sources = CorpusCatalog.Packages.Where(p => options.Packages.Contains(p.Name)).Concat(options.GitSources).Concat(options.Folders.Select(f => CorpusSource.Folder(f)));
        foreach (var s in sources)
        {
            var clips = result.Clips.Where(c => c.Package == s.Name).ToList();
            var licences = clips.GroupBy(c => c.Licence).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ({g.Count()})");
            var transcribed = s.Transcripts is null ? "" : $" Captions of {clips.Count(c => c.TranscriptSource is not null)} files quote the transcripts in {s.Transcripts}.";
            sb.AppendLine($"- **{s.Name}** ({s.Origin switch
            {
                SourceOrigin.DebianPackage => "Debian package",
                SourceOrigin.GitRepository => $"git {s.Git!.Repository} at commit {s.Git.Commit}; licences: {s.Git.Evidence}",
                _ => "folder",
            }}), {clips.Count} files: {string.Join(", ", licences)}. {s.Note}{transcribed}");
        }
        sb.AppendLine().AppendLine("## Copyright holders by package and licence").AppendLine();
        foreach (var g in result.Clips.GroupBy(c => (c.Package, c.Licence, c.Copyright)).OrderBy(g => g.Key.Package, StringComparer.Ordinal).ThenBy(g => g.Key.Licence, StringComparer.Ordinal).ThenBy(g => g.Key.Copyright, StringComparer.Ordinal))
        {
            sb.AppendLine($"- {g.Key.Package} — {g.Key.Licence} — {(g.Key.Copyright.Length > 0 ? g.Key.Copyright : "(no holder named)")}: {g.Count()} files");
        }
        return sb.ToString();
    }

    private static string SplitsJson(CorpusOptions options, CorpusResult result)
    {
        var doc = new
        {
            rule = "An event label is held out (split 'unseen-label') when SHA-256('flam-corpus-label:' + label), read as a number in [0,1), is below held_out_label_fraction. "
                + "Every other clip gets u = SHA-256('flam-corpus-family:' + package + ':' + family) in [0,1): test if u < test_fraction, validation if u < test_fraction + validation_fraction, else train. "
                + "family = relative path without extension and trailing variant number, so numbered variants share a split.",
            held_out_label_fraction = options.HeldOutLabelFraction,
            test_fraction = options.TestFraction,
            validation_fraction = options.ValidationFraction,
            held_out_labels = result.HeldOutLabels,
            counts = result.Clips.GroupBy(c => c.Split).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            clips = result.Clips.ToDictionary(c => c.Id, c => c.Split),
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions(JsonLine) { WriteIndented = true }) + "\n";
    }
}

/// <summary>The human-readable counts of a corpus (also committed as <c>data/corpus/SUMMARY.md</c>).</summary>
public static class CorpusSummary
{
    /// <summary>Number of example clips listed.</summary>
    public const int Examples = 20;

    /// <summary>Markdown tables: per package, licence, kind, source type and split; labels; exclusions; examples.</summary>
    public static string Markdown(CorpusOptions options, CorpusResult result)
    {
        var clips = result.Clips;
        var inv = CultureInfo.InvariantCulture;
        string Hours(IEnumerable<CorpusClip> cs) => (cs.Sum(c => c.Duration) / 3600).ToString("0.00", inv);
        var sb = new StringBuilder();
        sb.AppendLine("# Flam corpus summary").AppendLine();
        sb.AppendLine(string.Create(inv, $"{clips.Count} clips, {Hours(clips)} h: {clips.Count(c => c.Kind == CorpusClip.EventKind)} events ({Hours(clips.Where(c => c.Kind == CorpusClip.EventKind))} h), {clips.Count(c => c.Kind == CorpusClip.BackgroundKind)} backgrounds ({Hours(clips.Where(c => c.Kind == CorpusClip.BackgroundKind))} h); {clips.Select(c => c.Label).Distinct().Count()} distinct labels, {clips.SelectMany(c => c.Tags).Distinct().Count()} distinct tags; {result.Excluded.Count} candidate files left out."));
        sb.AppendLine().AppendLine("## Per package").AppendLine();
        sb.AppendLine("| package | events | backgrounds | hours | labels | source type |").AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (var g in clips.GroupBy(c => c.Package))
        {
            sb.AppendLine($"| {g.Key} | {g.Count(c => c.Kind == CorpusClip.EventKind)} | {g.Count(c => c.Kind == CorpusClip.BackgroundKind)} | {Hours(g)} | {g.Select(c => c.Label).Distinct().Count()} | {g.First().Source} |");
        }
        Table(sb, "Per licence", "licence", clips.GroupBy(c => c.Licence), Hours);
        Table(sb, "Per source type (synthesis 80/20 rule)", "source", clips.GroupBy(c => c.Source + " " + c.Kind), Hours);
        Table(sb, "Per split", "split", clips.GroupBy(c => c.Split), Hours);
        sb.AppendLine().AppendLine($"Held-out labels ({result.HeldOutLabels.Count}): {string.Join(", ", result.HeldOutLabels)}").AppendLine();
        sb.AppendLine("## Most frequent labels").AppendLine();
        sb.AppendLine(string.Join(", ", clips.GroupBy(c => c.Label).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(40).Select(g => $"{g.Key} ({g.Count()})")));
        sb.AppendLine().AppendLine("## Left out").AppendLine();
        sb.AppendLine("| reason | files |").AppendLine("|---|---:|");
        foreach (var g in result.Excluded.GroupBy(e => ReasonKind(e.Reason)).OrderByDescending(g => g.Count()))
        {
            sb.AppendLine($"| {g.Key} | {g.Count()} |");
        }
        sb.AppendLine().AppendLine($"## {Examples} examples (chosen by hash of the id)").AppendLine();
        sb.AppendLine("| path | duration | caption | tags | licence |").AppendLine("|---|---:|---|---|---|");
        foreach (var c in clips.OrderBy(c => CorpusSplits.Unit("flam-corpus-example:" + c.Id)).Take(Examples))
        {
            sb.AppendLine(string.Create(inv, $"| {c.Path} | {c.Duration:0.0} s | {c.Captions[0]} | {string.Join(", ", c.Tags)} | {c.Licence} |"));
        }
        return sb.ToString();
    }

    private static void Table(StringBuilder sb, string title, string key, IEnumerable<IGrouping<string, CorpusClip>> groups, Func<IEnumerable<CorpusClip>, string> hours)
    {
        sb.AppendLine().AppendLine($"## {title}").AppendLine();
        sb.AppendLine($"| {key} | clips | hours |").AppendLine("|---|---:|---:|");
        foreach (var g in groups.OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            sb.AppendLine($"| {g.Key} | {g.Count()} | {hours(g)} |");
        }
    }

    private static string ReasonKind(string reason)
    {
        var cut = reason.IndexOfAny(['(', ':']);
        var kind = (cut > 0 ? reason[..cut] : reason).Trim();
        return kind.StartsWith("same decoded audio", StringComparison.Ordinal) ? "same decoded audio as another clip" : kind;
    }
}
