using System.Buffers.Binary;

namespace Flam.Audio;

/// <summary>What the "fmt " and "data" chunks of a RIFF/RF64 WAVE file say.</summary>
/// <param name="FormatTag">The codec: the wFormatTag, or the sub-format of WAVE_FORMAT_EXTENSIBLE.</param>
/// <param name="Channels">Channel count.</param>
/// <param name="SampleRate">Samples per second per channel.</param>
/// <param name="ContainerBits">Bits each sample occupies in the file.</param>
/// <param name="BlockAlign">Bytes per frame (all channels).</param>
/// <param name="DataOffset">File offset of the first sample byte.</param>
/// <param name="DataBytes">Sample bytes actually present (already clamped to the file length).</param>
internal sealed record WavHeader(int FormatTag, int Channels, int SampleRate, int ContainerBits, int BlockAlign, long DataOffset, long DataBytes)
{
    public const int Pcm = 1;
    public const int IeeeFloat = 3;

    /// <summary><see cref="DataBytes"/> of a stream whose data runs to its end, length unknown.</summary>
    public const long Unbounded = long.MaxValue;

    /// <summary>Whether <see cref="WavDecoder"/> decodes this codec and sample size itself.</summary>
    public bool IsSupported =>
        BlockAlign == Channels * ContainerBits / 8 &&
        ((FormatTag == Pcm && ContainerBits is 8 or 16 or 24 or 32) || (FormatTag == IeeeFloat && ContainerBits is 32 or 64));

    /// <summary>Short format name, e.g. "wav/pcm16", "wav/float32", "wav/0x0002 (MS ADPCM)".</summary>
    public string FormatName => FormatTag switch
    {
        Pcm => $"wav/pcm{ContainerBits}",
        IeeeFloat => $"wav/float{ContainerBits}",
        _ => $"wav/0x{FormatTag:X4} ({CodecName(FormatTag)})",
    };

    private static string CodecName(int tag) => tag switch
    {
        0x0002 => "MS ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG Layer 3",
        0x00FF => "AAC",
        0x2000 => "AC-3",
        _ => "unknown codec",
    };

    /// <summary>
    /// Parses the chunks up to "data", skipping unknown ones (LIST, fact, bext, ... with their pad byte).
    /// A data chunk that claims more bytes than the file holds is clamped with a warning.
    /// </summary>
    public static WavHeader Read(Stream stream, string path, Action<string> warn)
    {
        Span<byte> head = stackalloc byte[12];
        ReadExactly(stream, head, path, "RIFF header");
        var riff = head[..4];
        var isRf64 = riff.SequenceEqual("RF64"u8) || riff.SequenceEqual("BW64"u8);
        if (!riff.SequenceEqual("RIFF"u8) && !isRf64 || !head[8..12].SequenceEqual("WAVE"u8))
        {
            throw new FlamException($"'{path}' is not a WAV file (no RIFF/WAVE header).");
        }
        long ds64DataBytes = -1;
        (int Tag, int Channels, int Rate, int Bits, int Align)? fmt = null;
        Span<byte> chunk = stackalloc byte[8];
        Span<byte> ds64 = stackalloc byte[24];
        while (true)
        {
            ReadExactly(stream, chunk, path, "chunk header");
            var id = chunk[..4];
            long size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (id.SequenceEqual("data"u8))
            {
                if (fmt is not { } f)
                {
                    throw new FlamException($"'{path}' is not a valid WAV file: the data chunk comes before the fmt chunk.");
                }
                if (isRf64 && size == uint.MaxValue && ds64DataBytes >= 0)
                {
                    size = ds64DataBytes;
                }
                var offset = stream.Position;
                if (!stream.CanSeek)
                {
                    // On a pipe the writer cannot go back to fill in the size: ffmpeg leaves 0xFFFFFFFF (or 0). Read to the end.
                    if (size is 0 or uint.MaxValue)
                    {
                        size = Unbounded;
                    }
                    else if (f.Align > 0)
                    {
                        size -= size % f.Align;
                    }
                    return new WavHeader(f.Tag, f.Channels, f.Rate, f.Bits, f.Align, offset, size);
                }
                var available = stream.Length - offset;
                if (size > available)
                {
                    warn($"'{path}': the data chunk claims {size} bytes but the file holds only {available}; decoding what is there.");
                    size = available;
                }
                if (f.Align > 0)
                {
                    size -= size % f.Align;
                }
                return new WavHeader(f.Tag, f.Channels, f.Rate, f.Bits, f.Align, offset, size);
            }
            if (id.SequenceEqual("fmt "u8))
            {
                fmt = ReadFormat(stream, size, path);
                continue;
            }
            if (id.SequenceEqual("ds64"u8) && size >= 24)
            {
                ReadExactly(stream, ds64, path, "ds64 chunk");
                ds64DataBytes = (long)BinaryPrimitives.ReadUInt64LittleEndian(ds64[8..]);
                Skip(stream, size - 24 + (size & 1), path);
                continue;
            }
            Skip(stream, size + (size & 1), path);
        }
    }

