namespace Flam.Audio;

/// <summary>One second-order IIR section, normalised so that a0 = 1.</summary>
/// <param name="B0">Feed-forward coefficient of x[n].</param>
/// <param name="B1">Feed-forward coefficient of x[n-1].</param>
/// <param name="B2">Feed-forward coefficient of x[n-2].</param>
/// <param name="A1">Feedback coefficient of y[n-1].</param>
/// <param name="A2">Feedback coefficient of y[n-2].</param>
public readonly record struct Biquad(double B0, double B1, double B2, double A1, double A2);

/// <summary>
/// The frequency weighting A of IEC 61672-1 as a digital filter: the standard's analogue transfer function
/// (double poles at 20.6 Hz and 12 194 Hz, single poles at 107.7 Hz and 737.9 Hz, four zeros at 0 Hz) mapped to
/// the z-plane by the bilinear transform with each pole frequency pre-warped, so the digital poles sit at the
/// standard's frequencies; the gain is set to exactly 0 dB at 1 kHz. At 48 kHz the response stays within the
/// class-1 tolerances from 10 Hz to 20 kHz (tested at the standard's nominal frequencies). Stateless and thread-safe.
/// </summary>
public sealed class AWeightingFilter
{
    /// <summary>Pole frequencies of IEC 61672-1 (Annex E) in Hz.</summary>
    public const double F1 = 20.598997, F2 = 107.65265, F3 = 737.86223, F4 = 12194.217;

    /// <summary>Creates the filter for <paramref name="sampleRate"/> Hz (at least 8 kHz; pole frequencies above 0.49 × the sample rate are clamped there).</summary>
    public AWeightingFilter(int sampleRate)
    {
        if (sampleRate < 8000)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "A-weighting needs a sample rate of at least 8 kHz.");
        }
        SampleRate = sampleRate;
        var k = 2.0 * sampleRate;
        double Warp(double f) => k * Math.Tan(Math.Min(Math.PI * f / sampleRate, 0.49 * Math.PI));
        var w1 = Warp(F1);
        var w2 = Warp(F2);
        var w3 = Warp(F3);
        var w4 = Warp(F4);
        // s²/(s+w1)², s²/((s+w2)(s+w3)), 1/(s+w4)² — each mapped by s = k(z-1)/(z+1).
        var sections = new[]
        {
            Bilinear(1, 0, 0, 1, 2 * w1, w1 * w1, k),
            Bilinear(1, 0, 0, 1, w2 + w3, w2 * w3, k),
            Bilinear(0, 0, 1, 1, 2 * w4, w4 * w4, k),
        };
        var gain = Math.Pow(10, -MagnitudeDb(sections, 1000.0, sampleRate) / 20);
        sections[0] = sections[0] with { B0 = sections[0].B0 * gain, B1 = sections[0].B1 * gain, B2 = sections[0].B2 * gain };
        Sections = sections;
    }

    /// <summary>The sample rate the coefficients were designed for.</summary>
    public int SampleRate { get; }

    /// <summary>The cascade of second-order sections.</summary>
    public IReadOnlyList<Biquad> Sections { get; }

    /// <summary>The tabulated-by-formula analogue A-weighting of IEC 61672-1 in dB at <paramref name="frequency"/> Hz (0 dB at 1 kHz).</summary>
    public static double AnalogueGainDb(double frequency)
    {
        static double Raw(double f)
        {
            var f2 = f * f;
            var num = F4 * F4 * f2 * f2;
            var den = (f2 + F1 * F1) * Math.Sqrt(f2 + F2 * F2) * Math.Sqrt(f2 + F3 * F3) * (f2 + F4 * F4);
            return 20 * Math.Log10(num / den);
        }
        return Raw(frequency) - Raw(1000.0);
    }

    /// <summary>The digital filter's gain in dB at <paramref name="frequency"/> Hz, evaluated from its coefficients.</summary>
    public double MagnitudeDb(double frequency) => MagnitudeDb(Sections, frequency, SampleRate);

    /// <summary>Filters <paramref name="input"/> from a zero state into <paramref name="output"/> (same length; may be the same buffer).</summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length != input.Length)
        {
            throw new ArgumentException("Output length must equal input length.", nameof(output));
        }
        input.CopyTo(output);
        foreach (var s in Sections)
        {
            // Transposed direct form II in double precision: the 20 Hz poles sit close to z = 1.
            double z1 = 0, z2 = 0;
            for (var n = 0; n < output.Length; n++)
            {
                double x = output[n];
                var y = s.B0 * x + z1;
                z1 = s.B1 * x - s.A1 * y + z2;
                z2 = s.B2 * x - s.A2 * y;
                output[n] = (float)y;
            }
        }
    }

    /// <summary>Returns the A-weighted copy of <paramref name="input"/>.</summary>
    public float[] Apply(ReadOnlySpan<float> input)
    {
        var output = new float[input.Length];
        Process(input, output);
        return output;
    }

    private static Biquad Bilinear(double b2, double b1, double b0, double a2, double a1, double a0, double k)
    {
        var k2 = k * k;
        var nb0 = b2 * k2 + b1 * k + b0;
        var nb1 = 2 * b0 - 2 * b2 * k2;
        var nb2 = b2 * k2 - b1 * k + b0;
        var na0 = a2 * k2 + a1 * k + a0;
        var na1 = 2 * a0 - 2 * a2 * k2;
        var na2 = a2 * k2 - a1 * k + a0;
        return new Biquad(nb0 / na0, nb1 / na0, nb2 / na0, na1 / na0, na2 / na0);
    }

    private static double MagnitudeDb(IEnumerable<Biquad> sections, double frequency, int sampleRate)
    {
        var w = 2 * Math.PI * frequency / sampleRate;
        var z1 = System.Numerics.Complex.FromPolarCoordinates(1, -w);
        var z2 = z1 * z1;
        var h = System.Numerics.Complex.One;
        foreach (var s in sections)
        {
            h *= (s.B0 + s.B1 * z1 + s.B2 * z2) / (1 + s.A1 * z1 + s.A2 * z2);
        }
        return 20 * Math.Log10(h.Magnitude);
    }
}
