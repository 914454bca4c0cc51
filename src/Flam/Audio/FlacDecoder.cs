using System.Numerics;

namespace Flam.Audio;

/// <summary>
/// A compact managed FLAC decoder (no maintained managed one exists in the package set): STREAMINFO, frames with
/// fixed or variable block size, CONSTANT / VERBATIM / FIXED / LPC subframes, Rice partitions (4- and 5-bit
/// parameters, escape codes), wasted bits, independent and left/right/mid-side stereo, 4–32 bits per sample.
/// Decodes one frame at a time, so memory does not grow with the file. Frame CRCs are not checked; a frame that does
/// not parse ends decoding with an error naming the file and the byte offset.
/// </summary>
internal sealed class FlacDecoder : AudioDecoder
{
    private readonly FlacBitReader _bits;
    private readonly int _streamBits;
    private readonly int _streamRate;
    private readonly int _streamChannels;
    private long[][] _channels = [];   // decoded samples of the current frame, per channel
    private int _blockSize;            // samples per channel in the current frame
    private int _blockPosition;        // next sample of the current frame to hand out
    private float _scale;
    private bool _ended;

    public FlacDecoder(Stream stream, string path)
    {
        _bits = new FlacBitReader(stream);
        if (_bits.ReadBits(32) != 0x664C6143)
        {
            throw new FlamException($"'{path}' is not a FLAC file (no 'fLaC' marker).");
        }
        bool last;
        long totalSamples = 0;
        var sawStreamInfo = false;
        do
        {
            last = _bits.ReadBits(1) == 1;
            var type = (int)_bits.ReadBits(7);
            var length = (int)_bits.ReadBits(24);
            if (_bits.AtEnd)
            {
                throw new FlamException($"'{path}' is truncated inside the FLAC metadata.");
            }
            if (type == 0)
            {
                if (length < 34)
                {
                    throw new FlamException($"'{path}' is not a valid FLAC file: STREAMINFO has {length} bytes (34 needed).");
                }
                _bits.ReadBits(16); // minimum block size
                _bits.ReadBits(16); // maximum block size
                _bits.ReadBits(24); // minimum frame size
                _bits.ReadBits(24); // maximum frame size
                _streamRate = (int)_bits.ReadBits(20);
                _streamChannels = (int)_bits.ReadBits(3) + 1;
                _streamBits = (int)_bits.ReadBits(5) + 1;
                totalSamples = (long)_bits.ReadBits(4) << 32 | _bits.ReadBits(32);
                _bits.SkipBytes(16 + length - 34); // MD5 signature
                sawStreamInfo = true;
            }
            else
            {
                _bits.SkipBytes(length);
            }
            if (_bits.AtEnd && !last)
            {
                throw new FlamException($"'{path}' is truncated inside the FLAC metadata.");
            }
        }
        while (!last);
        if (!sawStreamInfo)
        {
            throw new FlamException($"'{path}' is not a valid FLAC file: it has no STREAMINFO block.");
        }
        if (_streamRate == 0)
        {
            throw new FlamException($"'{path}' is not a valid FLAC file: it declares a sample rate of 0 Hz.");
        }
        Info = new AudioInfo(path, _streamRate, _streamChannels, totalSamples == 0 ? -1 : totalSamples, "flac");
    }

    public override AudioInfo Info { get; }

    public override int Read(Span<float> destination)
    {
        var written = 0;
        while (written < destination.Length)
        {
            if (_blockPosition == _blockSize)
            {
                if (_ended || !DecodeFrame())
                {
                    _ended = true;
                    break;
                }
            }
            var n = Math.Min(_blockSize - _blockPosition, destination.Length - written);
            var channels = _channels.Length;
            var scale = _scale / channels;
            for (var i = 0; i < n; i++)
            {
                long sum = 0;
                for (var c = 0; c < channels; c++)
                {
                    sum += _channels[c][_blockPosition + i];
                }
                destination[written + i] = sum * scale;
            }
            _blockPosition += n;
            written += n;
        }
        return written;
    }

    public override void Dispose() => _bits.Dispose();

    private FlamException Corrupt(string problem) =>
        new($"'{Info.Path}' is not a valid FLAC stream: {problem} (near byte {_bits.BytePosition}).");

