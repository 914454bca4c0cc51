using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Flam.Index;

/// <summary>
/// The byte layout of an index's windows: <see cref="IndexSettings.FramesPerWindow"/> frame records of the index's
/// storage, and one key per window — the centroid of the window's stored frames and the radius of the ball around it
/// that holds them. ⟨a, e⟩ ≤ ⟨c, e⟩ + r‖e‖ for every frame a of the window, so keys bound a window's best frame without
/// reading its frames (<see cref="UpperBound"/>), and a search that stops when no bound beats what it has found is exact.
/// A key is 4-bit codes of the centroid (⌈d/2⌉ bytes), their step and the radius (two float32): the radius is measured
/// from the decoded key, so the coarse codes loosen the bound a little but never break it.
/// </summary>
internal sealed class IndexLayout
{
    /// <summary>The largest 4-bit key code; a code c is stored as the nibble c + 8.</summary>
    private const int KeyLevels = 7;

    public IndexLayout(IndexSettings settings)
    {
        Frames = new VectorCodec(settings.Storage, settings.Dimension);
        FramesPerWindow = settings.FramesPerWindow;
        Dimension = settings.Dimension;
    }

    public VectorCodec Frames { get; }

    public int FramesPerWindow { get; }

    public int Dimension { get; }

    public int FrameBytesPerWindow => FramesPerWindow * Frames.RecordBytes;

    /// <summary>Bytes of the packed key codes: byte i holds code i (low nibble) and code i + <see cref="KeyCodeBytes"/> (high).</summary>
    private int KeyCodeBytes => (Dimension + 1) / 2;

    public int KeyBytesPerWindow => KeyCodeBytes + 2 * sizeof(float);

    /// <summary>Encodes one window's frame embeddings (<c>frames × d</c> values) and its key.</summary>
    public void EncodeWindow(ReadOnlySpan<float> embeddings, Span<byte> frames, Span<byte> key)
    {
        var d = Dimension;
        var stored = new float[FramesPerWindow * d];
        var centroid = new float[d];
        for (var t = 0; t < FramesPerWindow; t++)
        {
            var record = frames.Slice(t * Frames.RecordBytes, Frames.RecordBytes);
            Frames.Encode(embeddings.Slice(t * d, d), record);
            // The key bounds the frames as stored (what search reads), not as computed.
            Frames.Decode(record, stored.AsSpan(t * d, d));
            for (var i = 0; i < d; i++) centroid[i] += stored[t * d + i] / FramesPerWindow;
        }
        EncodeKey(centroid, key);
        DecodeKey(key, centroid);
        var radius = 0.0;
        for (var t = 0; t < FramesPerWindow; t++)
        {
            var squares = 0.0;
            for (var i = 0; i < d; i++)
            {
                var difference = (double)stored[t * d + i] - centroid[i];
                squares += difference * difference;
            }
            radius = Math.Max(radius, Math.Sqrt(squares));
        }
        // Rounded up, with room for float32 rounding in the dot products that use it.
        MemoryMarshal.Write(key[(KeyCodeBytes + sizeof(float))..], (float)(radius * (1 + 1e-5) + 1e-5));
    }

    private void EncodeKey(ReadOnlySpan<float> centroid, Span<byte> key)
    {
        var max = 0f;
        foreach (var v in centroid) max = Math.Max(max, Math.Abs(v));
        var step = max > 0 ? max / KeyLevels : 1f;
        var codes = key[..KeyCodeBytes];
        codes.Fill(0x88); // code 0 in both nibbles: the padding nibble of an odd d
        for (var i = 0; i < Dimension; i++)
        {
            var nibble = (byte)(Math.Clamp(MathF.Round(centroid[i] / step), -KeyLevels, KeyLevels) + 8);
            var b = i % KeyCodeBytes;
            codes[b] = i < KeyCodeBytes ? (byte)((codes[b] & 0xF0) | nibble) : (byte)((codes[b] & 0x0F) | (nibble << 4));
        }
        MemoryMarshal.Write(key[KeyCodeBytes..], step);
    }

    /// <summary>The key's centroid as decoded (what the radius is measured from).</summary>
    internal void DecodeKey(ReadOnlySpan<byte> key, Span<float> centroid)
    {
        var step = MemoryMarshal.Read<float>(key[KeyCodeBytes..]);
        for (var i = 0; i < Dimension; i++)
        {
            var b = key[i % KeyCodeBytes];
            centroid[i] = ((i < KeyCodeBytes ? b & 0x0F : b >> 4) - 8) * step;
        }
    }

    /// <summary>An upper bound of ⟨a, <paramref name="query"/>⟩ over the frames a of the window with this key.</summary>
    public float UpperBound(ReadOnlySpan<byte> key, ReadOnlySpan<float> query, float queryNorm) =>
        KeyDot(key[..KeyCodeBytes], query) * MemoryMarshal.Read<float>(key[KeyCodeBytes..]) + MemoryMarshal.Read<float>(key[(KeyCodeBytes + sizeof(float))..]) * queryNorm;

    /// <summary>Σ code·query over the key's 4-bit codes.</summary>
    private float KeyDot(ReadOnlySpan<byte> codes, ReadOnlySpan<float> query)
    {
        var half = codes.Length;
        var i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            var offset = Vector256.Create(8f);
            var mask = Vector256.Create((byte)0x0F);
            // 32 bytes hold codes i..i+31 (low nibbles) and i+half..i+half+31 (high nibbles); the high run must fit in the query.
            for (; i + 32 <= half && i + half + 32 <= query.Length; i += 32)
            {
                var packed = Vector256.Create(codes.Slice(i, 32));
                acc = Accumulate(acc, packed & mask, query.Slice(i, 32), offset);
                acc = Accumulate(acc, Vector256.ShiftRightLogical(packed, 4) & mask, query.Slice(i + half, 32), offset);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < half; i++)
        {
            sum += ((codes[i] & 0x0F) - 8) * query[i];
            if (i + half < query.Length) sum += ((codes[i] >> 4) - 8) * query[i + half];
        }
        return sum;
    }

    private static Vector256<float> Accumulate(Vector256<float> acc, Vector256<byte> nibbles, ReadOnlySpan<float> query, Vector256<float> offset)
    {
        var (low, high) = Vector256.Widen(nibbles);
        var (a, b) = Vector256.Widen(low);
        var (c, d) = Vector256.Widen(high);
        acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(a) - offset, Vector256.Create(query[..8]), acc);
        acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(b) - offset, Vector256.Create(query.Slice(8, 8)), acc);
        acc = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(c) - offset, Vector256.Create(query.Slice(16, 8)), acc);
        return Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(d) - offset, Vector256.Create(query.Slice(24, 8)), acc);
    }

    /// <summary>Decodes <paramref name="windows"/> windows of frame records into <c>windows × frames × d</c> values.</summary>
    public float[] Decode(ReadOnlySpan<byte> frames, int windows)
    {
        var values = new float[windows * FramesPerWindow * Dimension];
        for (var v = 0; v < windows * FramesPerWindow; v++)
        {
            Frames.Decode(frames.Slice(v * Frames.RecordBytes, Frames.RecordBytes), values.AsSpan(v * Dimension, Dimension));
        }
        return values;
    }
}
