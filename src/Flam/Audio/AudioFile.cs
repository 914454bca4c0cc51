namespace Flam.Audio;

/// <summary>What a decoder learns from a file's header.</summary>
/// <param name="Path">The file.</param>
/// <param name="SampleRate">Native sample rate in Hz.</param>
/// <param name="Channels">Channel count (0 when ffmpeg reports a layout Flam does not recognise).</param>
/// <param name="Frames">Samples per channel, or -1 when the container does not say.</param>
/// <param name="Format">Short format name ("wav/pcm16", "flac", "mp3", "ogg/vorbis", "ffmpeg/…").</param>
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
/// The format is recognised from the content, not the extension: WAV (RIFF/RF64), FLAC and MP3 and Ogg Vorbis are
/// decoded in-process; anything else goes through <c>ffmpeg</c> when it is on PATH. Channels are averaged to mono,
/// then the signal is resampled with <see cref="Resampler"/>. Non-finite samples are rejected.
/// Errors are <see cref="FlamException"/>s naming the file and the problem.
/// </summary>
public static class AudioFile
{
    /// <summary>The sample rate FLAM models expect.</summary>
    public const int FlamSampleRate = 48000;

    /// <summary>Reads the header only.</summary>
    public static AudioInfo Probe(string path) => Probe(path, AudioDecodeOptions.Default);

    /// <summary>Reads the header only, with explicit decoding options.</summary>
    /// <exception cref="FlamException">
    /// <paramref name="path"/> is standard input or a named pipe (<see cref="PipeInput.IsStream"/>): it can be read only
    /// once, so a probe would consume the audio that decoding needs. Decode such input directly.
    /// </exception>
    public static AudioInfo Probe(string path, AudioDecodeOptions options)
    {
        if (PipeInput.IsStream(path))
        {
            throw new FlamException($"Cannot probe audio '{path}': it is standard input or a named pipe (FIFO), which can be read only once, " +
                "and probing would consume it; decode it directly (AudioFile.Load or Stream) or save it to a file first.");
        }
        using var decoder = AudioDecoders.Open(path, targetSampleRate: null, options);
        return decoder.Info;
    }

    /// <summary>Decodes the whole file, averages channels to mono and resamples to <paramref name="targetSampleRate"/>.</summary>
    public static float[] Load(string path, int targetSampleRate = FlamSampleRate) => Load(path, targetSampleRate, AudioDecodeOptions.Default);

    /// <summary>Decodes the whole file with explicit decoding options.</summary>
    public static float[] Load(string path, int targetSampleRate, AudioDecodeOptions options)
    {
        CheckRate(targetSampleRate);
        using var stream = new MonoAudioStream(path, targetSampleRate, options);
        var expected = stream.ExpectedLength;
        if (expected > Array.MaxLength)
        {
            throw TooLong(path, expected, targetSampleRate);
        }
        var buffer = new float[expected >= 0 ? expected : 1 << 16];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length == Array.MaxLength)
                {
                    throw TooLong(path, length + 1L, targetSampleRate);
                }
                Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, Array.MaxLength));
            }
            var n = stream.Read(buffer.AsSpan(length));
            if (n == 0)
            {
                break;
            }
            length += n;
        }
        return length == buffer.Length ? buffer : buffer[..length];
    }

    /// <summary>
    /// Streams consecutive windows of <paramref name="windowSamples"/> every <paramref name="hopSamples"/> (at the target
    /// rate) without holding the whole recording in memory.
    /// </summary>
    public static IEnumerable<AudioWindow> Windows(string path, int windowSamples, int hopSamples, int targetSampleRate = FlamSampleRate) =>
        Windows(path, windowSamples, hopSamples, targetSampleRate, AudioDecodeOptions.Default);

    /// <summary>
    /// Streams consecutive windows with explicit decoding options. Window k starts at sample k·<paramref name="hopSamples"/>;
    /// windows are produced while they start inside the recording, up to and including the first one that reaches its
    /// end. That last window is zero-padded to <paramref name="windowSamples"/>, and <see cref="AudioWindow.Valid"/> says
    /// how many of its samples are real audio. An empty recording gives no windows. Each window is a fresh array the
    /// caller may keep. The file is opened (and bad input reported) when this method is called.
    /// </summary>
    public static IEnumerable<AudioWindow> Windows(string path, int windowSamples, int hopSamples, int targetSampleRate, AudioDecodeOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowSamples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hopSamples);
        CheckRate(targetSampleRate);
        if (PipeInput.IsStream(path))
        {
            // A pipe can be opened only once, so it is opened (and bad input reported) when the first window is read.
            return WindowIterator(() => new MonoAudioStream(AudioDecoders.Open(path, targetSampleRate, options), targetSampleRate), windowSamples, hopSamples);
        }
        // Report a missing or malformed file (or a missing ffmpeg) now, not at the first MoveNext.
        using (AudioDecoders.Open(path, targetSampleRate: null, options with { Warning = null }, runFfmpeg: false))
        {
        }
        return WindowIterator(() => new MonoAudioStream(path, targetSampleRate, options), windowSamples, hopSamples);
    }

    private static IEnumerable<AudioWindow> WindowIterator(Func<MonoAudioStream> open, int windowSamples, int hopSamples)
    {
        using var stream = open();
        // `pending` holds the samples from `pendingStart` on; a window is cut as soon as it is complete.
        var pending = new float[Math.Max(windowSamples, 1 << 15) + (1 << 15)];
        var pendingLength = 0;
        long pendingStart = 0;
        long nextStart = 0;
        var ended = false;
        while (true)
        {
            // Read until the window is complete and one more sample shows whether audio continues after it.
            if (!ended && pendingLength <= windowSamples + (nextStart - pendingStart))
            {
                // Samples before the next window's start (when hop > window) are read and dropped.
                var n = stream.Read(pending.AsSpan(pendingLength));
                if (n == 0)
                {
                    ended = true;
                }
                pendingLength += n;
                var skip = (int)Math.Min(nextStart - pendingStart, pendingLength);
                if (skip > 0)
                {
                    pending.AsSpan(skip, pendingLength - skip).CopyTo(pending);
                    pendingLength -= skip;
                    pendingStart += skip;
                }
                continue;
            }
            var offset = (int)(nextStart - pendingStart);
            var valid = Math.Clamp(pendingLength - offset, 0, windowSamples);
            if (valid == 0)
            {
                yield break;
            }
            var samples = new float[windowSamples];
            pending.AsSpan(offset, valid).CopyTo(samples);
            yield return new AudioWindow(nextStart, samples, valid);
            if (ended && offset + windowSamples >= pendingLength)
            {
                yield break;
            }
            nextStart += hopSamples;
            var drop = (int)Math.Min(nextStart - pendingStart, pendingLength);
            pending.AsSpan(drop, pendingLength - drop).CopyTo(pending);
            pendingLength -= drop;
            pendingStart += drop;
        }
    }

    private static FlamException TooLong(string path, long samples, int rate) =>
        new($"'{path}' is too long to load at once ({samples} samples, {samples / (double)rate / 3600:0.#} h at {rate} Hz); " +
            "read it in windows (AudioFile.Windows) instead.");

    private static void CheckRate(int targetSampleRate)
    {
        if (targetSampleRate <= 0)
        {
            throw new FlamException($"The target sample rate must be positive, not {targetSampleRate} Hz.");
        }
    }
}
