using System.Text.Json.Nodes;
using Flam.Model.Checkpoints;
using Flam.Training;

namespace Flam.Tests.Training;

[Collection(TrainingCollection.Name)]
public class LogMelCacheTests
{
    private static List<JsonNode> Log(string output) => File.ReadAllLines(Path.Combine(output, "log.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();

    private static void AssertSameLosses(List<JsonNode> expected, List<JsonNode> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            double a = expected[i]["loss"]!.GetValue<double>(), b = actual[i]["loss"]!.GetValue<double>();
            Assert.True(Math.Abs(a - b) <= 1e-6, $"step {i + 1}: loss {b} with the cache, {a} without");
        }
    }

    private static long Last(List<JsonNode> log, string name) => log[^1][name]!.GetValue<long>();

    [Fact]
    public void CachedRunsMatchTheUncachedRunAndReuseTheFiles()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 5);
        var cacheDir = Path.Combine(root, "cache");
        TrainingOptions Run(string name, string? cache)
        {
            var options = TrainerTests.Options(manifest, Path.Combine(root, name), 6) with { DownsampleProbability = 0, LogMelCache = cache };
            TrainerTests.Train(options);
            return options;
        }

        Run("plain", null);
        var plain = Log(Path.Combine(root, "plain"));
        Assert.Null(plain[0]["logmel_cache_hits"]);

        Run("first", cacheDir);
        var first = Log(Path.Combine(root, "first"));
        AssertSameLosses(plain, first);
        var files = Directory.GetFiles(cacheDir);
        // 6 steps × 2 clips drawn from 4 clips, each one 2 s window: at most 4 entries, each written once.
        Assert.InRange(files.Length, 2, 4);
        Assert.Equal(files.Length, Last(first, "logmel_cache_writes"));
        Assert.Equal(12 - files.Length, Last(first, "logmel_cache_hits"));

        Run("second", cacheDir);
        var second = Log(Path.Combine(root, "second"));
        AssertSameLosses(plain, second);
        Assert.Equal(0, Last(second, "logmel_cache_writes"));
        Assert.Equal(12, Last(second, "logmel_cache_hits"));
        Assert.Equal(files.Order(), Directory.GetFiles(cacheDir).Order());

        // Corrupt entries are recomputed and rewritten, not fatal.
        foreach (var file in files) File.WriteAllBytes(file, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Run("corrupt", cacheDir);
        var corrupt = Log(Path.Combine(root, "corrupt"));
        AssertSameLosses(plain, corrupt);
        Assert.Equal(files.Length, Last(corrupt, "logmel_cache_writes"));
        foreach (var file in files)
        {
            var tensors = SafeTensors.Load(file);
            Assert.Equal(2, tensors["logmel"].dim());
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void AugmentedWindowsAreNeverCached()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 4, seed: 6);
        var cacheDir = Path.Combine(root, "cache");
        TrainerTests.Train(TrainerTests.Options(manifest, Path.Combine(root, "out"), 2) with { DownsampleProbability = 1, LogMelCache = cacheDir });
        Assert.Empty(Directory.GetFiles(cacheDir));
        var log = Log(Path.Combine(root, "out"));
        Assert.Equal(0, Last(log, "logmel_cache_hits"));
        Assert.Equal(0, Last(log, "logmel_cache_writes"));
    }

    [Fact]
    public void ACacheFolderThatIsAFileIsAnErrorNamingIt()
    {
        using var root = FixturePaths.NewTempDirectory();
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 2, seed: 7);
        var notAFolder = Path.Combine(root, "cache-file");
        File.WriteAllText(notAFolder, "x");
        var e = Assert.Throws<FlamException>(() => TrainerTests.Train(TrainerTests.Options(manifest, Path.Combine(root, "out"), 1) with { LogMelCache = notAFolder }));
        Assert.Contains(notAFolder, e.Message);
    }
}
