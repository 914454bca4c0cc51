namespace Flam.Audio;

/// <summary>Band-limited sample-rate conversion of mono float signals.</summary>
public static class Resampler
{
    /// <summary>Converts <paramref name="input"/> from <paramref name="fromRate"/> to <paramref name="toRate"/> Hz.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate) => throw new NotImplementedException();
}
