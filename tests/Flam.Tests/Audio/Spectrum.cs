namespace Flam.Tests.Audio;

/// <summary>A naive windowed DFT (no FFT) for measuring tones and leakage in tests.</summary>
internal static class Spectrum
{
    /// <summary>The 4-term Blackman–Harris window (side lobes −92 dB, main lobe ±4 bins).</summary>
    public static double[] BlackmanHarris(int n)
    {
        var w = new double[n];
        for (var i = 0; i < n; i++)
        {
            var x = 2 * Math.PI * i / n;
            w[i] = 0.35875 - 0.48829 * Math.Cos(x) + 0.14128 * Math.Cos(2 * x) - 0.01168 * Math.Cos(3 * x);
        }
        return w;
    }

    /// <summary>
    /// |DFT| of the windowed signal at bins 0…N/2, scaled so that a sine of amplitude A centred on a bin reads A.
    /// Bin k is k·sampleRate/N Hz.
    /// </summary>
    public static double[] Magnitudes(ReadOnlySpan<float> signal)
    {
        var n = signal.Length;
        var w = BlackmanHarris(n);
        var x = new double[n];
        double gain = 0;
        for (var i = 0; i < n; i++)
        {
            x[i] = w[i] * signal[i];
            gain += w[i];
        }
        // Goertzel's recurrence evaluates the DFT at one bin exactly; four bins run side by side to keep the CPU busy.
        var bins = n / 2 + 1;
        var magnitudes = new double[bins];
        Span<double> c = stackalloc double[4];
        for (var k0 = 0; k0 < bins; k0 += 4)
        {
            for (var j = 0; j < 4; j++)
            {
                c[j] = 2 * Math.Cos(2 * Math.PI * Math.Min(k0 + j, bins - 1) / n);
            }
            double a1 = 0, a2 = 0, b1 = 0, b2 = 0, d1 = 0, d2 = 0, e1 = 0, e2 = 0;
            double ca = c[0], cb = c[1], cd = c[2], ce = c[3];
            for (var i = 0; i < n; i++)
            {
                var v = x[i];
                var a0 = v + ca * a1 - a2; a2 = a1; a1 = a0;
                var b0 = v + cb * b1 - b2; b2 = b1; b1 = b0;
                var d0 = v + cd * d1 - d2; d2 = d1; d1 = d0;
                var e0 = v + ce * e1 - e2; e2 = e1; e1 = e0;
            }
            ReadOnlySpan<(double S1, double S2)> states = [(a1, a2), (b1, b2), (d1, d2), (e1, e2)];
            for (var j = 0; j < 4 && k0 + j < bins; j++)
            {
                // |X_k|² = s1² + s2² − 2cos(2πk/N)·s1·s2
                var (s1, s2) = states[j];
                var power = s1 * s1 + s2 * s2 - c[j] * s1 * s2;
                magnitudes[k0 + j] = 2 * Math.Sqrt(Math.Max(power, 0)) / gain;
            }
        }
        return magnitudes;
    }

    public static double Db(double ratio) => 20 * Math.Log10(Math.Max(ratio, 1e-300));

    public static float[] Sine(double frequency, int sampleRate, int length, double amplitude = 1, double phase = 0)
    {
        var s = new float[length];
        for (var i = 0; i < length; i++)
        {
            s[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate + phase));
        }
        return s;
    }
}
