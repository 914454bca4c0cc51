using System.Text.Json.Nodes;
using Flam.Cli;
using Flam.Model;
using Flam.Model.Checkpoints;
using Flam.Tests.Training;
using TorchSharp;

namespace Flam.Tests.Model.Text;

[Collection(TrainingCollection.Name)]
public class MiniLmTrainingTests
{
    [Fact]
    public async Task TrainCommandWithMiniLmTowerTrainsHeadsWithFiniteLosses()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 5);
        var output = Path.Combine(root, "out");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // No --tokenizer: the frozen tower brings its own vocabulary.
        int code = await FlamApp.RunAsync(["train", "--train", manifest, "--config", TrainerTests.ShortClipConfig(root), "--text-tower", "minilm",
            "--out", output, "--steps", "3", "--batch-size", "2", "--warmup", "1", "--workers", "1", "--prefetch", "1", "--text-block", "2"], stdout, stderr);
        Assert.True(code == 0, stderr.ToString() + stdout);

        var losses = File.ReadAllLines(Path.Combine(output, "log.jsonl")).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToList();
        Assert.Equal(3, losses.Count);
        Assert.All(losses, l => Assert.True(double.IsFinite(l), $"loss {l}"));

        // Scopes without an await inside: a dispose scope is per thread, and a continuation may run on another.
        using (torch.NewDisposeScope())
        {
            var weights = SafeTensors.Load(Path.Combine(output, FlamModel.WeightsFileName));
            Assert.DoesNotContain(weights.Keys, k => k.StartsWith("text_branch.", StringComparison.Ordinal));
            Assert.Equal([24L, 384L], weights["text_projection.0.weight"].shape);
        }
        using (var model = FlamModel.Load(output))
        {
            Assert.Equal("minilm", model.Config.TextModelType);
        }

        // flam embed --text on the trained model: no tokenizer folder, the tower's own features.
        var embedded = Path.Combine(root, "texts.safetensors");
        code = await FlamApp.RunAsync(["embed", "--checkpoint", output, "--text", "a high beep", "--text", "A burst of HISS", "--out", embedded], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());
        using (torch.NewDisposeScope())
        {
            var outputs = SafeTensors.Load(embedded);
            Assert.Equal([2L, 384L], outputs["text_branch_output"].shape);
            Assert.Equal([2L, 24L], outputs["text_features"].shape);
            Assert.All(outputs["text_features"].data<float>().ToArray(), v => Assert.True(float.IsFinite(v)));
        }

        var refused = new StringWriter();
        code = await FlamApp.RunAsync(["embed", "--checkpoint", output, "--token-ids", "0 31 2", "--out", Path.Combine(root, "ids.safetensors")], new StringWriter(), refused);
        Assert.Equal(1, code);
        Assert.Contains("--token-ids", refused.ToString());
    }

    [Fact]
    public void UnknownTextTowerIsRejected()
    {
        var options = TrainerTests.Options("m.jsonl", "out", 1) with { TextTower = "bert" };
        var e = Assert.Throws<FlamException>(options.Validate);
        Assert.Contains("'bert'", e.Message);
    }
}
