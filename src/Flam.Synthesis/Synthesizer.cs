using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.IO;

namespace Flam.Synthesis;

/// <summary>What to synthesise and where.</summary>
/// <param name="EventsFolder">Folder of event sounds.</param>
/// <param name="EventsMetadata">CSV/JSONL metadata for the events, or null to label from file names.</param>
/// <param name="BackgroundsFolder">Folder of background sounds (may be the events folder for a mixed corpus).</param>
/// <param name="BackgroundsMetadata">Metadata for the backgrounds, or null.</param>
/// <param name="OutputFolder">Where the set goes.</param>
/// <param name="Count">Number of mixtures.</param>
/// <param name="Seed">Random seed; mixture i depends only on (seed, i).</param>
/// <param name="Options">The recipe.</param>
/// <param name="Threads">Mixtures rendered in parallel (does not change the output).</param>
/// <param name="Force">Replace a set made with a different recipe.</param>
/// <param name="IndexCacheFolder">Where source indexes are cached (default OUT/source-index).</param>
public sealed record SynthesisRequest(string EventsFolder, string? EventsMetadata, string BackgroundsFolder, string? BackgroundsMetadata,
    string OutputFolder, int Count, long Seed, SynthesisOptions Options, int Threads = 1, bool Force = false, string? IndexCacheFolder = null);

/// <summary>Totals of a run.</summary>
/// <param name="Mixtures">Mixtures in the set.</param>
/// <param name="Generated">Mixtures rendered by this run.</param>
/// <param name="Reused">Finished mixtures kept from an earlier run.</param>
/// <param name="Events">Usable events.</param>
/// <param name="Backgrounds">Usable backgrounds.</param>
/// <param name="UnreadableSources">Source files that could not be decoded (listed in the report).</param>
/// <param name="ExcludedSources">Readable files the rules left out (listed in the report).</param>
/// <param name="TrimmedEvents">Events longer than the mixture, trimmed.</param>
/// <param name="SilentEvents">Event draws dropped as silent.</param>
/// <param name="UnplacedInstances">Copies/segments dropped by the concurrency limit.</param>
/// <param name="NormalisedMixtures">Mixtures scaled down to avoid clipping.</param>
/// <param name="ReportPath">The report file.</param>
public sealed record SynthesisSummary(int Mixtures, int Generated, int Reused, int Events, int Backgrounds, int UnreadableSources,
    int ExcludedSources, int TrimmedEvents, int SilentEvents, int UnplacedInstances, int NormalisedMixtures, string ReportPath);

/// <summary>
/// Runs <c>flam synthesize</c>: indexes the sources, checks the output folder's recipe, renders the mixtures in parallel
/// (each written to a temporary name and renamed, so a killed run leaves only finished files and resumes from them), and
/// writes audio/*.wav, recipes/*.json, manifest.jsonl, ground_truth.tsv, durations.tsv, recipe.json and report.json.
/// </summary>
public static class Synthesizer
{
    /// <summary>Recipe file format tag.</summary>
    public const string RecipeFormat = "flam-synthesis/1";

    private static readonly string[] OutputNames = ["manifest.jsonl", "ground_truth.tsv", "durations.tsv", "report.json"];

    /// <summary>Runs a request; <paramref name="progress"/> gets (phase, done, total) and may be null.</summary>
    /// <exception cref="FlamException">Bad options or folders, no events/backgrounds, or a different recipe in the output folder without Force.</exception>
    public static SynthesisSummary Run(SynthesisRequest request, Action<string, int, int>? progress = null)
    {
        var options = request.Options;
        options.Validate();
        if (request.Count < 1)
        {
            throw new FlamException($"--count must be at least 1, got {request.Count}.");
        }
        foreach (var (folder, what) in new[] { (request.EventsFolder, "events"), (request.BackgroundsFolder, "backgrounds") })
        {
            if (!Directory.Exists(folder))
            {
                throw new FlamException($"The {what} folder '{folder}' does not exist.");
            }
        }
        var outDir = Path.GetFullPath(request.OutputFolder);
        var cacheDir = Path.GetFullPath(request.IndexCacheFolder ?? Path.Combine(outDir, "source-index"));
        // Folders this run creates, removed again if it fails before rendering anything.
        var created = new[] { outDir, cacheDir }.Where(d => !Directory.Exists(d)).ToList();
        using var outputLock = OutputLock.Acquire(outDir, "flam synthesize");
        try
        {
            return Run(request, outDir, cacheDir, progress);
        }
        catch (Exception e) when (e is FlamException or IOException or UnauthorizedAccessException)
        {
            outputLock.RemoveFolderWhenEmpty = RemoveIfUnused(created, outDir) && created.Contains(outDir);
            throw;
        }
    }

