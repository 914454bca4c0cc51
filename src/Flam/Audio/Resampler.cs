using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Flam.Audio;

/// <summary>
/// Band-limited sample-rate conversion of mono float signals: a Kaiser-windowed sinc low-pass evaluated as a polyphase
/// filter bank for the exact rational ratio <c>toRate/fromRate</c> (reduced by their gcd), so there is no drift at any
/// length. Design (see docs/audio.md): cut-off at 95 % of the lower Nyquist frequency, transition band 90–100 % of it,
/// Kaiser β for 100 dB stop-band attenuation; output sample n sits at time n/toRate, input sample j at j/fromRate.
/// </summary>
public static class Resampler
{
    /// <summary>Converts <paramref name="input"/> from <paramref name="fromRate"/> to <paramref name="toRate"/> Hz.</summary>
    /// <returns>
    /// <c>ceil(input.Length · toRate / fromRate)</c> samples; a copy of the input when the rates are equal.
    /// </returns>
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        var resampler = new StreamingResampler(fromRate, toRate);
        var output = new float[StreamingResampler.OutputLength(input.Length, fromRate, toRate)];
        var n = resampler.Process(input, output);
        n += resampler.Flush(output.AsSpan(n));
        return n == output.Length ? output : throw new InvalidOperationException($"Resampler produced {n} samples, expected {output.Length}.");
    }
}

/// <summary>
/// Resamples a signal that arrives in chunks, carrying the filter history between calls, so that feeding a signal in
/// any chunking and then calling <see cref="Flush"/> gives exactly <see cref="Resampler.Resample"/>'s output.
/// </summary>
public sealed class StreamingResampler
{
    private readonly PolyphaseFilter _filter;
    private float[] _history;
    private int _historyLength;   // valid samples in _history
    private long _historyStart;   // absolute input index of _history[0] (negative while the leading zeros are in it)
    private long _inputCount;     // input samples received
    private long _outputCount;    // output samples produced
    private long _nextBase;       // floor(_outputCount · M / L): the input index of the next output's centre
    private int _nextPhase;       // (_outputCount · M) mod L
    private bool _flushed;
    private readonly bool _identity;

    /// <summary>Creates a resampler from <paramref name="fromRate"/> to <paramref name="toRate"/> Hz (both positive).</summary>
    public StreamingResampler(int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toRate);
        FromRate = fromRate;
        ToRate = toRate;
        _identity = fromRate == toRate;
        _filter = PolyphaseFilter.For(fromRate, toRate);
        var taps = _filter.Taps;
        _history = new float[4 * taps + 4096];
        // Samples before the start of the signal are zeros; the first output needs HalfTaps − 1 of them.
        _historyStart = -(taps / 2 - 1);
        _historyLength = taps / 2 - 1;
    }

    /// <summary>Input rate in Hz.</summary>
    public int FromRate { get; }

    /// <summary>Output rate in Hz.</summary>
    public int ToRate { get; }

    /// <summary>The number of output samples a whole signal of <paramref name="inputLength"/> samples resamples to.</summary>
    public static long OutputLength(long inputLength, int fromRate, int toRate)
    {
        var g = (long)BigInteger.GreatestCommonDivisor(fromRate, toRate);
        long l = toRate / g, m = fromRate / g;
        return (inputLength * l + m - 1) / m;
    }

    /// <summary>An upper bound on how many samples one <see cref="Process"/> call with <paramref name="inputLength"/> samples (or <see cref="Flush"/>, with 0) writes.</summary>
    public int MaxOutput(int inputLength) =>
        (int)((((long)inputLength + _filter.Taps) * _filter.L + _filter.M - 1) / _filter.M) + 1;

    /// <summary>Feeds <paramref name="input"/> and writes every output sample that no longer depends on future input.</summary>
    /// <returns>The number of samples written to <paramref name="output"/> (at most <see cref="MaxOutput"/>).</returns>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (_flushed)
        {
            throw new InvalidOperationException("The resampler was flushed; create a new one for a new signal.");
        }
        if (_identity)
        {
            input.CopyTo(output);
            _inputCount += input.Length;
            return input.Length;
        }
        var written = 0;
        while (!input.IsEmpty)
        {
            // Append in pieces no larger than the spare room so the history buffer keeps a fixed size.
            Compact();
            var room = _history.Length - _historyLength;
            var take = Math.Min(room, input.Length);
            input[..take].CopyTo(_history.AsSpan(_historyLength));
            _historyLength += take;
            _inputCount += take;
            input = input[take..];
            written += Produce(output[written..], limit: long.MaxValue);
        }
        return written;
    }

    /// <summary>Ends the signal (zeros after it) and writes the remaining output samples.</summary>
    public int Flush(Span<float> output)
    {
        if (_flushed)
        {
            return 0;
        }
        _flushed = true;
        if (_identity)
        {
            return 0;
        }
        var total = OutputLength(_inputCount, FromRate, ToRate);
        Compact();
        var zeros = _filter.Taps / 2 + 1;
        _history.AsSpan(_historyLength, zeros).Clear();
        _historyLength += zeros;
        return Produce(output, total);
    }

    private int Produce(Span<float> output, long limit)
    {
        var taps = _filter.Taps;
        var half = taps / 2;
        var l = _filter.L;
        int stepBase = _filter.M / l, stepPhase = _filter.M % l;
        var written = 0;
        var history = _history.AsSpan(0, _historyLength);
        var end = _historyStart + _historyLength;
        // Output n needs input samples base − half + 1 … base + half.
        while (_outputCount < limit && _nextBase + half < end)
        {
            var window = history.Slice((int)(_nextBase - half + 1 - _historyStart), taps);
            output[written++] = PolyphaseFilter.Dot(_filter.Phase(_nextPhase), window);
            _outputCount++;
            _nextBase += stepBase;
            _nextPhase += stepPhase;
            if (_nextPhase >= l)
            {
                _nextPhase -= l;
                _nextBase++;
            }
        }
        return written;
    }

    // Drops history that no future output needs and moves the rest to the front of the buffer.
    private void Compact()
    {
        var keepFrom = _nextBase - _filter.Taps / 2 + 1;
        var drop = (int)Math.Clamp(keepFrom - _historyStart, 0, _historyLength);
        if (drop > 0)
        {
            _history.AsSpan(drop, _historyLength - drop).CopyTo(_history);
            _historyLength -= drop;
            _historyStart += drop;
        }
        if (_history.Length - _historyLength < _filter.Taps + 1024)
        {
            Array.Resize(ref _history, _history.Length * 2);
        }
    }
}

