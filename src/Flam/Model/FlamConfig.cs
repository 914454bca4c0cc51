using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flam.Model.Text;

namespace Flam.Model;

/// <summary>
/// Everything needed to build a FLAM network: the audio encoder, the text encoder, the joint embedding and the
/// per-text heads. <see cref="V1Base"/> is the released OpenFLAM model; other shapes come from a JSON file in the
/// schema of the official configs (<c>audio_cfg</c> with <c>htsat_*</c> fields, <c>roberta</c>,
/// <c>joint_embed_shape</c>, <c>text_projection_in_features</c>, <c>per_text_mlp_width</c>, <c>flam</c>).
/// </summary>
/// <param name="Name">Preset name or the file the config came from (for messages).</param>
/// <param name="Audio">HTSAT encoder shape.</param>
/// <param name="Text">RoBERTa encoder shape (used when <paramref name="TextModelType"/> is "roberta").</param>
/// <param name="JointEmbedDim">Width d of the joint audio-text space.</param>
/// <param name="TextProjectionInFeatures">Input width of the text projection = text branch output width h.</param>
/// <param name="PerTextMlpWidth">Hidden width of the per-text bias and scale MLPs.</param>
/// <param name="PerTextLogitBiasInit">Initial bias of the per-text logit-bias head (β ≈ −8 at start).</param>
/// <param name="PerTextLogitScaleInit">Initial per-text logit scale (α = 10 at start, stored as log(10) in the last bias).</param>
/// <param name="ContextLength">Tokens per text, padded (77).</param>
/// <param name="TextModelType">Text tower kind: "roberta" (official, built from <paramref name="Text"/>), "minilm" (frozen <see cref="MiniLmTextTower"/>, h = 384); any other kind is supplied as a module to <see cref="FlamModel.Create(FlamConfig, TorchSharp.torch.nn.Module?)"/>.</param>
/// <param name="SedLossWeight">Weight of the frame-wise loss in the total loss (200).</param>
public sealed record FlamConfig(
    string Name,
    HtsatConfig Audio,
    RobertaConfig Text,
    int JointEmbedDim,
    int TextProjectionInFeatures,
    int PerTextMlpWidth,
    double PerTextLogitBiasInit = -8,
    double PerTextLogitScaleInit = 10,
    int ContextLength = 77,
    string TextModelType = "roberta",
    double SedLossWeight = 200)
{
    /// <summary>The released OpenFLAM model (<c>open_flam_oct17.pth</c>): HTSAT-base + roberta-base, d = 512.</summary>
    public static FlamConfig V1Base => ModelPresets.Get("v1-base");

    /// <summary>
    /// This config with the frozen MiniLM sentence encoder (<see cref="MiniLmTextTower"/>) as text tower:
    /// <c>text_cfg.model_type = "minilm"</c>, and the projection and per-text heads reading its 384-d output
    /// (<c>text_projection_in_features = per_text_mlp_width = 384</c>).
    /// </summary>
    public FlamConfig WithMiniLmText() => this with
    {
        TextModelType = MiniLmTextTower.ModelType,
        TextProjectionInFeatures = MiniLmTextTower.EmbeddingDim,
        PerTextMlpWidth = MiniLmTextTower.EmbeddingDim,
    };

    /// <summary>Names accepted by <see cref="FromNameOrFile"/> besides a file path (the <see cref="ModelPresets"/>).</summary>
    public static IReadOnlyList<string> PresetNames => ModelPresets.Names;

    /// <summary>Checks the whole config; throws <see cref="FlamException"/> naming the problem.</summary>
    public void Validate()
    {
        Audio.Validate();
        if (JointEmbedDim <= 0 || PerTextMlpWidth <= 0 || ContextLength <= 0 || TextProjectionInFeatures <= 0)
        {
            throw new FlamException($"Invalid config '{Name}': joint_embed_shape, text_projection_in_features, per_text_mlp_width and context_length must be positive.");
        }
        if (string.IsNullOrWhiteSpace(TextModelType))
        {
            throw new FlamException($"Invalid config '{Name}': text_cfg.model_type is empty.");
        }
        if (TextModelType == MiniLmTextTower.ModelType && TextProjectionInFeatures != MiniLmTextTower.EmbeddingDim)
        {
            throw new FlamException($"Invalid config '{Name}': the minilm text tower gives {MiniLmTextTower.EmbeddingDim} features, but text_projection_in_features is {TextProjectionInFeatures}.");
        }
        if (TextModelType != "roberta")
        {
            // Another tower (passed to FlamModel.Create / Load) brings its own shape; only its width is checked there.
            return;
        }
        Text.Validate();
        if (TextProjectionInFeatures != Text.HiddenSize)
        {
            throw new FlamException($"Invalid config '{Name}': text_projection_in_features {TextProjectionInFeatures} differs from the text hidden size {Text.HiddenSize}.");
        }
        if (ContextLength + Text.PadTokenId + 1 > Text.MaxPositionEmbeddings)
        {
            throw new FlamException($"Invalid config '{Name}': context_length {ContextLength} needs max_position_embeddings ≥ {ContextLength + Text.PadTokenId + 1}.");
        }
    }

    /// <summary>
    /// A preset name (<see cref="ModelPresets"/>: v1-base, cpu-small, ...) or the path of a JSON config file: what every
    /// command's <c>--config</c> goes through. A preset name wins over a file of the same name.
    /// </summary>
    /// <exception cref="FlamException">Unknown name, missing or malformed file, or an invalid config.</exception>
    public static FlamConfig FromNameOrFile(string nameOrPath)
    {
        if (ModelPresets.Find(nameOrPath) is { } preset)
        {
            return preset;
        }
        if (!File.Exists(nameOrPath))
        {
            throw new FlamException($"Config '{nameOrPath}' is neither a preset ({string.Join(", ", PresetNames)}) nor an existing JSON file.");
        }
        return FromJson(File.ReadAllText(nameOrPath), nameOrPath);
    }

    /// <summary>Parses a JSON config; <paramref name="source"/> names it in error messages.</summary>
    public static FlamConfig FromJson(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json)?.AsObject() ?? throw new FlamException($"Config '{source}' is empty.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new FlamException($"Config '{source}' is not valid JSON: {e.Message}", e);
        }
        try
        {
            var config = Parse(root, source);
            config.Validate();
            return config;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException or KeyNotFoundException)
        {
            throw new FlamException($"Config '{source}' has a field of the wrong type: {e.Message}", e);
        }
    }

    private static FlamConfig Parse(JsonObject root, string source)
    {
        var audioNode = root["audio_cfg"]?.AsObject() ?? throw new FlamException($"Config '{source}' has no 'audio_cfg'.");
        HtsatConfig audio;
        if (audioNode["htsat_embed_dim"] is not null)
        {
            var stride = audioNode["htsat_patch_stride"];
            int patchStride = stride is JsonArray arr ? arr[0]!.GetValue<int>() : stride?.GetValue<int>() ?? 4;
            if (stride is JsonArray arr2 && arr2.Count == 2 && arr2[1]!.GetValue<int>() != patchStride)
            {
                throw new FlamException($"Config '{source}': htsat_patch_stride must be the same on both axes.");
            }
            audio = new HtsatConfig(
                audioNode["htsat_embed_dim"]!.GetValue<int>(),
                IntArray(audioNode, "htsat_depths", source),
                IntArray(audioNode, "htsat_num_heads", source),
                SpecSize: audioNode["htsat_spec_size"]?.GetValue<int>() ?? 256,
                PatchSize: audioNode["htsat_patch_size"]?.GetValue<int>() ?? 4,
                PatchStride: patchStride,
                WindowSize: audioNode["htsat_window_size"]?.GetValue<int>() ?? 8);
        }
        else
        {
            var modelName = audioNode["model_name"]?.GetValue<string>() ?? throw new FlamException($"Config '{source}': audio_cfg needs htsat_* fields or a model_name.");
            audio = HtsatConfig.FromName(modelName) ?? throw new FlamException($"Config '{source}': unknown HTSAT model_name '{modelName}' (tiny, base, large, base-12hz, cpu-small).");
        }
        audio = audio with
        {
            MelBins = audioNode["mel_bins"]?.GetValue<int>() ?? audio.MelBins,
            SampleRate = audioNode["sample_rate"]?.GetValue<int>() ?? audio.SampleRate,
            WindowSamples = audioNode["window_size"]?.GetValue<int>() ?? audio.WindowSamples,
            HopSamples = audioNode["hop_size"]?.GetValue<int>() ?? audio.HopSamples,
            Fmin = audioNode["fmin"]?.GetValue<int>() ?? audio.Fmin,
            Fmax = audioNode["fmax"]?.GetValue<int>() ?? audio.Fmax,
            ClipSamples = audioNode["clip_samples"]?.GetValue<int>() ?? audio.ClipSamples,
        };
        if (audioNode["audio_embed_dim"] is { } embedDim && embedDim.GetValue<int>() != audio.NumFeatures)
        {
            throw new FlamException($"Config '{source}': audio_embed_dim {embedDim.GetValue<int>()} differs from the HTSAT output width {audio.NumFeatures}.");
        }

        var textModel = root["text_cfg"]?["model_type"]?.GetValue<string>() ?? "roberta";
        int context = root["text_cfg"]?["context_length"]?.GetValue<int>() ?? 77;
        var r = root["roberta"]?.AsObject();
        var text = r is null ? RobertaConfig.Base : new RobertaConfig(
            r["vocab_size"]!.GetValue<int>(),
            r["hidden_size"]!.GetValue<int>(),
            r["num_hidden_layers"]!.GetValue<int>(),
            r["num_attention_heads"]!.GetValue<int>(),
            r["intermediate_size"]!.GetValue<int>(),
            r["max_position_embeddings"]!.GetValue<int>(),
            TypeVocabSize: r["type_vocab_size"]?.GetValue<int>() ?? 1,
            LayerNormEps: r["layer_norm_eps"]?.GetValue<double>() ?? 1e-5,
            PadTokenId: r["pad_token_id"]?.GetValue<int>() ?? 1,
            BosTokenId: r["bos_token_id"]?.GetValue<int>() ?? 0,
            EosTokenId: r["eos_token_id"]?.GetValue<int>() ?? 2,
            HiddenDropoutProb: r["hidden_dropout_prob"]?.GetValue<double>() ?? 0.1,
            AttentionProbsDropoutProb: r["attention_probs_dropout_prob"]?.GetValue<double>() ?? 0.1);
        if (r is not null && r["hidden_act"] is { } act && act.GetValue<string>() != "gelu")
        {
            throw new FlamException($"Config '{source}': only hidden_act 'gelu' is supported (got '{act.GetValue<string>()}').");
        }
        var flam = root["flam"]?.AsObject();
        int joint = root["joint_embed_shape"]?.GetValue<int>() ?? throw new FlamException($"Config '{source}' has no 'joint_embed_shape'.");
        return new FlamConfig(
            Path.GetFileName(source),
            audio,
            text,
            joint,
            root["text_projection_in_features"]?.GetValue<int>() ?? text.HiddenSize,
            root["per_text_mlp_width"]?.GetValue<int>() ?? text.HiddenSize,
            PerTextLogitBiasInit: flam?["per_text_logit_bias_init"]?.GetValue<double>() ?? -8,
            PerTextLogitScaleInit: flam?["per_text_logit_scale_init"]?.GetValue<double>() ?? 10,
            ContextLength: context,
            TextModelType: textModel,
            SedLossWeight: flam?["sed_loss_weight"]?.GetValue<double>() ?? 200);
    }

    private static int[] IntArray(JsonObject node, string key, string source) =>
        (node[key] as JsonArray ?? throw new FlamException($"Config '{source}': audio_cfg.{key} must be a list of integers."))
        .Select(x => x!.GetValue<int>()).ToArray();

    /// <summary>Serialises to the same JSON schema <see cref="FromJson"/> reads (what FlamModel.Save writes).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["audio_cfg"] = new JsonObject
            {
                ["model_type"] = "HTSAT",
                ["sample_rate"] = Audio.SampleRate,
                ["window_size"] = Audio.WindowSamples,
                ["hop_size"] = Audio.HopSamples,
                ["fmin"] = Audio.Fmin,
                ["fmax"] = Audio.Fmax,
                ["mel_bins"] = Audio.MelBins,
                ["clip_samples"] = Audio.ClipSamples,
                ["audio_embed_dim"] = Audio.NumFeatures,
                ["htsat_spec_size"] = Audio.SpecSize,
                ["htsat_patch_size"] = Audio.PatchSize,
                ["htsat_patch_stride"] = new JsonArray(Audio.PatchStride, Audio.PatchStride),
                ["htsat_embed_dim"] = Audio.EmbedDim,
                ["htsat_depths"] = new JsonArray(Audio.Depths.Select(d => (JsonNode)d).ToArray()),
                ["htsat_num_heads"] = new JsonArray(Audio.NumHeads.Select(d => (JsonNode)d).ToArray()),
                ["htsat_window_size"] = Audio.WindowSize,
            },
            ["text_cfg"] = new JsonObject { ["context_length"] = ContextLength, ["model_type"] = TextModelType },
            ["roberta"] = new JsonObject
            {
                ["vocab_size"] = Text.VocabSize,
                ["hidden_size"] = Text.HiddenSize,
                ["num_hidden_layers"] = Text.NumHiddenLayers,
                ["num_attention_heads"] = Text.NumAttentionHeads,
                ["intermediate_size"] = Text.IntermediateSize,
                ["max_position_embeddings"] = Text.MaxPositionEmbeddings,
                ["type_vocab_size"] = Text.TypeVocabSize,
                ["layer_norm_eps"] = Text.LayerNormEps,
                ["pad_token_id"] = Text.PadTokenId,
                ["bos_token_id"] = Text.BosTokenId,
                ["eos_token_id"] = Text.EosTokenId,
                ["hidden_act"] = "gelu",
                ["hidden_dropout_prob"] = Text.HiddenDropoutProb,
                ["attention_probs_dropout_prob"] = Text.AttentionProbsDropoutProb,
            },
            ["joint_embed_shape"] = JointEmbedDim,
            ["text_projection_in_features"] = TextProjectionInFeatures,
            ["per_text_mlp_width"] = PerTextMlpWidth,
            ["flam"] = new JsonObject
            {
                ["sed_loss_weight"] = SedLossWeight,
                ["per_text_logit_bias_init"] = PerTextLogitBiasInit,
                ["per_text_logit_scale_init"] = PerTextLogitScaleInit,
            },
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A one-line summary for logs.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: HTSAT embed {Audio.EmbedDim} depths {string.Join("-", Audio.Depths)} (C={Audio.NumFeatures}, {Audio.Frames} frames), {(TextModelType == "roberta" ? $"roberta h={Text.HiddenSize}×{Text.NumHiddenLayers}" : $"{TextModelType} h={TextProjectionInFeatures}")}, d={JointEmbedDim}");
}
