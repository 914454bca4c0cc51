using System.CommandLine;
using Flam.Index;
using Flam.Model;
using Flam.Model.Text;
using Flam.Runtime;

namespace Flam.Cli;

/// <summary>A model loaded for a command the way <c>flam detect</c> loads it.</summary>
/// <param name="Bundle">Where the model came from.</param>
/// <param name="Model">The network, in eval mode, with the chosen audio precision.</param>
/// <param name="Tokenizer">Its tokenizer.</param>
/// <param name="Precision">The audio encoder precision in use ("fp32" or "bf16").</param>
internal sealed record LoadedModel(ModelBundle Bundle, FlamModel Model, ITextTokenizer Tokenizer, string Precision) : IDisposable
{
    public void Dispose() => Model.Dispose();
}

/// <summary>The model options of <c>flam detect</c> (<c>--checkpoint</c>, <c>--config</c>, <c>--tokenizer</c>, <c>--device</c>, <c>--precision</c>), for the commands that share them.</summary>
internal sealed class ModelChoice
{
    public Option<string?> Checkpoint { get; } = new("--checkpoint") { Description = "Model weights: OpenFLAM's .pth state dict, a Flam .safetensors, or a Flam model folder." };

    public Option<string?> Config { get; } = new("--config") { Description = $"Model config: a preset ({string.Join(", ", FlamConfig.PresetNames)}) or a JSON file. Default: the config.json beside a Flam checkpoint, else v1-base." };

    public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "Folder with the text model's vocab.json and merges.txt (roberta-base's). Default: the checkpoint's folder." };

    public Option<string> Device { get; } = CliOptions.Opt("--device", "Torch device: cpu, cuda or cuda:N.", "cpu");

    public Option<string> Precision { get; } = CliOptions.Precision();

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Checkpoint);
        command.Options.Add(Config);
        command.Options.Add(Tokenizer);
        command.Options.Add(Device);
        command.Options.Add(Precision);
    }

    /// <summary>
    /// Resolves and loads a model (<see cref="ModelBundle.Resolve"/>: the shipped default without a checkpoint) on
    /// <paramref name="device"/> with audio precision <paramref name="precision"/> (fp32, bf16 or auto).
    /// </summary>
    public static LoadedModel Load(string? checkpoint, string? config, string? tokenizer, string device, string precision)
    {
        var choice = PrecisionChoice.ForThisCpu(PrecisionChoice.Parse(precision));
        var bundle = ModelBundle.Resolve(checkpoint, config, tokenizer);
        var model = bundle.LoadModel(TorchRuntime.Device(device));
        try
        {
            model.AudioComputeType = choice.Type;
            return new LoadedModel(bundle, model, bundle.LoadTokenizer(model), choice.Name);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the model to query the index at <paramref name="location"/> with (as <c>flam search</c> and <c>flam serve</c>
    /// do): the index's own model and precision unless a checkpoint is named, and a named one must be that model, since
    /// text queries have to land in the space the frames were stored in.
    /// </summary>
    /// <exception cref="FlamException">The named checkpoint is another model than the index's.</exception>
    public static LoadedModel LoadForIndex(IndexSettings settings, string location, string? checkpoint, string? config, string? tokenizer, string device)
    {
        var loaded = Load(checkpoint ?? settings.Checkpoint, config ?? (checkpoint is null ? settings.Config : null),
            tokenizer ?? (checkpoint is null ? settings.Tokenizer : null), device, settings.Precision);
        if (IndexSettings.ModelIdOf(loaded.Bundle, loaded.Model, settings.Precision) != settings.ModelId)
        {
            loaded.Dispose();
            throw new FlamException($"The index '{location}' was built with model {settings.ModelName} (id {settings.ModelId}); {loaded.Bundle.Name} is another model. " +
                "Leave out --checkpoint to use the index's own model.");
        }
        return loaded;
    }
}
