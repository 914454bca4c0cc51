using Flam.Inference;
using Flam.Model;
using Flam.Runtime;
using TorchSharp;

namespace Flam.Tests.Inference;

/// <summary>
/// What <c>flam index add</c>'s pipeline does with the encoder: several threads calling it at once, each with one
/// libtorch thread, against the naive twin, one call after the other on this thread with libtorch's own threads.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FrameEmbeddingEncoderTests
{
    [Fact]
    public void Threads_with_one_libtorch_thread_each_encode_what_one_thread_does()
    {
        using var model = FlamModel.Create(FlamConfig.FromNameOrFile(FixturePaths.Get("model", "micro", "config.json")));
        var encoder = new FrameEmbeddingEncoder(model);
        var random = new Random(3);
        var batches = Enumerable.Range(0, 4).Select(b => (IReadOnlyList<float[]>)Enumerable.Range(0, 2)
            .Select(_ => Enumerable.Range(0, model.Config.Audio.ClipSamples).Select(_ => (float)(random.NextDouble() - 0.5) * 0.3f).ToArray()).ToArray()).ToArray();
        var expected = batches.Select(encoder.Encode).ToArray();
        var actual = new float[batches.Length][];
        var threadsInside = new int[batches.Length];
        var workers = Enumerable.Range(0, 2).Select(w => new Thread(() => TorchRuntime.WithIntraOpThreads(1, () =>
        {
            for (var b = w; b < batches.Length; b += 2)
            {
                threadsInside[b] = torch.get_num_threads();
                actual[b] = encoder.Encode(batches[b]);
            }
        }))).ToList();
        workers.ForEach(t => t.Start());
        workers.ForEach(t => t.Join());
        Assert.All(threadsInside, n => Assert.Equal(1, n));
        for (var b = 0; b < batches.Length; b++)
        {
            Assert.Equal(expected[b].Length, actual[b].Length);
            var worst = expected[b].Zip(actual[b], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(worst < 1e-5, $"batch {b}: largest difference {worst}");
        }
    }
}
