using System.IO.Compression;
using Flam.Model;
using Flam.Model.Checkpoints;
using static TorchSharp.torch;

namespace Flam.Tests.Model;

/// <summary>Checkpoint and config loading: the good paths, and a clear <see cref="FlamException"/> for every bad input.</summary>
[Collection(TorchCollection.Name)]
public sealed class CheckpointLoadingTests
{
    private static string MicroCheckpoint => FixturePaths.Get("model", "micro", "state_dict.pth");
    private static FlamConfig MicroConfig => FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json"));

    [Fact]
    public void ReadsTheTransposedMelMatrixWithItsStoredStrides()
    {
        using var scope = NewDisposeScope();
        var state = PyTorchCheckpoint.Load(MicroCheckpoint);
        Assert.Equal(195, state.Count);
        var melW = state["audio_branch.logmel_extractor.melW"];
        Assert.Equal(new long[] { 513, 64 }, melW.shape);
        // Each Slaney filter (a column) is one contiguous band of FFT bins rising in frequency with the mel index;
        // read with the wrong strides the columns would be scattered.
        long previousFirst = -1;
        for (int m = 0; m < 64; m++)
        {
            var rows = melW[.., m].nonzero().flatten();
            long first = rows.min().item<long>(), last = rows.max().item<long>();
            Assert.Equal(last - first + 1, rows.numel());
            Assert.True(first >= previousFirst, $"mel {m} starts below mel {m - 1}");
            previousFirst = first;
        }
        Assert.Equal(ScalarType.Int64, state["audio_branch.layers.0.blocks.0.attn.relative_position_index"].dtype);
    }