    /// <summary>Decodes the next frame into <see cref="_channels"/>; false at the end of the stream.</summary>
    private bool DecodeFrame()
    {
        _bits.AlignToByte();
        if (!_bits.FindFrameSync())
        {
            return false;
        }
        // Frame header: after the 14 sync bits, reserved and blocking-strategy bits.
        _bits.ReadBits(2);
        var blockCode = (int)_bits.ReadBits(4);
        var rateCode = (int)_bits.ReadBits(4);
        var assignment = (int)_bits.ReadBits(4);
        var sizeCode = (int)_bits.ReadBits(3);
        _bits.ReadBits(1);
        _bits.ReadUtf8Number();
        var blockSize = blockCode switch
        {
            0 => throw Corrupt("reserved block size"),
            1 => 192,
            <= 5 => 576 << (blockCode - 2),
            6 => (int)_bits.ReadBits(8) + 1,
            7 => (int)_bits.ReadBits(16) + 1,
            _ => 256 << (blockCode - 8),
        };
        switch (rateCode)
        {
            case 12: _bits.ReadBits(8); break;
            case 13 or 14: _bits.ReadBits(16); break;
            case 15: throw Corrupt("invalid sample rate code");
        }
        var bitsPerSample = sizeCode switch
        {
            0 => _streamBits,
            1 => 8,
            2 => 12,
            4 => 16,
            5 => 20,
            6 => 24,
            7 => 32,
            _ => throw Corrupt("reserved sample size"),
        };
        _bits.ReadBits(8); // CRC-8 of the header
        var channelCount = assignment switch
        {
            <= 7 => assignment + 1,
            <= 10 => 2,
            _ => throw Corrupt("reserved channel assignment"),
        };
        if (channelCount != _streamChannels)
        {
            throw Corrupt($"a frame has {channelCount} channels, STREAMINFO says {_streamChannels}");
        }
        if (_channels.Length != channelCount || _channels[0].Length < blockSize)
        {
            _channels = new long[channelCount][];
            for (var c = 0; c < channelCount; c++)
            {
                _channels[c] = new long[Math.Max(blockSize, 4608)];
            }
        }
        for (var c = 0; c < channelCount; c++)
        {
            // The side channel carries one extra bit.
            var sideBit = (assignment == 8 && c == 1) || (assignment == 9 && c == 0) || (assignment == 10 && c == 1) ? 1 : 0;
            DecodeSubframe(_channels[c].AsSpan(0, blockSize), bitsPerSample + sideBit);
        }
        Decorrelate(assignment, blockSize);
        _bits.AlignToByte();
        _bits.ReadBits(16); // CRC-16 of the frame
        if (_bits.AtEnd)
        {
            throw Corrupt("the file ends inside a frame");
        }
        _blockSize = blockSize;
        _blockPosition = 0;
        _scale = 1f / (1L << (bitsPerSample - 1));
        return true;
    }

    private void Decorrelate(int assignment, int n)
    {
        if (assignment < 8)
        {
            return;
        }
        var a = _channels[0].AsSpan(0, n);
        var b = _channels[1].AsSpan(0, n);
        for (var i = 0; i < n; i++)
        {
            switch (assignment)
            {
                case 8: // left, side = left − right
                    b[i] = a[i] - b[i];
                    break;
                case 9: // side, right
                    a[i] += b[i];
                    break;
                default: // mid = (left + right) >> 1 with the lost bit recovered from side
                    var side = b[i];
                    var mid = (a[i] << 1) | (side & 1);
                    a[i] = (mid + side) >> 1;
                    b[i] = (mid - side) >> 1;
                    break;
            }
        }
    }

    private void DecodeSubframe(Span<long> output, int bitsPerSample)
    {
        if (_bits.ReadBits(1) != 0)
        {
            throw Corrupt("subframe padding bit set");
        }
        var type = (int)_bits.ReadBits(6);
        var wasted = 0;
        if (_bits.ReadBits(1) == 1)
        {
            wasted = _bits.ReadUnary() + 1;
            bitsPerSample -= wasted;
            if (bitsPerSample <= 0)
            {
                throw Corrupt("more wasted bits than sample bits");
            }
        }
        switch (type)
        {
            case 0:
                output.Fill(_bits.ReadSigned(bitsPerSample));
                break;
            case 1:
                for (var i = 0; i < output.Length; i++)
                {
                    output[i] = _bits.ReadSigned(bitsPerSample);
                }
                break;
            case >= 8 and <= 12:
                DecodeFixed(output, type - 8, bitsPerSample);
                break;
            case >= 32:
                DecodeLpc(output, type - 31, bitsPerSample);
                break;
            default:
                throw Corrupt($"reserved subframe type {type}");
        }
        if (wasted > 0)
        {
            for (var i = 0; i < output.Length; i++)
            {
                output[i] <<= wasted;
            }
        }
    }

