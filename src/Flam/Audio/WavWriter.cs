namespace Flam.Audio;

/// <summary>Sample encodings <see cref="WavWriter"/> can write.</summary>
public enum WavSampleFormat
{
    /// <summary>16-bit signed PCM (samples clipped to [-1, 1]).</summary>
    Pcm16,
    /// <summary>32-bit IEEE float.</summary>
    Float32,
}

/// <summary>Writes mono WAV files atomically (temporary file, then rename).</summary>
public static class WavWriter
{
    /// <summary>Writes <paramref name="samples"/> as a mono WAV file.</summary>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, WavSampleFormat format = WavSampleFormat.Pcm16, bool overwrite = true) =>
        throw new NotImplementedException();
}
