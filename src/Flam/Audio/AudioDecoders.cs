using System.Buffers.Binary;
using Flam.IO;

namespace Flam.Audio;

/// <summary>Recognises a file's format from its first bytes and opens the matching decoder.</summary>
internal static class AudioDecoders
{
    private enum Kind { Wav, Flac, Mp3, Ogg, Text, Unknown }

    /// <summary>
    /// Opens <paramref name="path"/>. <paramref name="targetSampleRate"/> is the rate ffmpeg should produce; null only
    /// probes (ffmpeg formats then report their native facts and cannot be read). With <paramref name="runFfmpeg"/>
    /// false, formats that need ffmpeg are only checked for its presence, without starting a process.
    /// </summary>
    public static AudioDecoder Open(string path, int? targetSampleRate, AudioDecodeOptions options, bool runFfmpeg = true)
    {
        if (Directory.Exists(path))
        {
            throw new FlamException($"Cannot read audio '{path}': it is a folder, not a file.");
        }
        if (PipeInput.IsStream(path))
        {
            return Check(OpenPipe(path, options), path);
        }
        if (!File.Exists(path))
        {
            throw new FlamException($"Cannot read audio '{path}': the file does not exist.");
        }
        if (FileKinds.Of(path) == FileKind.Device)
        {
            // A device such as /dev/zero reports length 0 but never ends; it is no recording.
            throw new FlamException($"Cannot read audio '{path}': it is a character or block device, not an audio file.");
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
        AudioDecoder decoder;
        try
        {
            decoder = OpenStream(stream, path, targetSampleRate, options, runFfmpeg);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return Check(decoder, path);
    }

    private static AudioDecoder Check(AudioDecoder decoder, string path)
    {
        var rate = decoder.Info.SampleRate;
        // ffmpeg probes without a process report rate 0 (unknown); every real rate must be plausible.
        if (rate != 0 && rate is < MinSampleRate or > MaxSampleRate)
        {
            decoder.Dispose();
            throw new FlamException($"Cannot read audio '{path}': its header declares a sample rate of {rate} Hz, outside the plausible " +
                $"{MinSampleRate}–{MaxSampleRate} Hz; the header is damaged or the file is not the audio it claims to be.");
        }
        return decoder;
    }

    /// <summary>
    /// Lowest native sample rate accepted. A header's rate sets how much work resampling does (up-sampling to 48 kHz
    /// multiplies the samples by 48 000 / rate), so an absurd rate would let a small file exhaust memory.
    /// </summary>
    public const int MinSampleRate = 1000;

    /// <summary>Highest native sample rate accepted (twice the highest rate of professional audio, 768 kHz).</summary>
    public const int MaxSampleRate = 1_536_000;

    /// <summary>
    /// Opens standard input or a FIFO: recognises the format from the first bytes, then decodes WAV and FLAC as they
    /// arrive and buffers MP3 and Ogg Vorbis (whose decoders seek). Formats that need ffmpeg are refused.
    /// </summary>
    private static AudioDecoder OpenPipe(string path, AudioDecodeOptions options)
    {
        var source = PipeInput.Open(path, options.PipeOpenTimeout);
        try
        {
            var head = new byte[4096];
            int length;
            try
            {
                // A live stream (ffmpeg from a camera) may trickle in; wait for a full head unless it ends first.
                length = source.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            }
            catch (IOException e)
            {
                throw new FlamException($"Cannot read audio '{path}': {e.Message}", e);
            }
            if (length == 0)
            {
                throw new FlamException($"Cannot read audio '{path}': the stream ended before any data arrived (0 bytes).");
            }
            head = head[..length];
            var stream = new ForwardStream(source, head);
            var (kind, offset) = Detect(head);
            switch (kind)
            {
                case Kind.Wav:
                    var header = WavHeader.Read(stream, path, options.Warn);
                    if (!header.IsSupported)
                    {
                        throw NotStreamable(path, header.FormatName);
                    }
                    return new WavDecoder(stream, header, path);
                case Kind.Flac:
                    try
                    {
                        stream.Seek(offset, SeekOrigin.Begin);
                    }
                    catch (EndOfStreamException)
                    {
                        throw new FlamException($"'{path}' is truncated inside its ID3 tag, before the FLAC data.");
                    }
                    return new FlacDecoder(stream, path);
                case Kind.Mp3:
                    return new Mp3Decoder(PipeInput.Buffer(stream, path, "MP3"), path);
                case Kind.Ogg when head.AsSpan().IndexOf("\u0001vorbis"u8) >= 0:
                    return new VorbisDecoder(PipeInput.Buffer(stream, path, "Ogg Vorbis"), path);
                case Kind.Ogg:
                    throw NotStreamable(path, head.AsSpan().IndexOf("OpusHead"u8) >= 0 ? "ogg/opus" : "ogg (not Vorbis)");
                case Kind.Text:
                    throw new FlamException($"Cannot read audio '{path}': the stream is text, not audio.");
                default:
                    throw NotStreamable(path, "an unrecognised format");
            }
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    private static FlamException NotStreamable(string path, string format) =>
        new($"Cannot read audio '{path}': it is a stream of {format}; from standard input or a pipe Flam reads only WAV (PCM or float), " +
            "FLAC, MP3 and Ogg Vorbis. Convert on the way in, e.g. ffmpeg -i … -f wav - | flam detect - ….");

    private static AudioDecoder OpenStream(FileStream stream, string path, int? targetSampleRate, AudioDecodeOptions options, bool runFfmpeg)
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
                return ThroughFfmpeg(path, header.FormatName, targetSampleRate, options, runFfmpeg);
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
                return ThroughFfmpeg(path, codec, targetSampleRate, options, runFfmpeg);
            case Kind.Text:
                throw new FlamException($"Cannot read audio '{path}': it is a text file, not audio.");
            default:
                stream.Dispose();
                return ThroughFfmpeg(path, "an unrecognised format", targetSampleRate, options, runFfmpeg);
        }
    }

    private static AudioDecoder ThroughFfmpeg(string path, string format, int? targetSampleRate, AudioDecodeOptions options, bool runFfmpeg)
    {
        var ffmpeg = options.LocateFfmpeg() ?? throw new FlamException(
            $"Cannot decode '{path}': Flam has no built-in decoder for {format}, and ffmpeg, which is needed for it, was not found on PATH. " +
            "Install ffmpeg or convert the file to WAV, FLAC, MP3 or Ogg Vorbis.");
        if (!runFfmpeg)
        {
            return new FfmpegProbe(new AudioInfo(path, 0, 0, -1, "ffmpeg/" + format));
        }
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
