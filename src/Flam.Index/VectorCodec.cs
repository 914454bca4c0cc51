using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Flam.Index;

/// <summary>
/// Encodes unit-length embeddings into fixed-size records of one <see cref="VectorStorage"/> and computes dot products
/// with a float query straight from the records (SIMD where the CPU has it). An int8 record is its d codes alone: the
/// decoded vector is the codes scaled to unit length, and that scale follows from the codes.
/// </summary>
internal sealed class VectorCodec(VectorStorage storage, int dimension)
{
    public VectorStorage Storage => storage;

    public int Dimension => dimension;

    /// <summary>Bytes of one record.</summary>
    public int RecordBytes { get; } = storage switch
    {
        VectorStorage.Int8 => dimension,
        VectorStorage.Float16 => 2 * dimension,
        VectorStorage.Float32 => 4 * dimension,
        _ => throw new ArgumentOutOfRangeException(nameof(storage), storage, null),
    };

    /// <summary>Writes <paramref name="vector"/> (d values) as one record.</summary>
    public void Encode(ReadOnlySpan<float> vector, Span<byte> record)
    {
        switch (storage)
        {
            case VectorStorage.Int8:
                var max = 0f;
                foreach (var v in vector) max = Math.Max(max, Math.Abs(v));
                var step = max > 0 ? max / 127f : 1f;
                var codes = MemoryMarshal.Cast<byte, sbyte>(record[..dimension]);
                for (var i = 0; i < dimension; i++)
                {
                    codes[i] = (sbyte)Math.Clamp(MathF.Round(vector[i] / step), -127, 127);
                }
                break;
            case VectorStorage.Float16:
                var halves = MemoryMarshal.Cast<byte, Half>(record);
                for (var i = 0; i < dimension; i++) halves[i] = (Half)vector[i];
                break;
            default:
                MemoryMarshal.Cast<float, byte>(vector).CopyTo(record);
                break;
        }
    }

    /// <summary>The values of one record.</summary>
    public void Decode(ReadOnlySpan<byte> record, Span<float> vector)
    {
        switch (storage)
        {
            case VectorStorage.Int8:
                var codes = MemoryMarshal.Cast<byte, sbyte>(record[..dimension]);
                var scale = UnitScale(Squares(codes));
                for (var i = 0; i < dimension; i++) vector[i] = codes[i] * scale;
                break;
            case VectorStorage.Float16:
                var halves = MemoryMarshal.Cast<byte, Half>(record[..(2 * dimension)]);
                for (var i = 0; i < dimension; i++) vector[i] = (float)halves[i];
                break;
            default:
                MemoryMarshal.Cast<byte, float>(record[..(4 * dimension)]).CopyTo(vector);
                break;
        }
    }

    /// <summary>
    /// The cosine of the record's vector with <paramref name="unitQuery"/> (unit length): the dot product of the record's
    /// vector normalised to unit length, as <see cref="Flam.Inference.FrameMaps"/> normalises frame embeddings.
    /// </summary>
    public float Cosine(ReadOnlySpan<byte> record, ReadOnlySpan<float> unitQuery)
    {
        switch (storage)
        {
            case VectorStorage.Int8:
                var dot = DotInt8(MemoryMarshal.Cast<byte, sbyte>(record[..dimension]), unitQuery, out var squares);
                return squares > 0 ? dot / MathF.Sqrt(squares) : 0f;
            case VectorStorage.Float16:
                var half = DotHalf(MemoryMarshal.Cast<byte, Half>(record[..(2 * dimension)]), unitQuery, out var halfSquares);
                return half / MathF.Max(MathF.Sqrt(halfSquares), 1e-12f);
            default:
                var values = MemoryMarshal.Cast<byte, float>(record[..(4 * dimension)]);
                return DotFloat(values, unitQuery) / MathF.Max(MathF.Sqrt(DotFloat(values, values)), 1e-12f);
        }
    }

