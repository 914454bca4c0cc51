using System.Buffers.Binary;
using Flam.IO;

namespace Flam.Audio;

/// <summary>Sample encodings <see cref="WavWriter"/> can write.</summary>
public enum WavSampleFormat
{
    /// <summary>16-bit signed PCM (samples clipped to [-1, 1]).</summary>
    Pcm16,
    /// <summary>32-bit IEEE float.</summary>
    Float32,
}

/// <summary>Writes mono WAV files atomically (temporary file, then rename).</summary>
public static class WavWriter
{
    /// <summary>
    /// Writes <paramref name="samples"/> as a mono WAV file. 16-bit PCM clips to [-1, 1] and rounds to the nearest
    /// step (full scale is 32767); float32 stores the samples unchanged. Throws <see cref="FlamException"/> when the
    /// folder does not exist or the file exists and <paramref name="overwrite"/> is false.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, WavSampleFormat format = WavSampleFormat.Pcm16, bool overwrite = true)
    {
        if (sampleRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive.");
        }
        var bytesPerSample = format == WavSampleFormat.Pcm16 ? 2 : 4;
        var dataBytes = (long)samples.Length * bytesPerSample;
        if (dataBytes > uint.MaxValue - 36)
        {
            throw new FlamException($"Cannot write '{path}': {samples.Length} samples do not fit in a WAV file (4 GB limit).");
        }
        // The span cannot be captured by the writer callback, so the encoded bytes are built first.
        var bytes = new byte[44 + dataBytes];
        WriteHeader(bytes, (uint)dataBytes, sampleRate, format);
        var data = bytes.AsSpan(44);
        if (format == WavSampleFormat.Pcm16)
        {
            for (var i = 0; i < samples.Length; i++)
            {
                var s = Math.Clamp(samples[i], -1f, 1f);
                BinaryPrimitives.WriteInt16LittleEndian(data.Slice(2 * i), (short)MathF.Round(s * 32767f));
            }
        }
        else
        {
            for (var i = 0; i < samples.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(data.Slice(4 * i), samples[i]);
            }
        }
        AtomicFile.Write(path, stream => stream.Write(bytes), overwrite);
    }

    private static void WriteHeader(Span<byte> h, uint dataBytes, int sampleRate, WavSampleFormat format)
    {
        var bits = format == WavSampleFormat.Pcm16 ? 16 : 32;
        var blockAlign = bits / 8;
        "RIFF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], 36 + dataBytes);
        "WAVE"u8.CopyTo(h[8..]);
        "fmt "u8.CopyTo(h[12..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(h[20..], format == WavSampleFormat.Pcm16 ? (ushort)1 : (ushort)3);
        BinaryPrimitives.WriteUInt16LittleEndian(h[22..], 1);
        BinaryPrimitives.WriteUInt32LittleEndian(h[24..], (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(h[28..], (uint)(sampleRate * blockAlign));
        BinaryPrimitives.WriteUInt16LittleEndian(h[32..], (ushort)blockAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(h[34..], (ushort)bits);
        "data"u8.CopyTo(h[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[40..], dataBytes);
    }
}
