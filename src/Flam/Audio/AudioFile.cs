namespace Flam.Audio;

/// <summary>What a decoder learns from a file's header.</summary>
/// <param name="Path">The file.</param>
/// <param name="SampleRate">Native sample rate in Hz.</param>
/// <param name="Channels">Channel count.</param>
/// <param name="Frames">Samples per channel, or -1 when the container does not say.</param>
/// <param name="Format">Short format name ("wav/pcm16", "flac", "mp3", "ogg/vorbis", "ffmpeg").</param>
public sealed record AudioInfo(string Path, int SampleRate, int Channels, long Frames, string Format)
{
    /// <summary>Duration in seconds, or NaN when unknown.</summary>
    public double Duration => Frames < 0 ? double.NaN : (double)Frames / SampleRate;
}

/// <summary>One window of a long recording, mono, at the requested rate.</summary>
/// <param name="Start">Index of the first sample (at the target rate) in the whole recording.</param>
/// <param name="Samples">The window; the last window is zero-padded to full length.</param>
/// <param name="Valid">How many leading samples of <paramref name="Samples"/> are real audio.</param>
public sealed record AudioWindow(long Start, float[] Samples, int Valid);

/// <summary>
/// Entry point for reading audio: any supported format to mono float32 at a target rate.
/// Errors are <see cref="FlamException"/>s naming the file and the problem.
/// </summary>
public static class AudioFile
{
    /// <summary>The sample rate FLAM models expect.</summary>
    public const int FlamSampleRate = 48000;

    /// <summary>Reads the header only.</summary>
    public static AudioInfo Probe(string path) => throw new NotImplementedException();

    /// <summary>Decodes the whole file, averages channels to mono and resamples to <paramref name="targetSampleRate"/>.</summary>
    public static float[] Load(string path, int targetSampleRate = FlamSampleRate) => throw new NotImplementedException();

    /// <summary>
    /// Streams consecutive windows of <paramref name="windowSamples"/> every <paramref name="hopSamples"/> (at the target
    /// rate) without holding the whole recording in memory.
    /// </summary>
    public static IEnumerable<AudioWindow> Windows(string path, int windowSamples, int hopSamples, int targetSampleRate = FlamSampleRate) =>
        throw new NotImplementedException();
}
