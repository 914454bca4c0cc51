using Flam.Index;
using Flam.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Tests.Index;

/// <summary>
/// The search's scorer of stored records (<see cref="CosineScore"/>: cosine with the query, then the calibrated probability,
/// in C#) against its naive twin, the network's maps (<see cref="FrameMaps.Unbiased(Tensor, Tensor, Tensor, Tensor, bool)"/>
/// in torch) on the decoded embeddings.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class StoredScoreTests
{
    private const float Scale = 12.5f;
    private const float Bias = -4.25f;

    private static string BuildIndex(TempDirectory temp, VectorStorage storage, double hop)
    {
        var seconds = new[] { 3.0, 23, 41, 9.7, 55, 130 };
        for (var i = 0; i < seconds.Length; i++)
        {
            IndexTestData.WriteClip(temp[$"audio/clip{i}.wav"], seconds[i], seed: i + 1);
        }
        IndexTestData.Add(temp["index"], IndexTestData.Settings(storage, hop), temp["audio"]);
        return temp["index"];
    }

    /// <summary>A stored frame's direction turned a little and not of unit length: the scorer must normalise it as the maps do.</summary>
    private static float[] Direction(AudioIndexReader reader, int seed)
    {
        var random = new Random(seed);
        var frame = reader.Embeddings(seed % reader.Files.Count).AsSpan(3 * IndexTestData.Dimension, IndexTestData.Dimension).ToArray();
        return [.. frame.Select(a => 1.7f * (a + 0.3f * (float)(random.NextDouble() - 0.5)))];
    }

    /// <summary>The torch scorer: <see cref="FrameMaps.Unbiased(Tensor, Tensor, Tensor, Tensor, bool)"/> of the decoded embeddings.</summary>
    private static WindowScorer Torch(float[] direction, int frames) => (embeddings, windows) =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var map = FrameMaps.Unbiased(tensor(embeddings, [windows, frames, IndexTestData.Dimension]), tensor(direction, [1, IndexTestData.Dimension]),
            tensor(new[] { Scale }), tensor(new[] { Bias }), crossProduct: true).contiguous();
        var values = map.data<float>().ToArray();
        var result = new float[windows, 1, frames];
        Buffer.BlockCopy(values, 0, result, 0, values.Length * sizeof(float));
        return result;
    };

    [Theory]
    [InlineData(VectorStorage.Int8)]
    [InlineData(VectorStorage.Float16)]
    [InlineData(VectorStorage.Float32)]
    public void Stored_record_scores_equal_the_torch_maps_of_the_decoded_embeddings(VectorStorage storage)
    {
        using var temp = FixturePaths.NewTempDirectory();
        using var reader = AudioIndexReader.Open(BuildIndex(temp, storage, 5));
        var frames = reader.Settings.FramesPerWindow;
        var ranges = Enumerable.Range(0, reader.Files.Count).Select(f => (File: f, A: 0, B: reader.Files[f].Windows)).ToList();
        var compared = 0;
        // int8 records are scored in fixed point: the query's rounding moves a cosine by at most √d·step/2 (VectorCodec),
        // 2e-4 for this d, times the probability's slope α/4; float records in float.
        var tolerance = storage == VectorStorage.Int8 ? 1e-4 : 1e-5;
        for (var seed = 0; seed < 3; seed++)
        {
            var direction = Direction(reader, seed);
            var expected = RangeScorer.Decoded(reader, Torch(direction, frames), ranges);
            using var cosines = new WindowCosines(reader, direction);
            var actual = RangeScorer.Stored(reader, cosines, CosineScore.Calibrated(Scale, Bias))(ranges);
            Assert.Equal(ranges.Count, actual.Length);
            for (var r = 0; r < ranges.Count; r++)
            {
                Assert.Equal(ranges[r].B - ranges[r].A, actual[r].GetLength(0));
                for (var w = 0; w < actual[r].GetLength(0); w++)
                {
                    for (var k = 0; k < frames; k++)
                    {
                        Assert.True(Math.Abs(expected[r][w, 0, k] - actual[r][w, 0, k]) <= tolerance,
                            $"range {r} window {w} frame {k}: torch {expected[r][w, 0, k]}, stored {actual[r][w, 0, k]}");
                        compared++;
                    }
                }
            }
            // Scores that matter: some frames above and some below the threshold.
            Assert.Contains(expected.SelectMany(e => e.Cast<float>()), p => p > 0.9f);
            Assert.Contains(expected.SelectMany(e => e.Cast<float>()), p => p < 0.1f);
        }
        Assert.True(compared > 3 * 40 * frames, $"only {compared} frames compared");
    }

    [Theory]
    [InlineData(VectorStorage.Int8, 10.0)]
    [InlineData(VectorStorage.Float32, 5.0)]
    public void Search_with_the_stored_record_scorer_finds_what_the_torch_scorer_finds(VectorStorage storage, double hop)
    {
        using var temp = FixturePaths.NewTempDirectory();
        using var reader = AudioIndexReader.Open(BuildIndex(temp, storage, hop));
        var options = reader.Settings.Detection(threshold: 0.5, medianFrames: 3);
        var tolerance = storage == VectorStorage.Int8 ? 1e-4 : 1e-5; // as in the test above
        for (var seed = 0; seed < 3; seed++)
        {
            var direction = Direction(reader, seed);
            var search = new IndexSearch(reader, firstCandidates: 1);
            foreach (var top in new[] { 1, 5, 1000 })
            {
                var expected = search.Search("q", direction, Torch(direction, reader.Settings.FramesPerWindow), options, top);
                var actual = search.Search("q", direction, CosineScore.Calibrated(Scale, Bias), options, top, out _);
                Assert.True(expected.Count >= Math.Min(top, 5), $"seed {seed}: only {expected.Count} events");
                Assert.Equal(expected.Select(h => (h.File, h.Onset, h.Offset)), actual.Select(h => (h.File, h.Onset, h.Offset)));
                Assert.All(expected.Zip(actual), p => Assert.True(Math.Abs(p.First.Max - p.Second.Max) <= tolerance && Math.Abs(p.First.Mean - p.Second.Mean) <= tolerance,
                    $"{p.First} vs {p.Second}"));
            }
        }
    }
}