    /// <summary>
    /// Loading runs outside any dispose scope, so a temporary it does not dispose is left to the finalizer, which can
    /// free it on the GC thread while libtorch still reads it (a test-host crash in clone under GC pressure). Counted
    /// on this thread: every tensor created is either returned or disposed.
    /// </summary>
    [Fact]
    public void LoadingAndSavingLeaveNoTensorForTheFinalizer()
    {
        var statistics = TorchSharp.DisposeScopeManager.Statistics;
        long before = statistics.ThreadTotalLiveCount;
        var state = PyTorchCheckpoint.Load(MicroCheckpoint);
        try
        {
            Assert.Equal(state.Count, statistics.ThreadTotalLiveCount - before);
            using var dir = FixturePaths.NewTempDirectory();
            SafeTensors.Save(Path.Combine(dir, "state.safetensors"), state);
            Assert.Equal(state.Count, statistics.ThreadTotalLiveCount - before);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        Assert.Equal(0, statistics.ThreadTotalLiveCount - before);
    }

    [Theory]
    [InlineData(CheckpointForm.OrderedDict)]
    [InlineData(CheckpointForm.PlainDict)]
    [InlineData(CheckpointForm.StateDictWrapper)]
    [InlineData(CheckpointForm.ModelWrapper)]
    [InlineData(CheckpointForm.DataParallelPrefix)]
    public void CheckpointsAsPeopleSaveThemLoadTheSameWeights(CheckpointForm form)
    {
        using var scope = NewDisposeScope();
        var original = PyTorchCheckpoint.Load(MicroCheckpoint);
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, form + ".pth");
        TorchZipCheckpointWriter.Write(path, original, form);

        var loaded = PyTorchCheckpoint.Load(path);
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, tensor) in original)
        {
            Assert.True(tensor.equal(loaded[key]).all().item<bool>(), $"{key} differs");
        }
        using var model = FlamModel.Load(path, MicroConfig);
        Assert.Equal(24, model.Config.JointEmbedDim);
    }

    [Theory]
    [InlineData(CheckpointForm.StateDictWrapper)]
    [InlineData(CheckpointForm.DataParallelPrefix)]
    public void WrappedCheckpointsStillNameEveryMissingUnexpectedAndMisshapedKey(CheckpointForm form)
    {
        using var scope = NewDisposeScope();
        var state = PyTorchCheckpoint.Load(MicroCheckpoint);
        Assert.True(state.Remove("audio_projection.0.bias"));
        state["extra.weight"] = zeros(3);
        state["text_branch.pooler.dense.bias"] = zeros(31);
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, form + ".pth");
        TorchZipCheckpointWriter.Write(path, state, form);

        var e = Assert.Throws<FlamException>(() => FlamModel.Load(path, MicroConfig));
        Assert.Contains(path, e.Message);
        Assert.Contains("missing keys (1): audio_projection.0.bias", e.Message);
        Assert.Contains("unexpected keys (1): extra.weight", e.Message);
        Assert.Contains("shape mismatches (1): text_branch.pooler.dense.bias: checkpoint [31], model [32]", e.Message);
    }

    [Fact]
    public void DictWithoutAStateDictNamesItsEntries()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, "epoch-only.pth");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            // {"epoch": 7, "optimizer_name": "adamw"} in protocol 2
            using (var s = archive.CreateEntry("archive/data.pkl").Open())
            {
                s.Write([0x80, 0x02, (byte)'}', (byte)'(', (byte)'X', 5, 0, 0, 0, .. "epoch"u8, (byte)'J', 7, 0, 0, 0,
                    (byte)'X', 14, 0, 0, 0, .. "optimizer_name"u8, (byte)'X', 5, 0, 0, 0, .. "adamw"u8, (byte)'u', (byte)'.']);
            }
            using (var s = archive.CreateEntry("archive/version").Open()) s.Write("3\n"u8);
        }
        var e = Assert.Throws<FlamException>(() => PyTorchCheckpoint.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not hold a state dict", e.Message);
        Assert.Contains("epoch, optimizer_name", e.Message);
    }

    [Fact]
    public void MissingCheckpointIsNamed()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, "absent.pth");
        var e = Assert.Throws<FlamException>(() => FlamModel.Load(path, MicroConfig));
        Assert.Contains(path, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void FileThatIsNotAZipIsRejected()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, "notes.pth");
        File.WriteAllText(path, "this is not a checkpoint");
        var e = Assert.Throws<FlamException>(() => FlamModel.Load(path, MicroConfig));
        Assert.Contains(path, e.Message);
        Assert.Contains("zip", e.Message);
    }

    [Fact]
    public void TruncatedCheckpointIsRejected()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, "truncated.pth");
        var bytes = File.ReadAllBytes(MicroCheckpoint);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<FlamException>(() => PyTorchCheckpoint.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void CorruptPickleIsRejected()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, "corrupt.pth");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var s = archive.CreateEntry("archive/data.pkl").Open()) s.Write([0x80, 0x02, 0xFF, 0x13, 0x37]);
            using (var s = archive.CreateEntry("archive/version").Open()) s.Write("3\n"u8);
        }
        var e = Assert.Throws<FlamException>(() => PyTorchCheckpoint.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void StateDictOfAnotherModelListsTheMissingAndUnexpectedKeys()
    {
        using var scope = NewDisposeScope();
        using var dir = FixturePaths.NewTempDirectory();
        var path = Path.Combine(dir, "other.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["encoder.conv1.weight"] = zeros(8, 1, 3, 3), ["fc.bias"] = zeros(10) });
        File.WriteAllText(Path.Combine(dir, FlamModel.ConfigFileName), MicroConfig.ToJson());
        var e = Assert.Throws<FlamException>(() => FlamModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("unexpected keys (2): encoder.conv1.weight, fc.bias", e.Message);
        Assert.Contains("missing keys", e.Message);
        Assert.Contains("audio_branch.patch_embed.proj.weight", e.Message);
    }

    [Fact]
    public void RightKeysWithWrongShapesAreListed()
    {
        using var scope = NewDisposeScope();
        using var dir = FixturePaths.NewTempDirectory();
        var state = PyTorchCheckpoint.Load(MicroCheckpoint);
        state["audio_projection.0.weight"] = zeros(24, 100);
        state["text_branch.pooler.dense.bias"] = zeros(31);
        var path = Path.Combine(dir, FlamModel.WeightsFileName);
        SafeTensors.Save(path, state);
        File.WriteAllText(Path.Combine(dir, FlamModel.ConfigFileName), MicroConfig.ToJson());
        var e = Assert.Throws<FlamException>(() => FlamModel.Load(dir));
        Assert.Contains("shape mismatches (2)", e.Message);
        Assert.Contains("audio_projection.0.weight: checkpoint [24,100], model [24,128]", e.Message);
        Assert.Contains("text_branch.pooler.dense.bias: checkpoint [31], model [32]", e.Message);
        Assert.DoesNotContain("missing keys", e.Message);
    }

    [Fact]
    public void ConfigThatDisagreesWithTheCheckpointIsReported()
    {
        var tiny = MicroConfig with { Name = "micro-wider", JointEmbedDim = 16 };
        var e = Assert.Throws<FlamException>(() => FlamModel.Load(MicroCheckpoint, tiny));
        Assert.Contains("does not match config 'micro-wider'", e.Message);
        Assert.Contains("audio_projection.0.weight: checkpoint [24,128], model [16,128]", e.Message);
        Assert.Contains("--config", e.Message);
    }

    [Fact]
    public void SafeTensorsWithoutConfigIsRejected()
    {
        using var scope = NewDisposeScope();
        using var temp = FixturePaths.NewTempDirectory();
        var path = Path.Combine(temp, "weights.safetensors");
        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = zeros(1) });
        var e = Assert.Throws<FlamException>(() => FlamModel.Load(path));
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void SavedModelLoadsBackWithIdenticalWeightsAndOutputs()
    {
        using var dir = FixturePaths.NewTempDirectory();
        using var model = FlamModel.Load(MicroCheckpoint, MicroConfig);
        model.Save(dir);
        Assert.Equal(new[] { FlamModel.ConfigFileName, FlamModel.WeightsFileName }, Directory.GetFiles(dir).Select(Path.GetFileName).Order().ToArray());
        using var loaded = FlamModel.Load(dir);
        Assert.Equal(model.Config, loaded.Config);
        var a = model.state_dict();
        var b = loaded.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (key, value) in a) Assert.True(value.allclose(b[key], 0, 0), key);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 0, 713, 16, 10, 2 }).unsqueeze(0);
        using var t1 = model.EncodeText(ids, ones_like(ids));
        using var t2 = loaded.EncodeText(ids, ones_like(ids));
        Assert.True(t1.Features.allclose(t2.Features, 0, 0));
    }

    [Fact]
    public void PresetNamesAndConfigErrorsAreClear()
    {
        Assert.Same(FlamConfig.V1Base, FlamConfig.FromNameOrFile("v1-base"));
        var unknown = Assert.Throws<FlamException>(() => FlamConfig.FromNameOrFile("v9-giant"));
        Assert.Contains("v1-base", unknown.Message);
        using var dir = FixturePaths.NewTempDirectory();
        var broken = Path.Combine(dir, "broken.json");
        File.WriteAllText(broken, "{ not json");
        Assert.Contains("not valid JSON", Assert.Throws<FlamException>(() => FlamConfig.FromNameOrFile(broken)).Message);
        var badHeads = Path.Combine(dir, "heads.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(MicroConfig.ToJson())!;
        json["audio_cfg"]!["htsat_num_heads"]![0] = 3;
        File.WriteAllText(badHeads, json.ToJsonString());
        var e = Assert.Throws<FlamException>(() => FlamConfig.FromNameOrFile(badHeads));
        Assert.Contains("Invalid HTSAT config: stage 0 width 16 is not divisible by its 3 heads", e.Message);
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        foreach (var config in new[] { FlamConfig.V1Base, MicroConfig, FlamConfig.V1Base with { Audio = HtsatConfig.Base12Hz }, FlamConfig.V1Base with { Audio = HtsatConfig.CpuSmall } })
        {
            var again = FlamConfig.FromJson(config.ToJson(), config.Name);
            Assert.Equal(config with { Name = again.Name }, again);
        }
    }

    [Theory]
    [InlineData("tiny", 96, 768, 32)]
    [InlineData("base", 128, 1024, 32)]
    [InlineData("large", 256, 2048, 32)]
    [InlineData("base-12hz", 192, 768, 128)]
    [InlineData("cpu-small", 48, 384, 32)]
    public void HtsatPresetsHaveTheOfficialWidthsAndFrameCounts(string name, int embed, int features, int frames)
    {
        var preset = HtsatConfig.FromName(name)!;
        preset.Validate();
        Assert.Equal(embed, preset.EmbedDim);
        Assert.Equal(features, preset.NumFeatures);
        Assert.Equal(frames, preset.Frames);
    }
}