    private void DecodeFixed(Span<long> s, int order, int bitsPerSample)
    {
        if (order > s.Length)
        {
            throw Corrupt("predictor order exceeds the block size");
        }
        for (var i = 0; i < order; i++)
        {
            s[i] = _bits.ReadSigned(bitsPerSample);
        }
        DecodeResidual(s, order);
        // The fixed predictors are the polynomial extrapolations of orders 0–4.
        switch (order)
        {
            case 1:
                for (var i = 1; i < s.Length; i++) s[i] += s[i - 1];
                break;
            case 2:
                for (var i = 2; i < s.Length; i++) s[i] += 2 * s[i - 1] - s[i - 2];
                break;
            case 3:
                for (var i = 3; i < s.Length; i++) s[i] += 3 * s[i - 1] - 3 * s[i - 2] + s[i - 3];
                break;
            case 4:
                for (var i = 4; i < s.Length; i++) s[i] += 4 * s[i - 1] - 6 * s[i - 2] + 4 * s[i - 3] - s[i - 4];
                break;
        }
    }

    private void DecodeLpc(Span<long> s, int order, int bitsPerSample)
    {
        if (order > s.Length)
        {
            throw Corrupt("predictor order exceeds the block size");
        }
        for (var i = 0; i < order; i++)
        {
            s[i] = _bits.ReadSigned(bitsPerSample);
        }
        var precision = (int)_bits.ReadBits(4) + 1;
        if (precision == 16)
        {
            throw Corrupt("invalid LPC coefficient precision");
        }
        var shift = (int)_bits.ReadSigned(5);
        if (shift < 0)
        {
            throw Corrupt("negative LPC shift");
        }
        Span<long> coefficients = stackalloc long[32];
        for (var i = 0; i < order; i++)
        {
            coefficients[i] = _bits.ReadSigned(precision);
        }
        DecodeResidual(s, order);
        for (var i = order; i < s.Length; i++)
        {
            long prediction = 0;
            for (var j = 0; j < order; j++)
            {
                prediction += coefficients[j] * s[i - 1 - j];
            }
            s[i] += prediction >> shift;
        }
    }

    /// <summary>Reads the Rice-coded residual into <paramref name="s"/>[order..].</summary>
    private void DecodeResidual(Span<long> s, int order)
    {
        var method = (int)_bits.ReadBits(2);
        if (method > 1)
        {
            throw Corrupt("reserved residual coding method");
        }
        var parameterBits = method == 0 ? 4 : 5;
        var escape = (1 << parameterBits) - 1;
        var partitionOrder = (int)_bits.ReadBits(4);
        var partitions = 1 << partitionOrder;
        var perPartition = s.Length >> partitionOrder;
        if (perPartition << partitionOrder != s.Length || perPartition < order)
        {
            throw Corrupt("partition order does not fit the block size");
        }
        var i = order;
        for (var p = 0; p < partitions; p++)
        {
            var end = (p + 1) * perPartition;
            var parameter = (int)_bits.ReadBits(parameterBits);
            if (parameter == escape)
            {
                // Escaped partition: plain signed numbers of a given width.
                var width = (int)_bits.ReadBits(5);
                for (; i < end; i++)
                {
                    s[i] = width == 0 ? 0 : _bits.ReadSigned(width);
                }
            }
            else
            {
                for (; i < end; i++)
                {
                    s[i] = _bits.ReadRice(parameter);
                }
            }
        }
    }
}