    /// <summary>
    /// Empties the folders of <paramref name="created"/> that a failed run made (all of them but
    /// <paramref name="outDir"/>, which still holds the lock, are removed too), unless a mixture was rendered (kept, so
    /// the next run resumes from it). Returns whether they were emptied.
    /// </summary>
    private static bool RemoveIfUnused(List<string> created, string outDir)
    {
        var recipesDir = Path.Combine(outDir, "recipes");
        if (created.Count == 0 || (Directory.Exists(recipesDir) && Directory.EnumerateFiles(recipesDir, "*.json").Any()))
        {
            return false;
        }
        try
        {
            foreach (var dir in created.Where(Directory.Exists))
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(dir).Where(e => !Path.GetFileName(e).StartsWith(OutputLock.FileName, StringComparison.Ordinal)))
                {
                    if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
                    else File.Delete(entry);
                }
                if (dir != outDir) Directory.Delete(dir);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the run's own error matters more than a leftover folder.
            return false;
        }
    }

    private static SynthesisSummary Run(SynthesisRequest request, string outDir, string cacheDir, Action<string, int, int>? progress)
    {
        var options = request.Options;
        var threads = Math.Max(1, request.Threads);

        var eventsFolder = Path.GetFullPath(request.EventsFolder);
        var backgroundsFolder = Path.GetFullPath(request.BackgroundsFolder);
        var eventFiles = SourceIndex.Build(eventsFolder, SourceIndex.CachePath(cacheDir, eventsFolder), threads,
            (d, t) => progress?.Invoke("indexing events", d, t));
        var backgroundFiles = backgroundsFolder == eventsFolder ? eventFiles
            : SourceIndex.Build(backgroundsFolder, SourceIndex.CachePath(cacheDir, backgroundsFolder), threads,
                (d, t) => progress?.Invoke("indexing backgrounds", d, t));
        var eventsMeta = request.EventsMetadata is null ? null : SourceMetadataReader.Read(request.EventsMetadata, eventsFolder);
        var backgroundsMeta = request.BackgroundsMetadata is null ? null : SourceMetadataReader.Read(request.BackgroundsMetadata, backgroundsFolder);
        var library = SourceLibrary.Create(eventsFolder, eventFiles, eventsMeta, backgroundsFolder, backgroundFiles, backgroundsMeta, options);

        var recipe = Recipe(request, eventsFolder, backgroundsFolder, eventFiles, backgroundFiles);
        PrepareOutput(outDir, recipe, request.Force);
        AtomicFile.WriteAllText(Path.Combine(outDir, "recipe.json"), recipe.ToJsonString(SynthesisJson.Indented) + "\n");

        var audioDir = Path.Combine(outDir, "audio");
        var recipesDir = Path.Combine(outDir, "recipes");
        Directory.CreateDirectory(audioDir);
        Directory.CreateDirectory(recipesDir);
        var generator = new MixtureGenerator(library, options, new SourceAudioCache(options.SampleRate));
        var generated = 0;
        var done = 0;
        Parallel.For(0, request.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            var (wav, json) = MixturePaths(audioDir, recipesDir, i);
            if (!(File.Exists(wav) && File.Exists(json) && TryReadRecord(json) is not null))
            {
                var mixture = generator.Generate(request.Seed, i);
                WavWriter.Write(wav, mixture.Samples, options.SampleRate, options.Format);
                // The record is written last: its presence marks the mixture as finished.
                AtomicFile.WriteAllText(json, JsonSerializer.Serialize(mixture.Recipe, SynthesisJson.Indented) + "\n");
                Interlocked.Increment(ref generated);
            }
            progress?.Invoke("mixing", Interlocked.Increment(ref done), request.Count);
        });

        // One sequential pass over the records writes the tables and sums the counters, so memory does not grow with the set.
        var totals = new Totals();
        var utf8 = new UTF8Encoding(false);
        AtomicFile.Write(Path.Combine(outDir, "manifest.jsonl"), manifestStream =>
        AtomicFile.Write(Path.Combine(outDir, "ground_truth.tsv"), truthStream =>
        AtomicFile.Write(Path.Combine(outDir, "durations.tsv"), durationStream =>
        {
            using var manifest = new StreamWriter(manifestStream, utf8, leaveOpen: true) { NewLine = "\n" };
            using var truth = new StreamWriter(truthStream, utf8, leaveOpen: true) { NewLine = "\n" };
            using var durations = new StreamWriter(durationStream, utf8, leaveOpen: true) { NewLine = "\n" };
            truth.Write(GroundTruthHeader);
            durations.Write(DurationsHeader);
            for (var i = 0; i < request.Count; i++)
            {
                var record = TryReadRecord(MixturePaths(audioDir, recipesDir, i).Json)
                    ?? throw new FlamException($"Mixture record {i} in '{recipesDir}' disappeared during the run.");
                if (Manifest.Validate(record.Entry) is { } problem)
                {
                    throw new FlamException($"Mixture record '{MixturePaths(audioDir, recipesDir, i).Json}' has an invalid manifest entry: {problem}.");
                }
                manifest.Write(Manifest.Format(record.Entry));
                manifest.Write('\n');
                truth.Write(GroundTruth([record])[GroundTruthHeader.Length..]);
                durations.Write(Durations([record])[DurationsHeader.Length..]);
                totals.Add(record);
            }
        })));

        var reportPath = Path.Combine(outDir, "report.json");
        var summary = new SynthesisSummary(request.Count, generated, request.Count - generated, library.Events.Count, library.Backgrounds.Count,
            library.Unreadable.Count, library.Excluded.Count, library.TrimmedEvents, totals.SilentEvents, totals.UnplacedInstances,
            totals.NormalisedMixtures, reportPath);
        var report = new
        {
            summary.Mixtures,
            summary.Events,
            summary.Backgrounds,
            EffectEvents = library.EffectEvents.Count,
            GeneralEvents = library.GeneralEvents.Count,
            library.TrimmedEvents,
            library.OtherSplitSources,
            summary.SilentEvents,
            totals.SilentSegments,
            summary.UnplacedInstances,
            totals.UnsplittableEvents,
            summary.NormalisedMixtures,
            totals.MixturesWithoutEvents,
            totals.LabelledEvents,
            Unreadable = library.Unreadable,
            Excluded = library.Excluded,
        };
        AtomicFile.WriteAllText(reportPath, JsonSerializer.Serialize(report, SynthesisJson.Indented) + "\n");
        return summary;
    }

    private const string GroundTruthHeader = "filename\tonset\toffset\tevent_label\n";
    private const string DurationsHeader = "filename\tduration\n";

    private static (string Wav, string Json) MixturePaths(string audioDir, string recipesDir, int index)
    {
        var name = MixtureGenerator.FileName(index);
        return (Path.Combine(audioDir, name), Path.Combine(recipesDir, Path.ChangeExtension(name, ".json")));
    }

    /// <summary>Counters summed over a set's records.</summary>
    private sealed class Totals
    {
        public int SilentEvents, SilentSegments, UnplacedInstances, UnsplittableEvents, NormalisedMixtures, MixturesWithoutEvents, LabelledEvents;

        public void Add(MixtureRecipe r)
        {
            SilentEvents += r.Counters.SilentEvents;
            SilentSegments += r.Counters.SilentSegments;
            UnplacedInstances += r.Counters.UnplacedInstances;
            UnsplittableEvents += r.Counters.UnsplittableEvents;
            NormalisedMixtures += r.OutputGainDb < 0 ? 1 : 0;
            MixturesWithoutEvents += r.Events.Count == 0 ? 1 : 0;
            LabelledEvents += r.Entry.Events?.Count ?? 0;
        }
    }

    /// <summary>The DCASE ground-truth table: filename, onset, offset, event_label (seconds).</summary>
    public static string GroundTruth(IEnumerable<MixtureRecipe> records)
    {
        var text = new StringBuilder(GroundTruthHeader);
        foreach (var r in records)
        {
            foreach (var e in r.Entry.Events ?? [])
            {
                text.Append(r.File).Append('\t').Append(Format(e.Onset)).Append('\t').Append(Format(e.Offset)).Append('\t')
                    .Append(e.Text.Replace('\t', ' ')).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>The durations table: filename, duration (seconds).</summary>
    public static string Durations(IEnumerable<MixtureRecipe> records)
    {
        var text = new StringBuilder(DurationsHeader);
        foreach (var r in records)
        {
            text.Append(r.File).Append('\t').Append(Format(r.Duration)).Append('\n');
        }
        return text.ToString();
    }

    private static string Format(double seconds) => seconds.ToString("0.######", CultureInfo.InvariantCulture);

    private static MixtureRecipe? TryReadRecord(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<MixtureRecipe>(File.ReadAllText(path), SynthesisJson.Indented);
        }
        catch (JsonException)
        {
            // Unreadable record: render the mixture again (deterministic, so the result is the same).
            return null;
        }
    }

    private static JsonObject Recipe(SynthesisRequest request, string eventsFolder, string backgroundsFolder,
        IReadOnlyList<IndexedFile> eventFiles, IReadOnlyList<IndexedFile> backgroundFiles)
    {
        // The sources' identity: every indexed file's path, size and time, so a changed library is a different recipe.
        var fingerprint = new StringBuilder();
        foreach (var f in eventFiles.Concat(backgroundFiles))
        {
            fingerprint.Append(f.RelativePath).Append('|').Append(f.Size).Append('|').Append(f.Modified).Append('\n');
        }
        return new JsonObject
        {
            ["format"] = RecipeFormat,
            ["seed"] = request.Seed,
            ["count"] = request.Count,
            ["events"] = eventsFolder,
            ["eventsMetadata"] = request.EventsMetadata is null ? null : Path.GetFullPath(request.EventsMetadata),
            ["backgrounds"] = backgroundsFolder,
            ["backgroundsMetadata"] = request.BackgroundsMetadata is null ? null : Path.GetFullPath(request.BackgroundsMetadata),
            ["sources"] = SourceIndex.StableHash(fingerprint.ToString()).ToString("x16"),
            ["options"] = JsonSerializer.SerializeToNode(request.Options, SynthesisJson.Indented),
        };
    }

    /// <summary>Refuses an output folder holding another recipe's set (unless forced), clears it when forced, removes stale temporaries.</summary>
    private static void PrepareOutput(string outDir, JsonObject recipe, bool force)
    {
        var recipePath = Path.Combine(outDir, "recipe.json");
        var audioDir = Path.Combine(outDir, "audio");
        var recipesDir = Path.Combine(outDir, "recipes");
        var hasSet = File.Exists(recipePath) || OutputNames.Any(n => File.Exists(Path.Combine(outDir, n)))
            || (Directory.Exists(audioDir) && Directory.EnumerateFileSystemEntries(audioDir).Any());
        if (hasSet)
        {
            var differences = File.Exists(recipePath) ? Differences(recipePath, recipe) : ["no recipe.json"];
            if (differences.Count > 0)
            {
                if (!force)
                {
                    throw new FlamException($"Output folder '{outDir}' holds a set made with a different recipe ({string.Join(", ", differences)}); " +
                        "use --force to replace it or choose another folder.");
                }
                foreach (var dir in new[] { audioDir, recipesDir })
                {
                    if (Directory.Exists(dir))
                    {
                        foreach (var file in Directory.EnumerateFiles(dir))
                        {
                            File.Delete(file);
                        }
                    }
                }
                foreach (var name in OutputNames.Append("recipe.json"))
                {
                    File.Delete(Path.Combine(outDir, name));
                }
            }
        }
        // Temporaries of a killed run (AtomicFile names them ".NAME.xxxx.tmp").
        foreach (var dir in new[] { audioDir, recipesDir })
        {
            if (Directory.Exists(dir))
            {
                foreach (var tmp in Directory.EnumerateFiles(dir, ".*.tmp"))
                {
                    File.Delete(tmp);
                }
            }
        }
    }

    private static List<string> Differences(string recipePath, JsonObject recipe)
    {
        JsonObject? old;
        try
        {
            old = JsonNode.Parse(File.ReadAllText(recipePath)) as JsonObject;
        }
        catch (JsonException)
        {
            return ["unreadable recipe.json"];
        }
        if (old is null)
        {
            return ["unreadable recipe.json"];
        }
        var differences = new List<string>();
        // The count may change between runs: mixture i does not depend on it, so a set can be extended.
        foreach (var key in recipe.Select(kv => kv.Key).Union(old.Select(kv => kv.Key)).Where(k => k != "count"))
        {
            var a = recipe[key];
            var b = old[key];
            if (a is JsonObject ao && b is JsonObject bo)
            {
                differences.AddRange(ao.Select(kv => kv.Key).Union(bo.Select(kv => kv.Key))
                    .Where(k => !JsonNode.DeepEquals(ao[k], bo[k])).Select(k => $"{key}.{k}"));
            }
            else if (!JsonNode.DeepEquals(a, b))
            {
                differences.Add(key);
            }
        }
        return differences;
    }
}
