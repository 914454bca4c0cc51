using System.Buffers.Binary;
using System.Text;

namespace Flam.Tests.Audio;

/// <summary>Builds WAV files byte by byte for tests, independently of the library's writer.</summary>
internal static class TestWav
{
    /// <summary>A chunk: four-character id and payload (a pad byte is added after odd payloads).</summary>
    public sealed record Chunk(string Id, byte[] Payload, long? DeclaredSize = null);

    /// <summary>The 16-byte fmt payload (or 40 bytes for WAVE_FORMAT_EXTENSIBLE with <paramref name="subFormat"/>).</summary>
    public static byte[] Fmt(int tag, int channels, int rate, int bits, int? subFormat = null, int? blockAlign = null)
    {
        var fmt = new byte[subFormat is null ? 16 : 40];
        var align = blockAlign ?? channels * bits / 8;
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, (ushort)(subFormat is null ? tag : 0xFFFE));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), (uint)(rate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)bits);
        if (subFormat is { } sub)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
            BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(18), (ushort)bits);
            BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(20), channels == 2 ? 3u : 0u);
            // KSDATAFORMAT_SUBTYPE_*: {0000xxxx-0000-0010-8000-00AA00389B71}
            BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(24), (uint)sub);
            new byte[] { 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71 }.CopyTo(fmt, 28);
        }
        return fmt;
    }

    /// <summary>A RIFF/WAVE file of the given chunks.</summary>
    public static byte[] Riff(params Chunk[] chunks) => Container("RIFF", chunks);

    public static byte[] Container(string riffId, params Chunk[] chunks)
    {
        using var ms = new MemoryStream();
        ms.Write(Encoding.ASCII.GetBytes(riffId));
        ms.Write(new byte[4]);
        ms.Write("WAVE"u8);
        foreach (var chunk in chunks)
        {
            ms.Write(Encoding.ASCII.GetBytes(chunk.Id));
            var size = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)(chunk.DeclaredSize ?? chunk.Payload.Length));
            ms.Write(size);
            ms.Write(chunk.Payload);
            if (chunk.Payload.Length % 2 == 1)
            {
                ms.WriteByte(0);
            }
        }
        var bytes = ms.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), riffId == "RIFF" ? (uint)(bytes.Length - 8) : uint.MaxValue);
        return bytes;
    }

    /// <summary>A plain PCM/float WAV: fmt then data.</summary>
    public static byte[] Simple(int tag, int channels, int rate, int bits, byte[] data) =>
        Riff(new Chunk("fmt ", Fmt(tag, channels, rate, bits)), new Chunk("data", data));

    public static byte[] Int16(params short[] values)
    {
        var b = new byte[2 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), values[i]);
        }
        return b;
    }

    public static byte[] Float32(params float[] values)
    {
        var b = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), values[i]);
        }
        return b;
    }

    public static string Save(string dir, string name, byte[] bytes)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