    private static (int, int, int, int, int) ReadFormat(Stream stream, long size, string path)
    {
        if (size < 16)
        {
            throw new FlamException($"'{path}' is not a valid WAV file: its fmt chunk has {size} bytes (at least 16 needed).");
        }
        var fmt = new byte[Math.Min(size, 64)];
        ReadExactly(stream, fmt, path, "fmt chunk");
        Skip(stream, size - fmt.Length + (size & 1), path);
        int tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(2));
        var rate = BinaryPrimitives.ReadUInt32LittleEndian(fmt.AsSpan(4));
        int align = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(12));
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(14));
        if (channels == 0)
        {
            throw new FlamException($"'{path}' is not a valid WAV file: it declares 0 channels.");
        }
        if (rate == 0 || rate > int.MaxValue)
        {
            throw new FlamException($"'{path}' is not a valid WAV file: it declares a sample rate of {rate} Hz.");
        }
        if (tag == 0xFFFE)
        {
            // WAVE_FORMAT_EXTENSIBLE: the codec is the first two bytes of the sub-format GUID (…-0000-0010-8000-00AA00389B71).
            if (fmt.Length < 40)
            {
                throw new FlamException($"'{path}' is not a valid WAV file: its WAVE_FORMAT_EXTENSIBLE fmt chunk has only {fmt.Length} bytes.");
            }
            tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt.AsSpan(24));
        }
        return (tag, channels, (int)rate, bits, align);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        var start = stream.Position;
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read < buffer.Length)
        {
            throw new FlamException(
                $"'{path}' is truncated: the file ends at byte {start + read} inside the WAV header ({what}), before any audio data.");
        }
    }

    private static void Skip(Stream stream, long bytes, string path)
    {
        if (!stream.CanSeek)
        {
            try
            {
                // ForwardStream skips by reading.
                stream.Seek(bytes, SeekOrigin.Current);
            }
            catch (EndOfStreamException)
            {
                throw new FlamException($"'{path}' is truncated: the stream ends at byte {stream.Position} inside the WAV header, before any audio data.");
            }
            return;
        }
        if (stream.Position + bytes > stream.Length)
        {
            throw new FlamException($"'{path}' is truncated: the file ends at byte {stream.Length} inside the WAV header, before any audio data.");
        }
        stream.Seek(bytes, SeekOrigin.Current);
    }
}

/// <summary>Streams PCM (8-bit unsigned, 16/24/32-bit signed) and IEEE float (32/64-bit) WAV data as mono float32.</summary>
internal sealed class WavDecoder : AudioDecoder
{
    private const int FramesPerRead = 8192;
    private readonly Stream _stream;
    private readonly WavHeader _header;
    private readonly byte[] _bytes;
    private readonly float[] _interleaved;
    private long _remaining;

    public WavDecoder(Stream stream, WavHeader header, string path)
    {
        _stream = stream;
        _header = header;
        Info = new AudioInfo(path, header.SampleRate, header.Channels, header.DataBytes == WavHeader.Unbounded ? -1 : header.DataBytes / header.BlockAlign, header.FormatName);
        _bytes = new byte[FramesPerRead * header.BlockAlign];
        _interleaved = new float[FramesPerRead * header.Channels];
        _remaining = header.DataBytes;
        _stream.Position = header.DataOffset;
    }

    public override AudioInfo Info { get; }

    public override int Read(Span<float> destination)
    {
        var align = _header.BlockAlign;
        var frames = (int)Math.Min(Math.Min(destination.Length, FramesPerRead), _remaining / align);
        if (frames == 0)
        {
            return 0;
        }
        var bytes = _bytes.AsSpan(0, frames * align);
        var read = _stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        // The file may shrink while we read it; keep whole frames only.
        frames = read / align;
        _remaining = read < bytes.Length ? 0 : _remaining - read;
        var samples = _interleaved.AsSpan(0, frames * _header.Channels);
        Convert(bytes[..(frames * align)], samples);
        Downmix(samples, _header.Channels, destination[..frames]);
        return frames;
    }

    private void Convert(ReadOnlySpan<byte> b, Span<float> s)
    {
        switch (_header.FormatTag, _header.ContainerBits)
        {
            case (WavHeader.Pcm, 8):
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = (b[i] - 128) * (1f / 128);
                }
                break;
            case (WavHeader.Pcm, 16):
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = BinaryPrimitives.ReadInt16LittleEndian(b[(2 * i)..]) * (1f / 32768);
                }
                break;
            case (WavHeader.Pcm, 24):
                for (var i = 0; i < s.Length; i++)
                {
                    // Assemble the 24-bit value in the top of an int so the sign extends by the arithmetic shift.
                    var v = (b[3 * i] << 8) | (b[3 * i + 1] << 16) | (b[3 * i + 2] << 24);
                    s[i] = (v >> 8) * (1f / 8388608);
                }
                break;
            case (WavHeader.Pcm, 32):
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(b[(4 * i)..]) * (1.0 / 2147483648.0));
                }
                break;
            case (WavHeader.IeeeFloat, 32):
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = BinaryPrimitives.ReadSingleLittleEndian(b[(4 * i)..]);
                }
                break;
            case (WavHeader.IeeeFloat, 64):
                for (var i = 0; i < s.Length; i++)
                {
                    s[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(b[(8 * i)..]);
                }
                break;
            default:
                throw new InvalidOperationException("Unsupported WAV encoding reached the decoder: " + _header.FormatName);
        }
    }

    public override void Dispose() => _stream.Dispose();
}