    /// <summary>
    /// A query for <see cref="Cosines"/>: <paramref name="direction"/> scaled to unit length and, for int8 records, also
    /// held as 16-bit integers, so a record's dot product is exact integer arithmetic (Σ code·q fits 32 bits) and
    /// SIMD multiplies 16 pairs per instruction instead of converting every code to float.
    /// </summary>
    public CodecQuery Prepare(ReadOnlySpan<float> direction) => new(direction, storage == VectorStorage.Int8);

    /// <summary>
    /// The cosine of each of <paramref name="count"/> consecutive records with <paramref name="query"/> into
    /// <paramref name="cosines"/>; returns the largest.
    /// </summary>
    public float Cosines(ReadOnlySpan<byte> records, int count, CodecQuery query, Span<float> cosines)
    {
        var best = float.NegativeInfinity;
        for (var i = 0; i < count; i++)
        {
            var record = records.Slice(i * RecordBytes, RecordBytes);
            float cosine;
            if (storage == VectorStorage.Int8)
            {
                var dot = DotFixed(MemoryMarshal.Cast<byte, sbyte>(record), query.Fixed, out var squares);
                cosine = squares > 0 ? (float)(dot * query.FixedStep / Math.Sqrt(squares)) : 0f;
            }
            else
            {
                cosine = Cosine(record, query.Unit);
            }
            cosines[i] = cosine;
            best = Math.Max(best, cosine);
        }
        return best;
    }

    /// <summary>What int8 codes whose squares sum to <paramref name="squares"/> are multiplied by to decode to unit length.</summary>
    private static float UnitScale(int squares) => squares > 0 ? (float)(1 / Math.Sqrt(squares)) : 0f;

    private static int Squares(ReadOnlySpan<sbyte> codes)
    {
        var squares = 0;
        foreach (var c in codes) squares += c * c;
        return squares;
    }

    /// <summary>Σ codes·query, and Σ codes² (exact) in <paramref name="squares"/>.</summary>
    internal static float DotInt8(ReadOnlySpan<sbyte> codes, ReadOnlySpan<float> query, out int squares)
    {
        var i = 0;
        var sum = 0f;
        squares = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            var squareAcc = Vector256<int>.Zero;
            for (; i + 32 <= codes.Length; i += 32)
            {
                var (low, high) = Vector256.Widen(Vector256.Create(codes.Slice(i, 32)));
                var (a, b) = Vector256.Widen(low);
                var (c, d) = Vector256.Widen(high);
                acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(a), Vector256.Create(query.Slice(i, 8)), acc);
                acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(b), Vector256.Create(query.Slice(i + 8, 8)), acc);
                acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c), Vector256.Create(query.Slice(i + 16, 8)), acc);
                acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(d), Vector256.Create(query.Slice(i + 24, 8)), acc);
                squareAcc += (a * a) + (b * b) + (c * c) + (d * d);
            }
            sum = Vector256.Sum(acc);
            squares = Vector256.Sum(squareAcc);
        }
        for (; i < codes.Length; i++)
        {
            sum += codes[i] * query[i];
            squares += codes[i] * codes[i];
        }
        return sum;
    }

    /// <summary>Σ codes·query in integers (exact), and Σ codes² in <paramref name="squares"/>; the widest SIMD the CPU has.</summary>
    internal static long DotFixed(ReadOnlySpan<sbyte> codes, ReadOnlySpan<short> query, out int squares)
    {
        var i = 0;
        long sum = 0;
        squares = 0;
        if (Avx512BW.IsSupported)
        {
            var acc = Vector512<int>.Zero;
            var squareAcc = Vector512<int>.Zero;
            for (; i + 64 <= codes.Length; i += 64)
            {
                var (low, high) = Vector512.Widen(Vector512.Create(codes.Slice(i, 64)));
                acc += Avx512BW.MultiplyAddAdjacent(low, Vector512.Create(query.Slice(i, 32)));
                acc += Avx512BW.MultiplyAddAdjacent(high, Vector512.Create(query.Slice(i + 32, 32)));
                squareAcc += Avx512BW.MultiplyAddAdjacent(low, low);
                squareAcc += Avx512BW.MultiplyAddAdjacent(high, high);
            }
            sum = Vector512.Sum(acc);
            squares = Vector512.Sum(squareAcc);
        }
        if (Avx2.IsSupported)
        {
            var acc = Vector256<int>.Zero;
            var squareAcc = Vector256<int>.Zero;
            for (; i + 32 <= codes.Length; i += 32)
            {
                var (low, high) = Vector256.Widen(Vector256.Create(codes.Slice(i, 32)));
                acc += Avx2.MultiplyAddAdjacent(low, Vector256.Create(query.Slice(i, 16)));
                acc += Avx2.MultiplyAddAdjacent(high, Vector256.Create(query.Slice(i + 16, 16)));
                squareAcc += Avx2.MultiplyAddAdjacent(low, low);
                squareAcc += Avx2.MultiplyAddAdjacent(high, high);
            }
            sum += Vector256.Sum(acc);
            squares += Vector256.Sum(squareAcc);
        }
        for (; i < codes.Length; i++)
        {
            sum += codes[i] * query[i];
            squares += codes[i] * codes[i];
        }
        return sum;
    }

    internal static float DotFloat(ReadOnlySpan<float> values, ReadOnlySpan<float> query)
    {
        var i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= values.Length; i += 8)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(values.Slice(i, 8)), Vector256.Create(query.Slice(i, 8)), acc);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < values.Length; i++) sum += values[i] * query[i];
        return sum;
    }

    private static float DotHalf(ReadOnlySpan<Half> values, ReadOnlySpan<float> query, out float squares)
    {
        Span<float> buffer = stackalloc float[values.Length];
        for (var i = 0; i < values.Length; i++) buffer[i] = (float)values[i];
        squares = DotFloat(buffer, buffer);
        return DotFloat(buffer, query);
    }
}

