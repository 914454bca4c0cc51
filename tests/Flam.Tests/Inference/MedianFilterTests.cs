using Flam.Inference;

namespace Flam.Tests.Inference;

public sealed class MedianFilterTests
{
    /// <summary>Slow twin: the median is the value with at least half the neighbourhood on each side (counted, not sorted).</summary>
    private static float NaiveMedian(float[] values, int i, int length)
    {
        var neighbourhood = Enumerable.Range(i - length / 2, length).Select(j => values[j < 0 ? 0 : j >= values.Length ? values.Length - 1 : j]).ToArray();
        return neighbourhood.First(v => neighbourhood.Count(u => u <= v) > length / 2 && neighbourhood.Count(u => u >= v) > length / 2);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(9)]
    public void Equals_the_naive_median_on_random_curves(int length)
    {
        var random = new Random(length);
        foreach (var n in new[] { 1, 2, 3, 7, 32, 100 })
        {
            var values = Enumerable.Range(0, n).Select(_ => random.Next(4) == 0 ? 0.5f : (float)random.NextDouble()).ToArray();
            var filtered = NearestEdgeMedianFilter.Apply(values, length);
            Assert.Equal(Enumerable.Range(0, n).Select(i => NaiveMedian(values, i, length)), filtered);
        }
    }

    [Fact]
    public void Removes_spikes_and_repeats_edges()
    {
        float[] values = [1, 0, 0, 1, 0, 1, 1, 0, 1];
        Assert.Equal([1, 0, 0, 0, 1, 1, 1, 1, 1], NearestEdgeMedianFilter.Apply(values, 3));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(-3)]
    public void Even_or_non_positive_lengths_are_rejected(int length) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NearestEdgeMedianFilter.Apply(new float[4], length));
}
