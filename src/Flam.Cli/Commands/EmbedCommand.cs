using System.CommandLine;
using System.Globalization;
using Flam.Audio;
using Flam.Inference;
using Flam.IO;
using Flam.Model;
using Flam.Model.Checkpoints;
using Flam.Model.Text;
using Flam.Runtime;
using static TorchSharp.torch;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam embed</c>: exports FLAM's audio and text features and both frame maps for 10 s clips and texts to one
/// safetensors file (float32), with the tensor names and shapes of the official outputs.
/// </summary>
internal static class EmbedCommand
{
    private const int AudioBatchSize = 4;

    private sealed record Request(
        string Checkpoint, string? Config, string? Tokenizer, string[] Audio, string[] Texts, string[] TokenIds, string Out, string Device, bool Force);

    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Model weights: OpenFLAM's .pth state dict, a Flam .safetensors, or a Flam model folder.", Required = true };
        var config = new Option<string?>("--config") { Description = $"Model config: a preset ({string.Join(", ", FlamConfig.PresetNames)}) or a JSON file. Default: the config.json beside a Flam checkpoint, else v1-base." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Folder with vocab.json and merges.txt (needed for --text with a RoBERTa model; a minilm model needs none). Default: the checkpoint's folder." };
        var audio = new Option<string[]>("--audio") { Description = "Audio clips of at most 10 s (shorter ones are padded with silence), or folders of them (searched recursively); repeat or list several.", AllowMultipleArgumentsPerToken = true };
        var text = new Option<string[]>("--text") { Description = "Texts to encode (lower-cased and tokenized); repeat for several.", AllowMultipleArgumentsPerToken = true };
        var tokenIds = new Option<string[]>("--token-ids") { Description = "Token ids of one text, space-separated, without padding (e.g. \"0 31 7 2\"); bypasses the tokenizer. Repeat for several." };
        var output = new Option<string>("--out", "-o") { Description = "Output .safetensors file.", Required = true };
        var device = new Option<string>("--device") { Description = "Torch device: cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite an existing output file." };
        var command = new Command("embed", "Export FLAM audio/text features and frame maps (unbiased and approximate) to a safetensors file.")
        {
            checkpoint, config, tokenizer, audio, text, tokenIds, output, device, force,
        };
        command.SetAction(parse =>
        {
            var request = new Request(parse.GetValue(checkpoint)!, parse.GetValue(config), parse.GetValue(tokenizer),
                parse.GetValue(audio) ?? [], parse.GetValue(text) ?? [], parse.GetValue(tokenIds) ?? [],
                parse.GetValue(output)!, parse.GetValue(device)!, parse.GetValue(force));
            return Run(request, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int Run(Request request, TextWriter stdout, TextWriter stderr)
    {
        if (request.Audio.Length == 0 && request.Texts.Length == 0 && request.TokenIds.Length == 0)
        {
            throw new FlamException("Nothing to embed: give --audio, --text or --token-ids.");
        }
        AtomicFile.CheckWritable(request.Out, request.Force);
        var parsedIds = request.TokenIds.Select(ParseTokenIds).ToList();
        var inputs = AudioInputs.Expand(request.Audio);
        if (inputs.SkippedSummary is { } skipped)
        {
            stderr.WriteLine(skipped);
        }
        var audioPaths = inputs.Files.Select(input => input.Path).ToArray();
        foreach (var path in audioPaths)
        {
            if (!File.Exists(path)) throw new FlamException($"Audio file '{path}' does not exist.");
        }
        var bundle = request.Texts.Length > 0 ? ModelBundle.Resolve(request.Checkpoint, request.Config, request.Tokenizer) : null;

        var deviceName = TorchRuntime.Device(request.Device);
        using var model = FlamModel.Load(request.Checkpoint, request.Config is null ? null : FlamConfig.FromNameOrFile(request.Config), deviceName);
        var config = model.Config;
        var extractor = new EmbeddingExtractor(model, bundle?.LoadTokenizer(model), AudioBatchSize, warning => stderr.WriteLine("warning: " + warning));
        var rows = new List<long[]>();
        if (request.Texts.Length > 0)
        {
            rows.AddRange(extractor.Tokenize(request.Texts));
        }
        bool frozenTower = model.TextBranch is MiniLmTextTower;
        if (frozenTower && parsedIds.Count > 0)
        {
            throw new FlamException($"Model '{config.Name}' uses the minilm text tower, which takes texts (--text), not --token-ids.");
        }
        rows.AddRange(parsedIds);

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var outputs = new List<KeyValuePair<string, Tensor>>();
        AudioFeatures? audioFeatures = null;
        if (audioPaths.Length > 0)
        {
            audioFeatures = extractor.EncodeClips(audioPaths);
            outputs.Add(new("local_audio_features", audioFeatures.Local));
            outputs.Add(new("global_audio_features", audioFeatures.GlobalMeanOfLocal));
            outputs.Add(new("fine_grained_embedding", audioFeatures.FineGrained));
            outputs.Add(new("embedding", audioFeatures.Embedding));
        }
        TextFeatures? textFeatures = null;
        if (rows.Count > 0)
        {
            textFeatures = extractor.EncodeTokens(rows);
            outputs.Add(new("text_branch_output", textFeatures.BranchOutput));
            outputs.Add(new("text_features", textFeatures.Features));
            outputs.Add(new("per_text_logit_bias", textFeatures.LogitBias));
            outputs.Add(new("per_text_logit_scale", textFeatures.LogitScale));
        }
        if (audioFeatures is not null && textFeatures is not null)
        {
            var scale = textFeatures.LogitScale * model.AedLogitScaleExp;
            outputs.Add(new("unbiased_map", FrameMaps.Unbiased(audioFeatures.Local, textFeatures.Features, scale, textFeatures.LogitBias, crossProduct: true)));
            outputs.Add(new("approximate_map", FrameMaps.Approximate(audioFeatures.Local, textFeatures.Features, scale, crossProduct: true)));
        }
        var float32 = outputs.Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.to(ScalarType.Float32).cpu())).ToList();
        var metadata = new Dictionary<string, string>
        {
            ["model"] = config.Name,
            ["checkpoint"] = Path.GetFileName(request.Checkpoint),
            ["audio"] = string.Join("\n", inputs.Files.Select(input => input.RelativeName)),
            ["texts"] = string.Join("\n", request.Texts.Concat(request.TokenIds.Select(t => "ids: " + t))),
        };
        SafeTensors.Save(request.Out, float32, metadata, request.Force);
        stdout.WriteLine($"{request.Out}: {string.Join(", ", float32.Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]"))}");
        return 0;
    }

    private static long[] ParseTokenIds(string text)
    {
        var items = text.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0)
        {
            throw new FlamException("--token-ids needs at least one id, e.g. \"0 31 7 2\".");
        }
        return items.Select(item => long.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id)
            ? id : throw new FlamException($"--token-ids: '{item}' is not an integer token id (in \"{text}\").")).ToArray();
    }
}
