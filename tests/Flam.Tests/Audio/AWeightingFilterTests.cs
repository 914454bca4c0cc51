using Flam.Audio;

namespace Flam.Tests.Audio;

public class AWeightingFilterTests
{
    // IEC 61672-1 Table 3: nominal frequency (Hz), A-weighting (dB), class-1 acceptance limits (+dB, −dB; ∞ = no limit)
    // as in the 2013 edition (the 2002 edition's limits, which include measurement uncertainty, are 0.4–1 dB wider).
    public static readonly TheoryData<double, double, double, double> Table = new()
    {
        { 10, -70.4, 3.0, double.PositiveInfinity }, { 12.5, -63.4, 2.5, double.PositiveInfinity }, { 16, -56.7, 2.0, 4.0 },
        { 20, -50.5, 2.0, 2.0 }, { 25, -44.7, 2.0, 1.5 }, { 31.5, -39.4, 1.5, 1.5 }, { 40, -34.6, 1.0, 1.0 }, { 50, -30.2, 1.0, 1.0 },
        { 63, -26.2, 1.0, 1.0 }, { 80, -22.5, 1.0, 1.0 }, { 100, -19.1, 1.0, 1.0 }, { 125, -16.1, 1.0, 1.0 }, { 160, -13.4, 1.0, 1.0 },
        { 200, -10.9, 1.0, 1.0 }, { 250, -8.6, 1.0, 1.0 }, { 315, -6.6, 1.0, 1.0 }, { 400, -4.8, 1.0, 1.0 }, { 500, -3.2, 1.0, 1.0 },
        { 630, -1.9, 1.0, 1.0 }, { 800, -0.8, 1.0, 1.0 }, { 1000, 0.0, 0.7, 0.7 }, { 1250, 0.6, 1.0, 1.0 }, { 1600, 1.0, 1.0, 1.0 },
        { 2000, 1.2, 1.0, 1.0 }, { 2500, 1.3, 1.0, 1.0 }, { 3150, 1.2, 1.0, 1.0 }, { 4000, 1.0, 1.0, 1.0 }, { 5000, 0.5, 1.5, 1.5 },
        { 6300, -0.1, 1.5, 2.0 }, { 8000, -1.1, 1.5, 2.5 }, { 10000, -2.5, 2.0, 3.0 }, { 12500, -4.3, 2.0, 5.0 },
        { 16000, -6.6, 2.5, 16.0 }, { 20000, -9.3, 3.0, double.PositiveInfinity },
    };

    // The table's frequencies are rounded; the weightings are computed at the exact base-10 frequencies 1000·10^(n/10).
    private static double Exact(double nominal) => 1000 * Math.Pow(10, Math.Round(10 * Math.Log10(nominal / 1000)) / 10);

    [Theory]
    [MemberData(nameof(Table))]
    public void AnalogueFormulaMatchesTheTable(double nominal, double weighting, double plus, double minus)
    {
        _ = (plus, minus);
        Assert.InRange(AWeightingFilter.AnalogueGainDb(Exact(nominal)), weighting - 0.051, weighting + 0.051);
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void DigitalResponseAt48kHzIsWithinClass1Limits(double nominal, double weighting, double plus, double minus)
    {
        var filter = new AWeightingFilter(48000);
        var response = filter.MagnitudeDb(Exact(nominal));
        Assert.InRange(response, weighting - minus, weighting + plus);
    }

    [Fact]
    public void DigitalResponseFollowsTheAnalogueFormulaClosely()
    {
        // Tighter than the tolerance where the bilinear transform has no excuse: within 0.05 dB up to 1 kHz, 0.2 dB up to 5 kHz, 1.5 dB up to 10 kHz.
        var filter = new AWeightingFilter(48000);
        for (var f = 10.0; f <= 10000; f *= 1.05)
        {
            var limit = f <= 1000 ? 0.05 : f <= 5000 ? 0.2 : 1.5;
            Assert.True(Math.Abs(filter.MagnitudeDb(f) - AWeightingFilter.AnalogueGainDb(f)) <= limit, $"{f:0.#} Hz: {filter.MagnitudeDb(f):0.###} vs {AWeightingFilter.AnalogueGainDb(f):0.###}");
        }
        Assert.Equal(0.0, filter.MagnitudeDb(1000), 9);
    }

    [Theory]
    [InlineData(50)]
    [InlineData(200)]
    [InlineData(1000)]
    [InlineData(3150)]
    [InlineData(10000)]
    public void FilteringASineScalesItsRmsByTheResponse(double frequency)
    {
        // The time-domain filter against its own coefficients' response: RMS of the steady-state output of a sine.
        const int rate = 48000;
        var filter = new AWeightingFilter(rate);
        var input = new float[rate * 2];
        for (var n = 0; n < input.Length; n++)
        {
            input[n] = (float)(0.5 * Math.Sin(2 * Math.PI * frequency * n / rate));
        }
        var output = filter.Apply(input);
        double sumIn = 0, sumOut = 0;
        for (var n = rate; n < input.Length; n++)
        {
            sumIn += (double)input[n] * input[n];
            sumOut += (double)output[n] * output[n];
        }
        var measured = 10 * Math.Log10(sumOut / sumIn);
        Assert.InRange(measured, filter.MagnitudeDb(frequency) - 0.02, filter.MagnitudeDb(frequency) + 0.02);
        Assert.InRange(measured, AWeightingFilter.AnalogueGainDb(frequency) - 1.5, AWeightingFilter.AnalogueGainDb(frequency) + 1.5);
    }
}
