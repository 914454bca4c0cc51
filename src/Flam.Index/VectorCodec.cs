using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>⟨record, query⟩ for a query of d values.</summary>
    public float Dot(ReadOnlySpan<byte> record, ReadOnlySpan<float> query)
    {
        switch (storage)
        {
            case VectorStorage.Int8:
                var dot = DotInt8(MemoryMarshal.Cast<byte, sbyte>(record[..dimension]), query, out var squares);
                return dot * UnitScale(squares);
            case VectorStorage.Float16:
                return DotHalf(MemoryMarshal.Cast<byte, Half>(record[..(2 * dimension)]), query, out _);
            default:
                return DotFloat(MemoryMarshal.Cast<byte, float>(record[..(4 * dimension)]), query);
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

    /// <summary>The largest ⟨record, query⟩ over <paramref name="count"/> consecutive records.</summary>
    public float MaxDot(ReadOnlySpan<byte> records, int count, ReadOnlySpan<float> query)
    {
        var best = float.NegativeInfinity;
        for (var i = 0; i < count; i++)
        {
            best = Math.Max(best, Dot(records.Slice(i * RecordBytes, RecordBytes), query));
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
