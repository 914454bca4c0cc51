namespace Flam.Tests.Audio;

/// <summary>
/// Writes FLAC streams bit by bit for tests, so that features the reference encoder rarely emits (VERBATIM,
/// left/side, 5-bit Rice parameters, escaped partitions) can be decoded and compared with known samples.
/// Frames use a fixed block size written explicitly in the header, and carry correct CRC-8/CRC-16.
/// </summary>
internal sealed class FlacStreamBuilder(int sampleRate, int channels, int bitsPerSample)
{
    private readonly List<byte> _frames = [];
    private int _frameNumber;
    private long _samples;

    /// <summary>How one residual partition is coded: a Rice parameter, or an escape with raw numbers of <c>RawBits</c>.</summary>
    public sealed record Partition(int RiceParameter = -1, int RawBits = -1);

    /// <summary>A subframe: what it codes and how.</summary>
    public abstract record Subframe(int Wasted = 0);
    public sealed record Constant(long Value) : Subframe;
    public sealed record Verbatim(long[] Samples, int WastedBits = 0) : Subframe(WastedBits);
    public sealed record Fixed(long[] Samples, int Order, int Method, Partition[] Partitions) : Subframe;
    public sealed record Lpc(long[] Samples, int[] Coefficients, int Precision, int Shift, int Method, Partition[] Partitions) : Subframe;

    public void AddFrame(int blockSize, int assignment, params Subframe[] subframes)
    {
        var w = new BitWriter();
        w.Write(0x3FFE, 14);
        w.Write(0, 1);                 // reserved
        w.Write(0, 1);                 // fixed block size
        w.Write(7, 4);                 // block size: 16 bits at the end of the header
        w.Write(0, 4);                 // sample rate: from STREAMINFO
        w.Write((ulong)assignment, 4);
        w.Write(0, 3);                 // sample size: from STREAMINFO
        w.Write(0, 1);
        w.Write((ulong)_frameNumber++, 8); // UTF-8 coded frame number (< 128: one byte)
        w.Write((ulong)(blockSize - 1), 16);
        w.Write(Crc8(w.Bytes), 8);
        for (var c = 0; c < subframes.Length; c++)
        {
            var side = (assignment == 8 && c == 1) || (assignment == 9 && c == 0) || (assignment == 10 && c == 1) ? 1 : 0;
            WriteSubframe(w, subframes[c], bitsPerSample + side);
        }
        w.AlignToByte();
        w.Write(Crc16(w.Bytes), 16);
        _frames.AddRange(w.Bytes);
        _samples += blockSize;
    }

    public byte[] Build()
    {
        var w = new BitWriter();
        w.Write(0x664C6143, 32);       // "fLaC"
        w.Write(1, 1);                 // last metadata block
        w.Write(0, 7);                 // STREAMINFO
        w.Write(34, 24);
        w.Write(16, 16);
        w.Write(65535, 16);
        w.Write(0, 24);
        w.Write(0, 24);
        w.Write((ulong)sampleRate, 20);
        w.Write((ulong)(channels - 1), 3);
        w.Write((ulong)(bitsPerSample - 1), 5);
        w.Write((ulong)_samples, 36);
        for (var i = 0; i < 16; i++)
        {
            w.Write(0, 8);             // MD5 unknown
        }
        return [.. w.Bytes, .. _frames];
    }

    private static void WriteSubframe(BitWriter w, Subframe subframe, int bits)
    {
        w.Write(0, 1);
        var type = subframe switch
        {
            Constant => 0,
            Verbatim => 1,
            Fixed f => 8 + f.Order,
            Lpc l => 32 + l.Coefficients.Length - 1,
            _ => throw new ArgumentException("unknown subframe"),
        };
        w.Write((ulong)type, 6);
        var wasted = subframe.Wasted;
        w.Write(wasted > 0 ? 1UL : 0UL, 1);
        if (wasted > 0)
        {
            w.WriteUnary((uint)(wasted - 1));
        }
        bits -= wasted;
        switch (subframe)
        {
            case Constant c:
                w.WriteSigned(c.Value, bits);
                break;
            case Verbatim v:
                foreach (var s in v.Samples)
                {
                    w.WriteSigned(s >> wasted, bits);
                }
                break;
            case Fixed f:
                for (var i = 0; i < f.Order; i++)
                {
                    w.WriteSigned(f.Samples[i], bits);
                }
                WriteResidual(w, FixedResidual(f.Samples, f.Order), f.Order, f.Method, f.Partitions);
                break;
            case Lpc l:
                var order = l.Coefficients.Length;
                for (var i = 0; i < order; i++)
                {
                    w.WriteSigned(l.Samples[i], bits);
                }
                w.Write((ulong)(l.Precision - 1), 4);
                w.WriteSigned(l.Shift, 5);
                foreach (var c in l.Coefficients)
                {
                    w.WriteSigned(c, l.Precision);
                }
                var residual = new long[l.Samples.Length];
                for (var i = order; i < residual.Length; i++)
                {
                    long prediction = 0;
                    for (var j = 0; j < order; j++)
                    {
                        prediction += l.Coefficients[j] * l.Samples[i - 1 - j];
                    }
                    residual[i] = l.Samples[i] - (prediction >> l.Shift);
                }
                WriteResidual(w, residual, order, l.Method, l.Partitions);
                break;
        }
    }

