using System.Buffers.Binary;

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
    public static AudioInfo Probe(string path, AudioDecodeOptions options)
    {
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
        var buffer = new float[expected >= 0 ? expected : 1 << 16];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, checked(buffer.Length * 2));
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
        // Report a missing or malformed file now, not at the first MoveNext.
        Probe(path, options with { Warning = null });
        return WindowIterator(path, windowSamples, hopSamples, targetSampleRate, options);
    }

    private static IEnumerable<AudioWindow> WindowIterator(string path, int windowSamples, int hopSamples, int targetSampleRate, AudioDecodeOptions options)
    {
        using var stream = new MonoAudioStream(path, targetSampleRate, options);
        // `pending` holds the samples from `pendingStart` on; a window is cut as soon as it is complete.
        var pending = new float[Math.Max(windowSamples, 1 << 15) + (1 << 15)];
        var pendingLength = 0;
        long pendingStart = 0;
        long nextStart = 0;
        var ended = false;
        while (true)
        {
            if (!ended && pendingLength < windowSamples + (nextStart - pendingStart))
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

    private static void CheckRate(int targetSampleRate)
    {
        if (targetSampleRate <= 0)
        {
            throw new FlamException($"The target sample rate must be positive, not {targetSampleRate} Hz.");
        }
    }
}

/// <summary>
/// A decoded file as one mono stream at the target rate: decoder → check for NaN/±Inf → streaming resampler.
/// </summary>
internal sealed class MonoAudioStream : IDisposable
{
    private const int DecodeChunk = 1 << 14;
    private readonly AudioDecoder _decoder;
    private readonly StreamingResampler _resampler;
    private readonly float[] _decoded = new float[DecodeChunk];
    private readonly float[] _resampled;
    private int _resampledStart;
    private int _resampledLength;
    private long _nativeIndex;
    private bool _ended;

    public MonoAudioStream(string path, int targetSampleRate, AudioDecodeOptions options)
    {
        _decoder = AudioDecoders.Open(path, targetSampleRate, options);
        _resampler = new StreamingResampler(_decoder.Info.SampleRate, targetSampleRate);
        _resampled = new float[_resampler.MaxOutput(DecodeChunk)];
        ExpectedLength = _decoder.Info.Frames < 0 ? -1 : StreamingResampler.OutputLength(_decoder.Info.Frames, _decoder.Info.SampleRate, targetSampleRate);
    }

    /// <summary>The output length the header promises, or -1.</summary>
    public long ExpectedLength { get; }

    /// <summary>Fills <paramref name="destination"/> with resampled mono samples; returns how many, 0 at the end.</summary>
    public int Read(Span<float> destination)
    {
        var written = 0;
        while (written < destination.Length)
        {
            if (_resampledLength == 0)
            {
                if (_ended)
                {
                    break;
                }
                Refill();
                continue;
            }
            var n = Math.Min(_resampledLength, destination.Length - written);
            _resampled.AsSpan(_resampledStart, n).CopyTo(destination[written..]);
            _resampledStart += n;
            _resampledLength -= n;
            written += n;
        }
        return written;
    }

    private void Refill()
    {
        _resampledStart = 0;
        var n = _decoder.Read(_decoded);
        if (n == 0)
        {
            _ended = true;
            _resampledLength = _resampler.Flush(_resampled);
            return;
        }
        var chunk = _decoded.AsSpan(0, n);
        var bad = IndexOfNonFinite(chunk);
        if (bad >= 0)
        {
            var index = _nativeIndex + bad;
            var kind = float.IsNaN(chunk[bad]) ? "NaN" : chunk[bad] > 0 ? "+Inf" : "-Inf";
            throw new FlamException(
                $"'{_decoder.Info.Path}' contains a non-finite sample ({kind}) at {(double)index / _decoder.Info.SampleRate:0.######} s (sample {index}); audio must be finite.");
        }
        _nativeIndex += n;
        _resampledLength = _resampler.Process(chunk, _resampled);
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> samples)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                return i;
            }
        }
        return -1;
    }

    public void Dispose() => _decoder.Dispose();
}

/// <summary>Recognises a file's format from its first bytes and opens the matching decoder.</summary>
internal static class AudioDecoders
{
    private enum Kind { Wav, Flac, Mp3, Ogg, Text, Unknown }

