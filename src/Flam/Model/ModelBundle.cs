using Flam.Model.Text;
using static TorchSharp.torch;

namespace Flam.Model;

/// <summary>
/// Everything needed to run a FLAM model: its weights, its config and its tokenizer files, plus where they came
/// from. Front ends resolve one with <see cref="Resolve"/> from what the user named; a model shipped with Flam
/// plugs in as <see cref="Default"/>.
/// </summary>
/// <param name="Name">What reports call the model (the checkpoint path for a user's own file).</param>
/// <param name="Checkpoint">A PyTorch <c>.pth</c> state dict, a Flam <c>.safetensors</c>, or a folder holding one with its <c>config.json</c>.</param>
/// <param name="Config">A preset name or JSON config file; null lets <see cref="FlamModel.Load"/> choose (the config beside a Flam checkpoint, else v1-base).</param>
/// <param name="TokenizerDirectory">Folder with the text tower's tokenizer files (<c>vocab.json</c> and <c>merges.txt</c> for RoBERTa); empty for the MiniLM tower, which needs none.</param>
/// <param name="Provenance">Origin and licence of a shipped model; null for the user's own files.</param>
public sealed record ModelBundle(string Name, string Checkpoint, string? Config, string TokenizerDirectory, string? Provenance = null)
{
    /// <summary>Where the model shipped with Flam is installed: <c>models/default</c> beside the Flam assembly.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "models", "default");

    /// <summary>The model used when the user names none: Flam's own, installed in <see cref="DefaultDirectory"/>.</summary>
    /// <exception cref="FlamException">Its files are missing.</exception>
    public static ModelBundle Default => Shipped(DefaultDirectory);

    /// <summary>
    /// A shipped model in <paramref name="folder"/>, checking its weights and config are there so a broken installation
    /// is reported by name rather than failing later inside TorchSharp.
    /// </summary>
    /// <exception cref="FlamException">A file is missing.</exception>
    public static ModelBundle Shipped(string folder)
    {
        var missing = new[] { FlamModel.WeightsFileName, FlamModel.ConfigFileName }
            .Select(f => Path.Combine(folder, f)).Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            throw new FlamException($"The default model is incomplete: {string.Join(" and ", missing.Select(f => $"'{f}'"))} " +
                $"{(missing.Count == 1 ? "is" : "are")} missing. Reinstall Flam, or pass --checkpoint PATH to use another model.");
        }
        return new ModelBundle("flam-default", folder, null, "",
            $"Flam's default model, trained by Flam on freely licensed sounds; data, licences and measurements: {Path.Combine(folder, ModelCardFileName)}");
    }

    /// <summary>File name of a shipped model's card.</summary>
    public const string ModelCardFileName = "MODEL_CARD.md";

    /// <summary>
    /// The bundle for what the user named. Without a checkpoint the shipped default is used. Without a tokenizer
    /// folder, the checkpoint's folder is used when it holds the tokenizer files.
    /// </summary>
    /// <exception cref="FlamException">The default model is missing, or no tokenizer is to be found.</exception>
    public static ModelBundle Resolve(string? checkpoint, string? config, string? tokenizerDirectory)
    {
        if (checkpoint is null)
        {
            var shipped = Default;
            return shipped with { Config = config ?? shipped.Config, TokenizerDirectory = tokenizerDirectory ?? shipped.TokenizerDirectory };
        }
        if (tokenizerDirectory is null)
        {
            var beside = Directory.Exists(checkpoint) ? checkpoint : Path.GetDirectoryName(Path.GetFullPath(checkpoint))!;
            if (UsesTokenizerFreeTower(beside, config))
            {
                // The frozen MiniLM tower brings its own vocabulary in its package; no files are needed.
                return new ModelBundle(checkpoint, checkpoint, config, "");
            }
            if (!File.Exists(Path.Combine(beside, RobertaTokenizer.VocabFileName)))
            {
                throw new FlamException(
                    $"No tokenizer found beside '{checkpoint}': pass --tokenizer DIR, a folder with the text model's {RobertaTokenizer.VocabFileName} and {RobertaTokenizer.MergesFileName} (roberta-base's for the released model).");
            }
            tokenizerDirectory = beside;
        }
        return new ModelBundle(checkpoint, checkpoint, config, tokenizerDirectory);
    }

    /// <summary>Loads the network in eval mode on <paramref name="device"/> (see <see cref="FlamModel.Load"/>).</summary>
    public FlamModel LoadModel(Device? device = null) =>
        FlamModel.Load(Checkpoint, Config is null ? null : FlamConfig.FromNameOrFile(Config), device);

    private static bool UsesTokenizerFreeTower(string checkpointFolder, string? config)
    {
        var configPath = config ?? Path.Combine(checkpointFolder, FlamModel.ConfigFileName);
        if (config is null && !File.Exists(configPath)) return false;
        return FlamConfig.FromNameOrFile(configPath).TextModelType == MiniLmTextTower.ModelType;
    }

    /// <summary>The tokenizer of <paramref name="model"/>'s text tower: RoBERTa's files, or the MiniLM tower itself.</summary>
    public ITextTokenizer LoadTokenizer(FlamModel model) =>
        model.TextBranch as ITextTokenizer ?? LoadTokenizer(model.Config);

    /// <summary>The tokenizer matching <paramref name="config"/>'s text tower and context length.</summary>
    public ITextTokenizer LoadTokenizer(FlamConfig config) => config.TextModelType switch
    {
        "roberta" => RobertaTokenizer.Load(TokenizerDirectory, config.ContextLength),
        _ => throw new FlamException($"Model '{Name}' uses a '{config.TextModelType}' text tower, which has no tokenizer in Flam yet."),
    };
}
