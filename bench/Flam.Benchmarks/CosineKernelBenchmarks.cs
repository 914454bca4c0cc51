using BenchmarkDotNet.Attributes;
using Flam.Index;

namespace Flam.Benchmarks;

/// <summary>
/// The cosine of 3 200 int8 frame records (d = 512, 100 windows of 32 frames) with a query, single-threaded: the float
/// kernel (every code converted to float, <see cref="VectorCodec.Cosine"/>) against the fixed-point one the search uses
/// (<see cref="VectorCodec.Cosines"/>: 16-bit query, integer multiply-add). Ratio column: fixed-point ÷ float.
/// </summary>
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class CosineKernelBenchmarks
{
    private const int Dimension = 512;
    private const int Records = 3200;
    private readonly VectorCodec _codec = new(VectorStorage.Int8, Dimension);
    private byte[] _records = [];
    private float[] _unit = [];
    private CodecQuery _query = null!;
    private readonly float[] _cosines = new float[Records];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        float[] Unit()
        {
            var v = Enumerable.Range(0, Dimension).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var norm = MathF.Sqrt(v.Sum(x => x * x));
            return [.. v.Select(x => x / norm)];
        }
        _records = new byte[Records * _codec.RecordBytes];
        for (var r = 0; r < Records; r++) _codec.Encode(Unit(), _records.AsSpan(r * _codec.RecordBytes, _codec.RecordBytes));
        _unit = Unit();
        _query = _codec.Prepare(_unit);
    }

    [Benchmark(Baseline = true)]
    public float Float()
    {
        var best = float.NegativeInfinity;
        for (var r = 0; r < Records; r++) best = Math.Max(best, _codec.Cosine(_records.AsSpan(r * _codec.RecordBytes, _codec.RecordBytes), _unit));
        return best;
    }

    [Benchmark]
    public float FixedPoint() => _codec.Cosines(_records, Records, _query, _cosines);
}