/// <summary>Big-endian bit reader over a stream, buffered, with a 64-bit cache.</summary>
internal sealed class FlacBitReader(Stream stream) : IDisposable
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _bufferLength;
    private int _bufferPosition;
    private long _bufferOffset; // stream offset of _buffer[0]
    private ulong _cache;       // unread bits, left-aligned
    private int _cacheBits;

    /// <summary>True once a read ran past the end of the stream (the missing bits read as zeros).</summary>
    public bool AtEnd { get; private set; }

    public long BytePosition => _bufferOffset + _bufferPosition - _cacheBits / 8;

    private bool Fill()
    {
        while (_cacheBits <= 56)
        {
            if (_bufferPosition == _bufferLength)
            {
                _bufferOffset += _bufferLength;
                _bufferLength = stream.Read(_buffer, 0, _buffer.Length);
                _bufferPosition = 0;
                if (_bufferLength == 0)
                {
                    return false;
                }
            }
            _cache |= (ulong)_buffer[_bufferPosition++] << (56 - _cacheBits);
            _cacheBits += 8;
        }
        return true;
    }

    /// <summary>Reads <paramref name="n"/> (0–32) bits as an unsigned number.</summary>
    public uint ReadBits(int n)
    {
        if (n == 0)
        {
            return 0;
        }
        if (_cacheBits < n && !Fill() && _cacheBits < n)
        {
            AtEnd = true;
            _cacheBits = n; // the cache holds zeros past the end
        }
        var value = (uint)(_cache >> (64 - n));
        _cache <<= n;
        _cacheBits -= n;
        return value;
    }

    /// <summary>Reads an <paramref name="n"/>-bit two's-complement number (n ≤ 33).</summary>
    public long ReadSigned(int n)
    {
        if (n > 32)
        {
            var high = (long)ReadBits(n - 32) << 32;
            var raw = high | ReadBits(32);
            return raw << (64 - n) >> (64 - n);
        }
        var value = (long)ReadBits(n);
        return value << (64 - n) >> (64 - n);
    }

    /// <summary>Counts zero bits up to (and consumes) the next one bit.</summary>
    public int ReadUnary()
    {
        var count = 0;
        while (true)
        {
            if (_cacheBits == 0 && !Fill() && _cacheBits == 0)
            {
                AtEnd = true;
                return count;
            }
            var zeros = _cache == 0 ? 64 : BitOperations.LeadingZeroCount(_cache);
            if (zeros < _cacheBits)
            {
                count += zeros;
                _cache <<= zeros + 1;
                _cacheBits -= zeros + 1;
                return count;
            }
            count += _cacheBits;
            _cache = 0;
            _cacheBits = 0;
        }
    }

    /// <summary>A Rice-coded signed number: unary quotient, <paramref name="k"/> remainder bits, zig-zag sign.</summary>
    public long ReadRice(int k)
    {
        var value = ((ulong)(uint)ReadUnary() << k) | ReadBits(k);
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    /// <summary>The UTF-8-style coded frame or sample number of a frame header.</summary>
    public ulong ReadUtf8Number()
    {
        ulong first = ReadBits(8);
        var extra = first < 0x80 ? 0 : BitOperations.LeadingZeroCount((uint)(~first << 24)) - 1;
        var value = extra == 0 ? first : first & ((1UL << (6 - extra)) - 1);
        for (var i = 0; i < extra; i++)
        {
            value = (value << 6) | (ReadBits(8) & 0x3F);
        }
        return value;
    }

    public void AlignToByte()
    {
        var drop = _cacheBits % 8;
        _cache <<= drop;
        _cacheBits -= drop;
    }

    public void SkipBytes(long count)
    {
        for (; count > 0 && _cacheBits >= 8; count--)
        {
            ReadBits(8);
        }
        var inBuffer = Math.Min(count, _bufferLength - _bufferPosition);
        _bufferPosition += (int)inBuffer;
        count -= inBuffer;
        if (count > 0)
        {
            stream.Seek(count, SeekOrigin.Current);
            _bufferOffset += _bufferLength + count;
            _bufferLength = _bufferPosition = 0;
        }
    }

    /// <summary>Advances (byte-aligned) to the next frame sync code 0xFFF8/0xFFF9 and consumes its first 14 bits.</summary>
    public bool FindFrameSync()
    {
        while (true)
        {
            if (_cacheBits < 16 && !Fill() && _cacheBits < 16)
            {
                return false;
            }
            if ((_cache >> 49) == 0x7FFC)
            {
                ReadBits(14);
                return true;
            }
            ReadBits(8);
        }
    }

    public void Dispose() => stream.Dispose();
}