/// <summary>A query direction prepared for <see cref="VectorCodec.Cosines"/> (<see cref="VectorCodec.Prepare"/>).</summary>
internal sealed class CodecQuery
{
    /// <summary>The largest 16-bit value of a component: Σ code·q over d ≤ 516 int8 codes stays within 32 bits.</summary>
    private const int FixedRange = short.MaxValue;

    internal CodecQuery(ReadOnlySpan<float> direction, bool fixedPoint)
    {
        var norm = MathF.Max(MathF.Sqrt(VectorCodec.DotFloat(direction, direction)), 1e-12f);
        Unit = new float[direction.Length];
        for (var i = 0; i < direction.Length; i++) Unit[i] = direction[i] / norm;
        if (!fixedPoint)
        {
            return;
        }
        var max = 0f;
        foreach (var v in Unit) max = Math.Max(max, Math.Abs(v));
        // Per-lane sums of pairs stay in 32 bits when d·127·range does; longer vectors get a coarser range.
        var range = (int)Math.Min(FixedRange, int.MaxValue / (127L * Math.Max(1, direction.Length)));
        FixedStep = max > 0 ? max / range : 1f;
        Fixed = new short[direction.Length];
        for (var i = 0; i < Unit.Length; i++) Fixed[i] = (short)Math.Clamp(Math.Round(Unit[i] / FixedStep), -range, range);
    }

    /// <summary>The direction at unit length.</summary>
    public float[] Unit { get; }

    /// <summary>
    /// The unit direction in steps of <see cref="FixedStep"/> (int8 records only). Rounding moves a record's cosine by at
    /// most Σ|code|·step/2 / ‖code‖ ≤ √d·step/2 (7e-4 for d = 512, about 1e-6 typically): far below the int8 codes' own 0.01.
    /// </summary>
    public short[] Fixed { get; } = [];

    /// <summary>The value of one step of <see cref="Fixed"/>.</summary>
    public double FixedStep { get; }
}
