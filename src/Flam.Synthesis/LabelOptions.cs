namespace Flam.Synthesis;

/// <summary>
/// How an event's labelled activity is derived from its own sound (paper Appendix C.4): A-weighted RMS in windows of
/// <see cref="Window"/> samples every <see cref="Hop"/> samples at 48 kHz, frames more than
/// <see cref="ThresholdDb"/> below the event's loudest window inactive, then gaps shorter than <see cref="MinGapFrames"/>
/// between active frames filled, then active runs shorter than <see cref="MinRunFrames"/> removed when the event is longer
/// than <see cref="ShortEventFrames"/> frames. The paper's numbers disagree with each other: 1200-sample hops at 48 kHz are
/// 25 ms (40 Hz), not the "50 Hz" / "10 frames (200 ms)" it also states. The sample counts are kept, so by default 10 frames
/// are 250 ms and 2 frames 50 ms; a hop of 960 gives 20 ms frames.
/// </summary>
public sealed record LabelOptions
{
    /// <summary>RMS window in samples (C.4: 2400 at 48 kHz).</summary>
    public int Window { get; init; } = 2400;

    /// <summary>RMS hop in samples = one label frame (C.4: 1200 at 48 kHz, i.e. 25 ms).</summary>
    public int Hop { get; init; } = 1200;

    /// <summary>
    /// Activity threshold in dB relative to the event's loudest window (the paper's value is lost; −40 dB keeps reverberant
    /// tails and soft parts of an event but not its noise floor).
    /// </summary>
    public double ThresholdDb { get; init; } = -40;

    /// <summary>Inactive runs shorter than this many frames between active frames become active (C.4: 10 frames).</summary>
    public int MinGapFrames { get; init; } = 10;

    /// <summary>Active runs shorter than this many frames are removed (C.4: 2 frames)...</summary>
    public int MinRunFrames { get; init; } = 2;

    /// <summary>... but only when the event is longer than this many frames (C.4: 10 frames).</summary>
    public int ShortEventFrames { get; init; } = 10;

    /// <summary>
    /// An event whose loudest A-weighted window is below this level (dB re full scale, before any gain) counts as silent
    /// and is dropped: a relative threshold alone would label digital silence or dither as sound.
    /// </summary>
    public double SilenceFloorDbfs { get; init; } = -70;

    /// <summary>The problems with these options, or an empty list.</summary>
    public IEnumerable<string> Problems()
    {
        if (Window <= 0 || Hop <= 0 || Window < Hop)
        {
            yield return $"label window ({Window}) and hop ({Hop}) must be positive with window ≥ hop";
        }
        if (!(ThresholdDb < 0))
        {
            yield return $"activity threshold must be negative dB relative to the event's maximum, got {ThresholdDb}";
        }
        if (MinGapFrames < 0 || MinRunFrames < 0 || ShortEventFrames < 0)
        {
            yield return "label smoothing frame counts must be ≥ 0";
        }
        if (!double.IsFinite(SilenceFloorDbfs))
        {
            yield return "silence floor must be a finite dBFS value";
        }
    }
}
