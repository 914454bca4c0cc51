namespace Flam.Evaluation.IntersectionBased;

/// <summary>
/// Intersection criteria (Bilen et al., "A framework for the robust evaluation of sound event detection",
/// ICASSP 2020). A detection is relevant when its intersection with ground-truth events of its class covers at
/// least <see cref="DtcThreshold"/> of its length (DTC); a ground-truth event is detected when relevant
/// detections cover at least <see cref="GtcThreshold"/> of it (GTC); an irrelevant detection is a cross-trigger
/// on another class when that class's events cover at least <see cref="CttcThreshold"/> of it (CTTC).
/// </summary>
/// <param name="DtcThreshold">Detection tolerance criterion, in [0, 1].</param>
/// <param name="GtcThreshold">Ground-truth intersection criterion, in [0, 1].</param>
/// <param name="CttcThreshold">Cross-trigger tolerance criterion, in [0, 1], or null for no cross-trigger counting.</param>
/// <param name="TimeDecimals">Decimals both sides of every comparison are rounded to.</param>
public sealed record IntersectionOptions(double DtcThreshold = 0.7, double GtcThreshold = 0.7, double? CttcThreshold = null, int TimeDecimals = 6)
{
    /// <summary>Throws <see cref="FlamException"/> for impossible values.</summary>
    public IntersectionOptions Validate()
    {
        static bool Unit(double x) => x >= 0 && x <= 1;
        if (!Unit(DtcThreshold) || !Unit(GtcThreshold) || (CttcThreshold is { } c && !Unit(c)))
        {
            throw new FlamException($"DTC, GTC and CTTC thresholds must be in [0, 1] (DTC {DtcThreshold}, GTC {GtcThreshold}, CTTC {CttcThreshold}).");
        }
        if (TimeDecimals is < 0 or > 15)
        {
            throw new FlamException($"Time decimals must be between 0 and 15 but is {TimeDecimals}.");
        }
        return this;
    }
}

/// <summary>Unit of time of the effective false-positive rate.</summary>
public enum PsdsTimeUnit
{
    /// <summary>Per second.</summary>
    Second,
    /// <summary>Per minute.</summary>
    Minute,
    /// <summary>Per hour (DCASE).</summary>
    Hour,
}

/// <summary>
/// PSDS settings (Bilen et al., ICASSP 2020). The effective FPR of a class is
/// eFPR = FP / T + α<sub>ct</sub> · mean over other classes c' of CT<sub>c'</sub> / T<sub>c'</sub>, per <see cref="Unit"/>
/// (T: total audio duration, T<sub>c'</sub>: total duration of the events of c'); the PSD-ROC is
/// mean − α<sub>st</sub> · std over the classes' TPR curves, and PSDS its area up to <see cref="MaxEfpr"/> / <see cref="MaxEfpr"/>.
/// </summary>
/// <param name="Criteria">Intersection criteria.</param>
/// <param name="AlphaCt">Cross-trigger weight α<sub>ct</sub> (requires a CTTC threshold when non-zero).</param>
/// <param name="AlphaSt">Instability weight α<sub>st</sub>.</param>
/// <param name="MaxEfpr">Largest eFPR the area is taken to.</param>
/// <param name="Unit">Unit of time of the eFPR.</param>
public sealed record PsdsOptions(IntersectionOptions Criteria, double AlphaCt = 0.0, double AlphaSt = 0.0, double MaxEfpr = 100.0, PsdsTimeUnit Unit = PsdsTimeUnit.Hour)
{
    /// <summary>DCASE 2021-2023 scenario 1: DTC = GTC = 0.7, no cross-triggers, α<sub>st</sub> = 1, max eFPR 100/h.</summary>
    public static PsdsOptions Psds1 { get; } = new(new IntersectionOptions(0.7, 0.7), AlphaCt: 0.0, AlphaSt: 1.0, MaxEfpr: 100.0);

    /// <summary>DCASE scenario 2: DTC = GTC = 0.1, CTTC = 0.3, α<sub>ct</sub> = 0.5, α<sub>st</sub> = 1, max eFPR 100/h.</summary>
    public static PsdsOptions Psds2 { get; } = new(new IntersectionOptions(0.1, 0.1, 0.3), AlphaCt: 0.5, AlphaSt: 1.0, MaxEfpr: 100.0);

    /// <summary>Seconds per <see cref="Unit"/>.</summary>
    public double SecondsPerUnit => Unit switch { PsdsTimeUnit.Second => 1.0, PsdsTimeUnit.Minute => 60.0, _ => 3600.0 };

    /// <summary>Throws <see cref="FlamException"/> for impossible or inconsistent values.</summary>
    public PsdsOptions Validate()
    {
        Criteria.Validate();
        if (AlphaCt != 0 && Criteria.CttcThreshold is null)
        {
            throw new FlamException("alpha_ct is not 0 but no CTTC threshold was given.");
        }
        if (AlphaCt == 0 && Criteria.CttcThreshold is not null)
        {
            throw new FlamException("A CTTC threshold was given but alpha_ct is 0.");
        }
        if (!(AlphaCt >= 0) || !(AlphaSt >= 0) || !(MaxEfpr > 0) || !double.IsFinite(MaxEfpr))
        {
            throw new FlamException($"alpha_ct and alpha_st must be ≥ 0 and max eFPR > 0 (got {AlphaCt}, {AlphaSt}, {MaxEfpr}).");
        }
        return this;
    }
}
