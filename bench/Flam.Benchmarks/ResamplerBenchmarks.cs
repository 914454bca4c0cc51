using BenchmarkDotNet.Attributes;
using Flam.Audio;

namespace Flam.Benchmarks;

/// <summary>
/// Resampling one second of noise: the cached polyphase table (<see cref="Resampler.Resample"/>) against the same
/// Kaiser-windowed sinc evaluated tap by tap for every output sample (what a table-free implementation does).
/// Run: <c>dotnet run -c Release --project bench/Flam.Benchmarks -- --filter '*Resampler*'</c>.
/// </summary>
[MemoryDiagnoser]
public class ResamplerBenchmarks
{
    private float[] _input = [];

    /// <summary>Source and target rates.</summary>
    [Params("44100->48000", "16000->48000", "48000->16000")]
    public string Ratio { get; set; } = "";

    private int From => int.Parse(Ratio.Split("->")[0]);

    private int To => int.Parse(Ratio.Split("->")[1]);

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _input = new float[From];
        for (var i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)(random.NextDouble() * 2 - 1);
        }
        Resampler.Resample(_input.AsSpan(0, 100), From, To); // build the cached table outside the measurement
    }

    /// <summary>The library path: cached polyphase table, SIMD dot products.</summary>
    [Benchmark]
    public float[] Polyphase() => Resampler.Resample(_input, From, To);

    /// <summary>The baseline: the impulse response evaluated per tap and per output sample.</summary>
    [Benchmark(Baseline = true)]
    public float[] DirectSinc()
    {
        var filter = PolyphaseFilter.For(From, To);
        var i0Beta = PolyphaseFilter.BesselI0(filter.Beta);
        var output = new float[StreamingResampler.OutputLength(_input.Length, From, To)];
        for (var n = 0; n < output.Length; n++)
        {
            var t = (double)n * From / To;
            var centre = (int)Math.Floor(t);
            double sum = 0;
            for (var j = Math.Max(0, centre - filter.HalfTaps + 1); j <= Math.Min(_input.Length - 1, centre + filter.HalfTaps); j++)
            {
                sum += _input[j] * filter.Impulse(t - j, i0Beta);
            }
            output[n] = (float)sum;
        }
        return output;
    }
}
