using Flam.Audio;
using Flam.Model.Checkpoints;
using Flam.Model.Text;
using Flam.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flam.Model;

/// <summary>
/// The FLAM network (official <c>FLAM</c> in openflam's module/model.py): the HTSAT audio branch, a text branch
/// (RoBERTa), the audio and text projections into the joint space, the per-text logit bias and scale heads and
/// the scalars <c>logit_scale_a</c> and <c>aed_logit_scale</c>. Parameter names equal the official state-dict keys,
/// so the released checkpoint loads without renaming.
/// </summary>
public sealed class FlamModel : Module
{
    private readonly Parameter logit_scale_a;
    private readonly Parameter aed_logit_scale;
    private readonly HtsatAudioEncoder audio_branch;
    private readonly Sequential audio_projection;
    private readonly Module text_branch;
    private readonly Sequential text_projection;
    private readonly Sequential fc_per_text_logit_bias;
    private readonly Sequential fc_per_text_logit_scale;
    private readonly LogMelSpectrogram frontend;

    /// <summary>The configuration the network was built from.</summary>
    public FlamConfig Config { get; }

    /// <summary>The audio encoder (HTSAT).</summary>
    public HtsatAudioEncoder AudioBranch => audio_branch;

    /// <summary>The text encoder producing u(y).</summary>
    public ITextTower TextBranch => (ITextTower)text_branch;

    private FlamModel(FlamConfig config, Module textBranch) : base("FLAM")
    {
        config.Validate();
        Config = config;
        int h = ((ITextTower)textBranch).OutputDim;
        int d = config.JointEmbedDim;
        logit_scale_a = Parameter(tensor((float)Math.Log(1 / 0.07)));
        aed_logit_scale = Parameter(tensor(0f), requires_grad: false);
        frontend = new LogMelSpectrogram(FrontEndOptions(config.Audio));
        audio_branch = new HtsatAudioEncoder(config.Audio);
        audio_projection = Sequential(Linear(config.Audio.NumFeatures, d), ReLU(), Linear(d, d));
        text_branch = textBranch;
        text_projection = Sequential(Linear(h, d), ReLU(), Linear(d, d));
        fc_per_text_logit_bias = Sequential(Linear(h, config.PerTextMlpWidth), GELU(), Linear(config.PerTextMlpWidth, 1));
        fc_per_text_logit_scale = Sequential(Linear(h, config.PerTextMlpWidth), GELU(), Linear(config.PerTextMlpWidth, 1));
        RegisterComponents();
    }

    /// <summary>
    /// Builds a randomly initialised network as the official constructors do: HTSAT trunc-normal(0.02) weights, the
    /// text tower's own initialisation, PyTorch-default projections and heads, then log(1/0.07) for
    /// <c>logit_scale_a</c>, 0 (frozen) for <c>aed_logit_scale</c>, and the per-text heads' last biases shifted by
    /// <see cref="FlamConfig.PerTextLogitBiasInit"/> (−8) and log(<see cref="FlamConfig.PerTextLogitScaleInit"/>) (log 10).
    /// </summary>
    public static FlamModel Create(FlamConfig config) => Create(config, null);

