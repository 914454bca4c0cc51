namespace Flam.Evaluation.CollarBased;

/// <summary>
/// Collar criteria (Mesaros et al., "Metrics for polyphonic sound event detection", Applied Sciences 6(6):162,
/// 2016): a detection matches a ground-truth event of its class when |onset difference| ≤ <see cref="OnsetCollar"/>
/// and |offset difference| ≤ max(<see cref="OffsetCollar"/>, <see cref="OffsetCollarRate"/> · event length).
/// </summary>
/// <param name="OnsetCollar">Allowed onset deviation, seconds.</param>
/// <param name="OffsetCollar">Allowed offset deviation (at least), seconds.</param>
/// <param name="OffsetCollarRate">Allowed offset deviation (at least) as a fraction of the event length.</param>
/// <param name="TimeDecimals">Decimals the collar comparisons are rounded to.</param>
public sealed record CollarOptions(double OnsetCollar = 0.2, double OffsetCollar = 0.2, double OffsetCollarRate = 0.2, int TimeDecimals = 6)
{
    /// <summary>Throws <see cref="FlamException"/> for impossible values.</summary>
    public CollarOptions Validate()
    {
        if (!(OnsetCollar >= 0) || !(OffsetCollar >= 0) || !(OffsetCollarRate >= 0))
        {
            throw new FlamException($"Collars must be ≥ 0 (onset {OnsetCollar}, offset {OffsetCollar}, offset rate {OffsetCollarRate}).");
        }
        if (TimeDecimals is < 0 or > 15)
        {
            throw new FlamException($"Time decimals must be between 0 and 15 but is {TimeDecimals}.");
        }
        return this;
    }
}
