using System.Text.Json;
using System.Text.Json.Nodes;
using Flam.IO;

namespace Flam.Training;

/// <summary>
/// The files that make a training run's output folder, and <c>run.json</c>, the record of the command and settings that
/// made it: a new run never mixes with an old one's files, and <c>--resume</c> only continues the same recipe.
/// </summary>
public static class RunFolder
{
    /// <summary>The record of the command and settings that made the run.</summary>
    public const string RecordFileName = "run.json";

    // Everything a run writes into its folder; nothing else there is touched.
    private static readonly string[] RunFiles = [RecordFileName, "log.jsonl", Model.FlamModel.WeightsFileName, Model.FlamModel.ConfigFileName];
    private static readonly string[] RunFolders = ["checkpoints", "best"];

    // Settings that do not change what the run computes, or may change on --resume by design (--steps grows a run;
    // the manifests may move or be fixed).
    private static readonly string[] Unrecorded =
    [
        nameof(TrainingOptions.OutputDirectory), nameof(TrainingOptions.Resume), nameof(TrainingOptions.Force), nameof(TrainingOptions.Steps),
        nameof(TrainingOptions.StopAfter), nameof(TrainingOptions.Workers), nameof(TrainingOptions.Prefetch), nameof(TrainingOptions.Device),
        nameof(TrainingOptions.LogMelCache), nameof(TrainingOptions.CheckpointEvery), nameof(TrainingOptions.KeepCheckpoints),
        nameof(TrainingOptions.ValidateEvery), nameof(TrainingOptions.ValidationManifest), nameof(TrainingOptions.SkipMissing),
        nameof(TrainingOptions.TokenizerDirectory), nameof(TrainingOptions.TrainManifests),
    ];

    /// <summary>Whether <paramref name="directory"/> holds any file of a training run.</summary>
    public static bool HoldsRun(string directory) =>
        RunFiles.Any(f => File.Exists(Path.Combine(directory, f))) || RunFolders.Any(d => Directory.Exists(Path.Combine(directory, d)));

    /// <summary>Removes every file of a training run from <paramref name="directory"/> (and nothing else).</summary>
    public static void RemoveRun(string directory)
    {
        try
        {
            foreach (var file in RunFiles) File.Delete(Path.Combine(directory, file));
            foreach (var folder in RunFolders.Select(d => Path.Combine(directory, d)).Where(Directory.Exists)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"Cannot remove the old run in '{directory}': {e.Message}", e);
        }
    }

    /// <summary>The record of <paramref name="options"/>: the command and every setting that changes the result, paths made absolute.</summary>
    public static JsonObject Record(TrainingOptions options)
    {
        var settings = JsonSerializer.SerializeToNode(options)!.AsObject();
        foreach (var name in Unrecorded) settings.Remove(name);
        if (options.Init is not null) settings[nameof(TrainingOptions.Init)] = Path.GetFullPath(options.Init);
        if (File.Exists(options.Config))
        {
            // A config file is recorded by content: an edited file is a different recipe, a moved copy is not.
            settings[nameof(TrainingOptions.Config)] = File.ReadAllText(options.Config);
        }
        return new JsonObject { ["command"] = "flam train", ["settings"] = settings };
    }

    // The settings record of a run with every default (the required ones left empty: a record always has them).
    private static readonly JsonObject DefaultSettings =
        Record(new TrainingOptions { TrainManifests = [], Config = "", OutputDirectory = "" })["settings"]!.AsObject();

    // A run recorded by an earlier Flam has no entry for a setting added since, and ran as that setting's default does
    // (a new setting's default keeps the old behaviour): a missing entry, at any depth, stands for the default, so a
    // run resumes across an upgrade unless a setting really differs.
    private static JsonObject WithDefaults(JsonObject recorded, JsonObject defaults)
    {
        var merged = new JsonObject();
        foreach (var (key, value) in recorded)
        {
            merged[key] = value is JsonObject inner && defaults[key] is JsonObject innerDefaults ? WithDefaults(inner, innerDefaults) : value?.DeepClone();
        }
        foreach (var (key, value) in defaults.Where(kv => !recorded.ContainsKey(kv.Key)))
        {
            merged[key] = value?.DeepClone();
        }
        return merged;
    }

    /// <summary>
    /// Writes <paramref name="record"/> as the folder's run.json, or, when one exists (a resumed run), refuses a
    /// different recipe naming the settings that differ.
    /// </summary>
    public static void CheckOrWrite(string directory, JsonObject record)
    {
        var path = Path.Combine(directory, RecordFileName);
        if (File.Exists(path))
        {
            JsonObject? old;
            try
            {
                old = JsonNode.Parse(File.ReadAllText(path)) as JsonObject;
            }
            catch (JsonException)
            {
                old = null;
            }
            var oldSettings = old?["settings"] as JsonObject
                ?? throw new FlamException($"'{path}' is not a run record; use --force to replace the run or choose another folder.");
            var settings = record["settings"]!.AsObject();
            var recorded = WithDefaults(oldSettings, DefaultSettings);
            var differences = settings.Select(kv => kv.Key).Union(recorded.Select(kv => kv.Key))
                .Where(k => !JsonNode.DeepEquals(settings[k], recorded[k])).ToList();
            if (differences.Count > 0)
            {
                throw new FlamException($"--resume: the run in '{directory}' was made with different settings ({string.Join(", ", differences)}, " +
                    $"see {RecordFileName}); continue it with its own settings, or use --force without --resume to replace it.");
            }
            return;
        }
        AtomicFile.WriteAllText(path, record.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