/// <summary>
/// The polyphase coefficient table of one rational ratio L/M: row p holds h(p/L − k) for the taps k around an output
/// sample, where h is the Kaiser-windowed sinc low-pass. Tables are cached per ratio.
/// </summary>
internal sealed class PolyphaseFilter
{
    /// <summary>Stop-band attenuation the Kaiser window is designed for.</summary>
    public const double StopbandDb = 100;
    /// <summary>Cut-off as a fraction of the lower Nyquist frequency (the middle of the transition band).</summary>
    public const double CutoffFraction = 0.95;
    /// <summary>Transition band width as a fraction of the lower Nyquist frequency (pass band ends at 90 %).</summary>
    public const double TransitionFraction = 0.10;

    private static readonly ConcurrentDictionary<(int L, int M), PolyphaseFilter> Cache = new();
    private readonly float[] _table;

    private PolyphaseFilter(int l, int m)
    {
        L = l;
        M = m;
        // Everything is measured in input samples: the cut-off relative to the input Nyquist frequency shrinks when
        // decimating, and the filter gets longer in proportion so the transition band keeps its width in the output.
        var scale = Math.Min(1.0, (double)l / m);
        Cutoff = CutoffFraction * scale;
        var transition = Math.PI * TransitionFraction * scale; // radians per input sample
        Beta = 0.1102 * (StopbandDb - 8.7);
        var length = (int)Math.Ceiling((StopbandDb - 7.95) / (2.285 * transition));
        HalfTaps = (length + 1) / 2;
        Taps = 2 * HalfTaps;
        _table = new float[(long)l * Taps];
        var i0Beta = BesselI0(Beta);
        for (var p = 0; p < l; p++)
        {
            var row = _table.AsSpan(p * Taps, Taps);
            for (var k = 0; k < Taps; k++)
            {
                // Tap k multiplies input sample base − HalfTaps + 1 + k, which sits at distance t from the output.
                var t = (double)p / l + HalfTaps - 1 - k;
                row[k] = (float)Impulse(t, i0Beta);
            }
        }
    }

    public int L { get; }
    public int M { get; }
    public int Taps { get; }
    public int HalfTaps { get; }
    /// <summary>Cut-off in cycles per input sample × 2 (1 = input Nyquist).</summary>
    public double Cutoff { get; }
    public double Beta { get; }

    public static PolyphaseFilter For(int fromRate, int toRate)
    {
        var g = (int)BigInteger.GreatestCommonDivisor(fromRate, toRate);
        return Cache.GetOrAdd((toRate / g, fromRate / g), key => new PolyphaseFilter(key.L, key.M));
    }

    public ReadOnlySpan<float> Phase(int p) => _table.AsSpan(p * Taps, Taps);

    /// <summary>The continuous impulse response at <paramref name="t"/> input samples from the output instant.</summary>
    public double Impulse(double t, double i0Beta)
    {
        var x = t / HalfTaps;
        if (Math.Abs(x) >= 1)
        {
            return 0;
        }
        var sinc = t == 0 ? 1 : Math.Sin(Math.PI * Cutoff * t) / (Math.PI * Cutoff * t);
        return Cutoff * sinc * BesselI0(Beta * Math.Sqrt(1 - x * x)) / i0Beta;
    }

    /// <summary>Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20).</summary>
    public static double BesselI0(double x)
    {
        double sum = 1, term = 1, q = x * x / 4;
        for (var k = 1; k < 200 && term > 1e-17 * sum; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
        }
        return sum;
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var acc = Vector<float>.Zero;
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        for (var i = 0; i < va.Length; i++)
        {
            acc += va[i] * vb[i];
        }
        var sum = Vector.Sum(acc);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