    /// <summary>As <see cref="Create(FlamConfig)"/> with another text tower (a <see cref="Module"/> implementing <see cref="ITextTower"/>).</summary>
    public static FlamModel Create(FlamConfig config, Module? textTower)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        config.Validate();
        if (textTower is null && config.TextModelType == MiniLmTextTower.ModelType)
        {
            textTower = new MiniLmTextTower();
        }
        if (textTower is null && config.TextModelType != "roberta")
        {
            throw new FlamException($"Config '{config.Name}' uses a '{config.TextModelType}' text tower; pass that tower to FlamModel.Create/Load.");
        }
        textTower ??= new RobertaModel(config.Text);
        if (textTower is not ITextTower tower)
        {
            throw new ArgumentException("The text tower must implement ITextTower.", nameof(textTower));
        }
        if (tower.OutputDim != config.TextProjectionInFeatures)
        {
            throw new FlamException($"The text tower's output width {tower.OutputDim} differs from text_projection_in_features {config.TextProjectionInFeatures} of config '{config.Name}'.");
        }
        var model = new FlamModel(config, textTower);
        model.audio_branch.ResetParameters();
        using (no_grad())
        using (var biasInit = config.PerTextLogitBiasInit.ToScalar())
        using (var logScaleInit = Math.Log(config.PerTextLogitScaleInit).ToScalar())
        {
            ((Linear)model.fc_per_text_logit_bias[2]).bias!.add_(biasInit, TorchScalars.One);
            ((Linear)model.fc_per_text_logit_scale[2]).bias!.add_(logScaleInit, TorchScalars.One);
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// Loads a checkpoint: a PyTorch <c>.pth</c> state dict (the released <c>open_flam_oct17.pth</c>; config defaults
    /// to <c>v1-base</c>) or our own <c>.safetensors</c> (config defaults to the <c>config.json</c> beside it, or a
    /// directory holding both). Strict: every missing, unexpected or shape-mismatched key is listed in one error.
    /// The model is returned in eval mode.
    /// </summary>
    /// <exception cref="FlamException">Missing or unreadable file, or weights that do not fit the config.</exception>
    /// <param name="checkpointPath">A .pth, a .safetensors, or a directory holding model.safetensors and config.json.</param>
    /// <param name="config">The config; null picks the config.json beside a safetensors file, or v1-base for a .pth.</param>
    /// <param name="device">Device to move the model to; null keeps it on the CPU.</param>
    /// <param name="textTower">The text tower module for configs whose text model is neither RoBERTa nor MiniLM; null builds the config's tower.</param>
    public static FlamModel Load(string checkpointPath, FlamConfig? config = null, Device? device = null, Module? textTower = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        if (Directory.Exists(checkpointPath))
        {
            checkpointPath = Path.Combine(checkpointPath, WeightsFileName);
        }
        if (!File.Exists(checkpointPath))
        {
            throw new FlamException($"Checkpoint '{checkpointPath}' does not exist.");
        }
        bool isSafeTensors = checkpointPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase);
        if (config is null)
        {
            if (isSafeTensors)
            {
                var configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpointPath))!, ConfigFileName);
                if (!File.Exists(configPath))
                {
                    throw new FlamException($"Checkpoint '{checkpointPath}' has no '{ConfigFileName}' beside it; pass a config (--config).");
                }
                config = FlamConfig.FromNameOrFile(configPath);
            }
            else
            {
                config = FlamConfig.V1Base;
            }
        }
        var state = isSafeTensors ? SafeTensors.Load(checkpointPath) : PyTorchCheckpoint.Load(checkpointPath);
        try
        {
            var model = Create(config, textTower);
            try
            {
                model.LoadStateDict(state, checkpointPath);
                if (device is not null) model.to(device);
                model.eval();
                return model;
            }
            catch
            {
                // A checkpoint that does not fit: the new model's parameters are freed here, not by the finalizer.
                model.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>File name of the weights written by <see cref="Save"/>.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>File name of the config written by <see cref="Save"/>.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>Writes <c>model.safetensors</c> and <c>config.json</c> into <paramref name="directory"/> (each atomically).</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var state = state_dict();
        SafeTensors.Save(Path.Combine(directory, WeightsFileName), state, new Dictionary<string, string> { ["format"] = "flam", ["config"] = Config.Name });
        IO.AtomicFile.WriteAllText(Path.Combine(directory, ConfigFileName), Config.ToJson());
    }

    /// <summary>
    /// Entries a checkpoint may carry that this implementation derives itself or does not use: the torchlibrosa
    /// STFT kernels and mel matrix (the log-mel front end computes them), the shifted-window masks and relative
    /// position indices (computed from the shape), BatchNorm's batch counter and the legacy RoBERTa position ids.
    /// </summary>
    public static bool IsDerivedEntry(string key) =>
        key is "audio_branch.spectrogram_extractor.stft.conv_real.weight" or "audio_branch.spectrogram_extractor.stft.conv_imag.weight"
            or "audio_branch.logmel_extractor.melW" or "text_branch.embeddings.position_ids"
        || key.EndsWith(".attn_mask", StringComparison.Ordinal)
        || key.EndsWith(".relative_position_index", StringComparison.Ordinal)
        || key.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    /// <summary>
    /// Copies a state dict into the model. Strict: throws one <see cref="FlamException"/> listing every missing,
    /// unexpected and shape-mismatched key (derived entries, see <see cref="IsDerivedEntry"/>, are accepted either way).
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        var own = state_dict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k) && !IsDerivedEntry(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k) && !IsDerivedEntry(k)).ToList();
        var mismatched = own.Where(kv => state.TryGetValue(kv.Key, out var t) && !t.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key}: checkpoint [{string.Join(",", state[kv.Key].shape)}], model [{string.Join(",", kv.Value.shape)}]").ToList();
        if (missing.Count + unexpected.Count + mismatched.Count > 0)
        {
            static string List(string title, List<string> items) => items.Count == 0 ? "" :
                $"\n  {title} ({items.Count}): " + string.Join(", ", items.Take(40)) + (items.Count > 40 ? $", ... ({items.Count - 40} more)" : "");
            throw new FlamException(
                $"Checkpoint '{source}' does not match config '{Config.Name}' ({Config.Describe()})." +
                List("missing keys", missing) + List("unexpected keys", unexpected) + List("shape mismatches", mismatched) +
                "\n  Pass the config the checkpoint was trained with (--config NAME|FILE).");
        }
        using var noGrad = no_grad();
        foreach (var (key, target) in own)
        {
            if (state.TryGetValue(key, out var source_))
            {
                using var value = source_.to(target.dtype);
                target.copy_(value);
            }
        }
    }

    /// <summary>exp(aed_logit_scale), a scalar (1 for the released model).</summary>
    public Tensor AedLogitScaleExp => aed_logit_scale.exp();

    /// <summary>exp(logit_scale_a), the temperature of the global contrastive loss.</summary>
    public Tensor LogitScaleAExp => logit_scale_a.exp();

    /// <summary>
    /// Inference precision of the audio encoder's transformer: <see cref="ScalarType.Float32"/> (default, exact) or
    /// <see cref="ScalarType.BFloat16"/> (faster on CPUs with AMX / AVX-512 BF16; see docs/model.md for its deviation).
    /// </summary>
    public ScalarType AudioComputeType
    {
        get => audio_branch.ComputeType;
        set => audio_branch.SetComputeType(value);
    }

    /// <summary>The raw <c>logit_scale_a</c> parameter (for training).</summary>
    public Parameter LogitScaleA => logit_scale_a;

    /// <summary>
    /// Audio features of waveforms [B, samples] (float32 at 48 kHz; 480 000 samples = 10 s give the official
    /// 32 frames). Runs the log-mel front end, then <see cref="EncodeLogMel"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The waveform is not [B, samples] or is longer than one clip.</exception>
    public AudioFeatures EncodeAudio(Tensor waveform)
    {
        if (waveform.dim() != 2)
        {
            throw new ArgumentException($"Expected waveforms [B, samples], got [{string.Join(",", waveform.shape)}].");
        }
        if (waveform.shape[1] > Config.Audio.ClipSamples)
        {
            throw new ArgumentException($"A clip has at most {Config.Audio.ClipSamples} samples ({waveform.shape[1]} given); split longer audio into windows.");
        }
        using var logMel = frontend.forward(waveform);
        return EncodeLogMel(logMel);
    }

    /// <summary>The log-mel front end (torchlibrosa-equivalent) of the audio branch.</summary>
    public LogMelSpectrogram FrontEnd => frontend;

    /// <summary>Front-end settings matching an HTSAT config.</summary>
    public static LogMelOptions FrontEndOptions(HtsatConfig audio) => LogMelOptions.Flam with
    {
        SampleRate = audio.SampleRate,
        FftSize = audio.WindowSamples,
        WindowLength = audio.WindowSamples,
        HopLength = audio.HopSamples,
        MelBins = audio.MelBins,
        FMin = audio.Fmin,
        FMax = audio.Fmax,
    };

    /// <summary>Audio features from a log-mel spectrogram [B, frames, mel] (1001 × 64 for 10 s), as the front end yields it.</summary>
    public AudioFeatures EncodeLogMel(Tensor logMel)
    {
        using var scope = NewDisposeScope();
        var (fine, embedding) = audio_branch.forward(logMel);
        var local = functional.normalize(audio_projection.forward(fine), dim: -1);
        var globalMean = functional.normalize(audio_projection.forward(fine.mean([1])), dim: -1);
        var globalEmbedding = functional.normalize(audio_projection.forward(embedding), dim: -1);
        return new AudioFeatures(fine.MoveToOuterDisposeScope(), embedding.MoveToOuterDisposeScope(), local.MoveToOuterDisposeScope(),
            globalMean.MoveToOuterDisposeScope(), globalEmbedding.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Text features of token ids [N, L] with their attention mask [N, L] (int64; L ≤ context length, padding id 1
    /// after the tokens). Columns beyond the longest text are dropped first (dynamic padding; the outputs do not change).
    /// </summary>
    public TextFeatures EncodeText(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        if (inputIds.dim() != 2 || !inputIds.shape.SequenceEqual(attentionMask.shape))
        {
            throw new ArgumentException($"Expected token ids and attention mask of the same shape [N, L]; got [{string.Join(",", inputIds.shape)}] and [{string.Join(",", attentionMask.shape)}].");
        }
        long longest = Math.Max(1, attentionMask.sum(1).max().item<long>());
        if (longest < inputIds.shape[1])
        {
            inputIds = inputIds[.., ..(int)longest];
            attentionMask = attentionMask[.., ..(int)longest];
        }
        var branch = TextBranch.EncodeBranch(inputIds, attentionMask);
        return HeadsFromBranch(branch).MoveToOuter();
    }

    /// <summary>The projection and per-text heads applied to a text branch output u(y) [N, h].</summary>
    public TextFeatures HeadsFromBranch(Tensor branchOutput)
    {
        using var scope = NewDisposeScope();
        var features = functional.normalize(text_projection.forward(branchOutput), dim: -1);
        var bias = fc_per_text_logit_bias.forward(branchOutput).squeeze(-1);
        var scale = fc_per_text_logit_scale.forward(branchOutput).exp().squeeze(-1);
        return new TextFeatures(branchOutput.alias().MoveToOuterDisposeScope(), features.MoveToOuterDisposeScope(),
            bias.MoveToOuterDisposeScope(), scale.MoveToOuterDisposeScope());
    }

    /// <summary>Counts parameters (elements) whose key starts with <paramref name="prefix"/>.</summary>
    public long CountParameters(string prefix = "") =>
        named_parameters().Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal)).Sum(p => p.parameter.numel());
}

/// <summary>Dispose-scope helpers for the feature records (used by the model and by training).</summary>
public static class FeatureScopeExtensions
{
    /// <summary>Moves every tensor of the record to the enclosing dispose scope.</summary>
    public static TextFeatures MoveToOuter(this TextFeatures f)
    {
        f.BranchOutput.MoveToOuterDisposeScope();
        f.Features.MoveToOuterDisposeScope();
        f.LogitBias.MoveToOuterDisposeScope();
        f.LogitScale.MoveToOuterDisposeScope();
        return f;
    }
}
