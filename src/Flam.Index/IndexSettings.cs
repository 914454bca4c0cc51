using System.Globalization;
using System.Security.Cryptography;
using Flam.Inference;
using Flam.Model;

namespace Flam.Index;

/// <summary>
/// What an index was built with, recorded in it: the model (name, where its files were, and a fingerprint of its weights
/// and config), the encoder precision, the storage and the window grid. Vectors made with other settings never mix in.
/// </summary>
/// <param name="ModelName">What reports call the model.</param>
/// <param name="ModelId">SHA-256 (hex, 32 characters) of the weights file, the config and the encoder precision.</param>
/// <param name="Checkpoint">The weights as given when the index was created (full path), or null for the shipped default model.</param>
/// <param name="Config">The config as given (a preset name or a full path), or null.</param>
/// <param name="Tokenizer">The tokenizer folder as given (full path), or null.</param>
/// <param name="Precision">The audio encoder's precision ("fp32" or "bf16").</param>
/// <param name="Storage">How frame embeddings are stored.</param>
/// <param name="Dimension">Width d of a frame embedding.</param>
/// <param name="FramesPerWindow">Frames per window (32 for the released model).</param>
/// <param name="SampleRate">Sample rate windows are cut at.</param>
/// <param name="WindowSeconds">Seconds per window.</param>
/// <param name="HopSeconds">Seconds between window starts.</param>
/// <param name="FrameSeconds">Seconds per frame.</param>
public sealed record IndexSettings(
    string ModelName, string ModelId, string? Checkpoint, string? Config, string? Tokenizer, string Precision,
    VectorStorage Storage, int Dimension, int FramesPerWindow, int SampleRate, double WindowSeconds, double HopSeconds, double FrameSeconds)
{
    /// <summary>Version of the on-disk layout.</summary>
    public const int FormatVersion = 2;

    /// <summary>
    /// The detector settings a search uses: this index's window grid with <paramref name="threshold"/> and
    /// <paramref name="medianFrames"/>; validated.
    /// </summary>
    public DetectionOptions Detection(double threshold, int medianFrames)
    {
        var options = DetectionOptions.Default with
        {
            SampleRate = SampleRate,
            WindowSeconds = WindowSeconds,
            FrameSeconds = FrameSeconds,
            HopSeconds = HopSeconds,
            Threshold = threshold,
            MedianFrames = medianFrames,
        };
        options.Validate();
        return options;
    }

    /// <summary>
    /// The settings for <paramref name="model"/> (resolved from <paramref name="bundle"/>, loaded with <paramref name="precision"/>)
    /// and <paramref name="options"/>; checks the hop against the model's frame grid.
    /// </summary>
    public static IndexSettings For(ModelBundle bundle, FlamModel model, string precision, IndexOptions options, bool defaultModel)
    {
        options.Validate();
        var audio = model.Config.Audio;
        var detection = DetectionOptions.Default.ForModel(audio);
        detection = detection with { HopSeconds = options.HopSeconds ?? detection.WindowSeconds };
        detection.Validate();
        return new IndexSettings(bundle.Name, ModelIdOf(bundle, model, precision),
            defaultModel ? null : Path.GetFullPath(bundle.Checkpoint),
            bundle.Config is null ? null : File.Exists(bundle.Config) ? Path.GetFullPath(bundle.Config) : bundle.Config,
            defaultModel || bundle.TokenizerDirectory.Length == 0 ? null : Path.GetFullPath(bundle.TokenizerDirectory),
            precision, options.Storage, model.Config.JointEmbedDim, audio.Frames, detection.SampleRate, detection.WindowSeconds,
            detection.HopSeconds, detection.FrameSeconds);
    }

    /// <summary>The <see cref="ModelId"/> of a loaded model.</summary>
    public static string ModelIdOf(ModelBundle bundle, FlamModel model, string precision) =>
        Fingerprint(Directory.Exists(bundle.Checkpoint) ? Path.Combine(bundle.Checkpoint, FlamModel.WeightsFileName) : bundle.Checkpoint, model.Config.ToJson(), precision);

    /// <summary>SHA-256 of the weights file's bytes, the config and the precision, as 32 hex digits.</summary>
    public static string Fingerprint(string weightsPath, string configJson, string precision)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            using var stream = File.OpenRead(weightsPath);
            var buffer = new byte[1 << 20];
            int n;
            while ((n = stream.Read(buffer)) > 0) hash.AppendData(buffer, 0, n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"Cannot read the model weights '{weightsPath}': {e.Message}", e);
        }
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes("\n" + configJson + "\n" + precision));
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    /// <summary>The settings recorded in the index in <paramref name="folder"/>, or null when there is no index there yet.</summary>
    public static IndexSettings? Read(string folder)
    {
        if (!File.Exists(Path.Combine(folder, IndexCatalog.FileName)) || !IndexCatalog.HasTables(folder))
        {
            return null;
        }
        using var catalog = IndexCatalog.Open(folder, write: false);
        var meta = catalog.Meta();
        return meta.Count == 0 ? null : FromMeta(meta, folder);
    }

    /// <summary>The settings as the index's <c>meta</c> table holds them.</summary>
    internal Dictionary<string, string> ToMeta() => new()
    {
        ["format"] = FormatVersion.ToString(CultureInfo.InvariantCulture),
        ["model"] = ModelName,
        ["model_id"] = ModelId,
        ["checkpoint"] = Checkpoint ?? "",
        ["config"] = Config ?? "",
        ["tokenizer"] = Tokenizer ?? "",
        ["precision"] = Precision,
        ["storage"] = Storage.ToString().ToLowerInvariant(),
        ["dimension"] = Dimension.ToString(CultureInfo.InvariantCulture),
        ["frames_per_window"] = FramesPerWindow.ToString(CultureInfo.InvariantCulture),
        ["sample_rate"] = SampleRate.ToString(CultureInfo.InvariantCulture),
        ["window_seconds"] = WindowSeconds.ToString("R", CultureInfo.InvariantCulture),
        ["hop_seconds"] = HopSeconds.ToString("R", CultureInfo.InvariantCulture),
        ["frame_seconds"] = FrameSeconds.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Reads the settings back; <paramref name="source"/> names the index in errors.</summary>
    internal static IndexSettings FromMeta(IReadOnlyDictionary<string, string> meta, string source)
    {
        string Get(string key) => meta.TryGetValue(key, out var value)
            ? value
            : throw new FlamException($"The index '{source}' is damaged: its settings lack '{key}'.");
        string? Optional(string key) => Get(key) is { Length: > 0 } value ? value : null;
        double Number(string key) => double.Parse(Get(key), CultureInfo.InvariantCulture);
        int Whole(string key) => int.Parse(Get(key), CultureInfo.InvariantCulture);
        if (Get("format") != FormatVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new FlamException($"The index '{source}' has layout version {Get("format")}; this Flam reads version {FormatVersion}. Build a new index.");
        }
        return new IndexSettings(Get("model"), Get("model_id"), Optional("checkpoint"), Optional("config"), Optional("tokenizer"), Get("precision"),
            Enum.Parse<VectorStorage>(Get("storage"), ignoreCase: true), Whole("dimension"), Whole("frames_per_window"), Whole("sample_rate"),
            Number("window_seconds"), Number("hop_seconds"), Number("frame_seconds"));
    }

    /// <summary>
    /// Throws a <see cref="FlamException"/> when vectors made with <paramref name="run"/> cannot join an index built with these
    /// settings; <paramref name="storageChosen"/> and <paramref name="hopChosen"/> say whether the user named them.
    /// </summary>
    public void CheckCompatible(IndexSettings run, bool storageChosen, bool hopChosen, string folder)
    {
        if (run.ModelId != ModelId)
        {
            throw new FlamException(
                $"The index '{folder}' was built with model {ModelName} ({Precision}, id {ModelId}); this run uses {run.ModelName} ({run.Precision}, id {run.ModelId}). " +
                "An index holds one model's embeddings: use the same --checkpoint, --config and --precision, or another --index folder.");
        }
        if (storageChosen && run.Storage != Storage)
        {
            throw new FlamException($"The index '{folder}' stores {Storage.ToString().ToLowerInvariant()} vectors; --storage {run.Storage.ToString().ToLowerInvariant()} would mix them. Leave out --storage or use another --index folder.");
        }
        if (hopChosen && Math.Abs(run.HopSeconds - HopSeconds) > 1e-9)
        {
            throw new FlamException($"The index '{folder}' cuts windows every {HopSeconds:0.####} s; --hop {run.HopSeconds:0.####} would mix grids. Leave out --hop or use another --index folder.");
        }
    }
}