    /// <summary>
    /// Opens <paramref name="path"/>. <paramref name="targetSampleRate"/> is the rate ffmpeg should produce; null only
    /// probes (ffmpeg formats then report their native facts and cannot be read).
    /// </summary>
    public static AudioDecoder Open(string path, int? targetSampleRate, AudioDecodeOptions options)
    {
        if (Directory.Exists(path))
        {
            throw new FlamException($"Cannot read audio '{path}': it is a folder, not a file.");
        }
        if (!File.Exists(path))
        {
            throw new FlamException($"Cannot read audio '{path}': the file does not exist.");
        }
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new FlamException($"Cannot read audio '{path}': {e.Message}", e);
        }
        try
        {
            return OpenStream(stream, path, targetSampleRate, options);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static AudioDecoder OpenStream(FileStream stream, string path, int? targetSampleRate, AudioDecodeOptions options)
    {
        if (stream.Length == 0)
        {
            throw new FlamException($"Cannot read audio '{path}': the file is empty (0 bytes).");
        }
        var head = new byte[(int)Math.Min(stream.Length, 4096)];
        stream.ReadExactly(head);
        stream.Position = 0;
        var (kind, offset) = Detect(head);
        switch (kind)
        {
            case Kind.Wav:
                var header = WavHeader.Read(stream, path, options.Warn);
                if (header.IsSupported)
                {
                    return new WavDecoder(stream, header, path);
                }
                stream.Dispose();
                return ThroughFfmpeg(path, header.FormatName, targetSampleRate, options);
            case Kind.Flac:
                stream.Position = offset;
                return new FlacDecoder(stream, path);
            case Kind.Mp3:
                return new Mp3Decoder(stream, path);
            case Kind.Ogg when head.AsSpan().IndexOf("\u0001vorbis"u8) >= 0:
                return new VorbisDecoder(stream, path);
            case Kind.Ogg:
                stream.Dispose();
                var codec = head.AsSpan().IndexOf("OpusHead"u8) >= 0 ? "ogg/opus" : head.AsSpan().IndexOf("\u007fFLAC"u8) >= 0 ? "ogg/flac" : "ogg";
                return ThroughFfmpeg(path, codec, targetSampleRate, options);
            case Kind.Text:
                throw new FlamException($"Cannot read audio '{path}': it is a text file, not audio.");
            default:
                stream.Dispose();
                return ThroughFfmpeg(path, "an unrecognised format", targetSampleRate, options);
        }
    }

    private static AudioDecoder ThroughFfmpeg(string path, string format, int? targetSampleRate, AudioDecodeOptions options)
    {
        var ffmpeg = options.LocateFfmpeg() ?? throw new FlamException(
            $"Cannot decode '{path}': Flam has no built-in decoder for {format}, and ffmpeg, which is needed for it, was not found on PATH. " +
            "Install ffmpeg or convert the file to WAV, FLAC, MP3 or Ogg Vorbis.");
        return targetSampleRate is { } rate ? new FfmpegDecoder(ffmpeg, path, format, rate) : new FfmpegProbe(FfmpegDecoder.Probe(ffmpeg, path, format));
    }

    private static (Kind Kind, long Offset) Detect(ReadOnlySpan<byte> head)
    {
        long offset = 0;
        // An ID3v2 tag may precede MP3 (and, rarely, FLAC) data.
        if (head.Length >= 10 && head.StartsWith("ID3"u8))
        {
            var size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F);
            offset = 10 + size + ((head[5] & 0x10) != 0 ? 10 : 0);
            return offset + 4 <= head.Length && head[(int)offset..].StartsWith("fLaC"u8) ? (Kind.Flac, offset) : (Kind.Mp3, 0);
        }
        // A RIFF file too short to show "WAVE" is a truncated WAV; the WAV reader reports where it ends.
        if ((head.StartsWith("RIFF"u8) || head.StartsWith("RF64"u8) || head.StartsWith("BW64"u8)) && (head.Length < 12 || head[8..12].SequenceEqual("WAVE"u8)))
        {
            return (Kind.Wav, 0);
        }
        if (head.StartsWith("fLaC"u8))
        {
            return (Kind.Flac, 0);
        }
        if (head.StartsWith("OggS"u8))
        {
            return (Kind.Ogg, 0);
        }
        if (head.Length >= 4 && IsMpegAudioFrameHeader(BinaryPrimitives.ReadUInt32BigEndian(head)))
        {
            return (Kind.Mp3, 0);
        }
        return (LooksLikeText(head) ? Kind.Text : Kind.Unknown, 0);
    }

    // 11 sync bits, a defined MPEG version, layer I–III (layer 0 is AAC/ADTS), a valid bitrate and sample rate.
    private static bool IsMpegAudioFrameHeader(uint h) =>
        (h & 0xFFE00000) == 0xFFE00000 && ((h >> 19) & 3) != 1 && ((h >> 17) & 3) != 0 && ((h >> 12) & 15) != 15 && ((h >> 10) & 3) != 3;

    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        foreach (var b in head)
        {
            // Printable ASCII, whitespace, or UTF-8 lead/continuation bytes; any other control byte means binary.
            if (b < 0x20 && b is not (0x09 or 0x0A or 0x0D))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The result of probing a file through ffmpeg: header facts only.</summary>
    private sealed class FfmpegProbe(AudioInfo info) : AudioDecoder
    {
        public override AudioInfo Info => info;

        public override int Read(Span<float> destination) => throw new InvalidOperationException("A probe result cannot be read.");
    }
}
