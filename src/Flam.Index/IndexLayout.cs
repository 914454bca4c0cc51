namespace Flam.Index;

/// <summary>
/// The byte layout of an index's windows: <see cref="IndexSettings.FramesPerWindow"/> frame records of the index's
/// storage, and one key per window — the centroid of the window's stored frames (int8) and the radius of the ball around
/// it that holds them. ⟨a, e⟩ ≤ ⟨c, e⟩ + r‖e‖ for every frame a of the window, so keys bound a window's best frame without
/// reading its frames (<see cref="UpperBound"/>), and a search that stops when no bound beats what it has found is exact.
/// </summary>
internal sealed class IndexLayout
{
    public IndexLayout(IndexSettings settings)
    {
        Frames = new VectorCodec(settings.Storage, settings.Dimension);
        KeyCodec = new VectorCodec(VectorStorage.Int8, settings.Dimension);
        FramesPerWindow = settings.FramesPerWindow;
        Dimension = settings.Dimension;
    }

    public VectorCodec Frames { get; }

    public VectorCodec KeyCodec { get; }

    public int FramesPerWindow { get; }

    public int Dimension { get; }

    public int FrameBytesPerWindow => FramesPerWindow * Frames.RecordBytes;

    public int KeyBytesPerWindow => KeyCodec.RecordBytes + sizeof(float);

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
        KeyCodec.Encode(centroid, key[..KeyCodec.RecordBytes]);
        KeyCodec.Decode(key[..KeyCodec.RecordBytes], centroid);
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
        System.Runtime.InteropServices.MemoryMarshal.Write(key[KeyCodec.RecordBytes..], (float)(radius * (1 + 1e-5) + 1e-5));
    }

    /// <summary>An upper bound of ⟨a, <paramref name="query"/>⟩ over the frames a of the window with this key.</summary>
    public float UpperBound(ReadOnlySpan<byte> key, ReadOnlySpan<float> query, float queryNorm) =>
        KeyCodec.Dot(key[..KeyCodec.RecordBytes], query) + System.Runtime.InteropServices.MemoryMarshal.Read<float>(key[KeyCodec.RecordBytes..]) * queryNorm;

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
