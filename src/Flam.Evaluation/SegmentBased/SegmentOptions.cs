namespace Flam.Evaluation.SegmentBased;

/// <summary>Segment-based evaluation settings.</summary>
/// <param name="SegmentLength">Segment length in seconds (DCASE: 1 s).</param>
/// <param name="TimeDecimals">Decimals that frame and segment boundaries are rounded to before comparison.</param>
public sealed record SegmentOptions(double SegmentLength = 1.0, int TimeDecimals = 6)
{
    /// <summary>Throws <see cref="FlamException"/> for impossible values.</summary>
    public SegmentOptions Validate()
    {
        if (!(SegmentLength > 0) || !double.IsFinite(SegmentLength))
        {
            throw new FlamException($"Segment length must be a positive number of seconds but is {SegmentLength}.");
        }
        if (TimeDecimals is < 0 or > 15)
        {
            throw new FlamException($"Time decimals must be between 0 and 15 but is {TimeDecimals}.");
        }
        return this;
    }
}