    /// <summary>Residual of the fixed polynomial predictor: the order-th finite difference.</summary>
    public static long[] FixedResidual(long[] s, int order)
    {
        var r = new long[s.Length];
        for (var i = order; i < s.Length; i++)
        {
            r[i] = order switch
            {
                0 => s[i],
                1 => s[i] - s[i - 1],
                2 => s[i] - 2 * s[i - 1] + s[i - 2],
                3 => s[i] - 3 * s[i - 1] + 3 * s[i - 2] - s[i - 3],
                _ => s[i] - 4 * s[i - 1] + 6 * s[i - 2] - 4 * s[i - 3] + s[i - 4],
            };
        }
        return r;
    }

    private static void WriteResidual(BitWriter w, long[] residual, int order, int method, Partition[] partitions)
    {
        w.Write((ulong)method, 2);
        var partitionOrder = System.Numerics.BitOperations.Log2((uint)partitions.Length);
        w.Write((ulong)partitionOrder, 4);
        var per = residual.Length / partitions.Length;
        var parameterBits = method == 0 ? 4 : 5;
        for (var p = 0; p < partitions.Length; p++)
        {
            var start = p == 0 ? order : p * per;
            var end = (p + 1) * per;
            var partition = partitions[p];
            if (partition.RawBits >= 0)
            {
                w.Write((1UL << parameterBits) - 1, parameterBits);
                w.Write((ulong)partition.RawBits, 5);
                for (var i = start; i < end; i++)
                {
                    if (partition.RawBits > 0)
                    {
                        w.WriteSigned(residual[i], partition.RawBits);
                    }
                    else if (residual[i] != 0)
                    {
                        throw new ArgumentException("a zero-width escaped partition needs a zero residual");
                    }
                }
            }
            else
            {
                var k = partition.RiceParameter;
                w.Write((ulong)k, parameterBits);
                for (var i = start; i < end; i++)
                {
                    var v = residual[i];
                    var folded = (ulong)((v << 1) ^ (v >> 63)); // zig-zag: 0, −1, 1, −2, … → 0, 1, 2, 3, …
                    w.WriteUnary((uint)(folded >> k));
                    w.Write(folded & ((1UL << k) - 1), k);
                }
            }
        }
    }

    private static ulong Crc8(IReadOnlyList<byte> bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x80) != 0 ? ((crc << 1) ^ 0x07) & 0xFF : (crc << 1) & 0xFF;
            }
        }
        return (ulong)crc;
    }

    private static ulong Crc16(IReadOnlyList<byte> bytes)
    {
        var crc = 0;
        foreach (var b in bytes)
        {
            crc ^= b << 8;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x8005) & 0xFFFF : (crc << 1) & 0xFFFF;
            }
        }
        return (ulong)crc;
    }

    /// <summary>Big-endian bit writer.</summary>
    private sealed class BitWriter
    {
        private int _bitCount;

        public List<byte> Bytes { get; } = [];

        public void Write(ulong value, int n)
        {
            for (var i = n - 1; i >= 0; i--)
            {
                if (_bitCount % 8 == 0)
                {
                    Bytes.Add(0);
                }
                if (((value >> i) & 1) != 0)
                {
                    Bytes[^1] |= (byte)(0x80 >> (_bitCount % 8));
                }
                _bitCount++;
            }
        }

        public void WriteSigned(long value, int n)
        {
            var min = -(1L << (n - 1));
            if (value < min || value > -min - 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), $"{value} does not fit in {n} signed bits");
            }
            Write((ulong)value & ((1UL << n) - 1), n);
        }

        public void WriteUnary(uint zeros)
        {
            for (var i = 0; i < zeros; i++)
            {
                Write(0, 1);
            }
            Write(1, 1);
        }

        public void AlignToByte()
        {
            while (_bitCount % 8 != 0)
            {
                Write(0, 1);
            }
        }
    }
}
