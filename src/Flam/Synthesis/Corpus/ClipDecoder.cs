using System.Buffers.Binary;
using System.Security.Cryptography;
using NVorbis;

namespace Flam.Synthesis.Corpus;

/// <summary>What the corpus builder needs from decoding a clip.</summary>
/// <param name="Duration">Seconds.</param>
/// <param name="SampleRate">Native rate in Hz.</param>
/// <param name="Channels">Channel count.</param>
/// <param name="Peak">Largest absolute sample value (0 = digital silence).</param>
/// <param name="ContentHash">SHA-256 (hex) of the decoded samples: equal for identical sound in different files.</param>
public sealed record ClipInfo(double Duration, int SampleRate, int Channels, float Peak, string ContentHash);

/// <summary>
/// Decodes corpus clips (Ogg Vorbis with NVorbis, PCM/float WAV) fully, to learn their duration, peak and a hash of the
/// decoded content. Decoding (not only the header) is needed for the duplicate check.
/// </summary>
internal static class ClipDecoder
{
    /// <summary>Decodes <paramref name="path"/>.</summary>
    /// <exception cref="FlamException">The file is not a supported, readable audio file.</exception>
    public static ClipInfo Decode(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        try
        {
            return ext switch
            {
                ".ogg" or ".oga" => DecodeVorbis(path),
                ".wav" => DecodeWav(path),
                _ => throw new FlamException($"'{path}': unsupported audio format '{ext}'."),
            };
        }
        catch (FlamException)
        {
            throw;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException)
        {
            throw new FlamException($"'{path}': cannot decode audio ({e.Message}).", e);
        }
    }

    private static ClipInfo DecodeVorbis(string path)
    {
        using var reader = new VorbisReader(path);
        var channels = reader.Channels;
        var buffer = new float[4096 * channels];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var bytes = new byte[buffer.Length * 4];
        long frames = 0;
        float peak = 0;
        int read;
        while ((read = reader.ReadSamples(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                peak = Math.Max(peak, Math.Abs(buffer[i]));
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), buffer[i]);
            }
            hash.AppendData(bytes, 0, read * 4);
            frames += read / channels;
        }
        if (frames == 0)
        {
            throw new FlamException($"'{path}': the Ogg Vorbis stream holds no audio.");
        }
        return new ClipInfo((double)frames / reader.SampleRate, reader.SampleRate, channels, peak, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static ClipInfo DecodeWav(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 12 || data.AsSpan(0, 4).SequenceEqual("RIFF"u8) is false || data.AsSpan(8, 4).SequenceEqual("WAVE"u8) is false)
        {
            throw new FlamException($"'{path}': not a RIFF/WAVE file.");
        }
        int format = 0, channels = 0, rate = 0, bits = 0;
        var pos = 12;
        while (pos + 8 <= data.Length)
        {
            var id = System.Text.Encoding.ASCII.GetString(data, pos, 4);
            var size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(pos + 4)), (uint)(data.Length - pos - 8));
            var body = data.AsSpan(pos + 8, size);
            if (id == "fmt " && size >= 16)
            {
                format = BinaryPrimitives.ReadUInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
                rate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);
                if (format == 0xFFFE && size >= 26)
                {
                    format = BinaryPrimitives.ReadUInt16LittleEndian(body[24..]); // WAVE_FORMAT_EXTENSIBLE: sub-format GUID starts with the tag
                }
            }
            else if (id == "data")
            {
                if (channels <= 0 || rate <= 0 || !(format == 1 && bits is 8 or 16 or 24 or 32 || format == 3 && bits == 32))
                {
                    throw new FlamException($"'{path}': unsupported WAV encoding (format {format}, {bits} bits, {channels} channels).");
                }
                var bytesPerSample = bits / 8;
                var samples = body.Length / bytesPerSample / channels * channels;
                float peak = 0;
                for (var i = 0; i < samples; i++)
                {
                    var s = body.Slice(i * bytesPerSample, bytesPerSample);
                    float v = (format, bits) switch
                    {
                        (3, _) => BinaryPrimitives.ReadSingleLittleEndian(s),
                        (_, 8) => (s[0] - 128) / 128f,
                        (_, 16) => BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f,
                        (_, 24) => ((s[2] << 24) | (s[1] << 16) | (s[0] << 8)) / 2147483648f,
                        _ => BinaryPrimitives.ReadInt32LittleEndian(s) / 2147483648f,
                    };
                    peak = Math.Max(peak, Math.Abs(v));
                }
                if (samples == 0)
                {
                    throw new FlamException($"'{path}': the WAV file holds no audio.");
                }
                var hash = Convert.ToHexStringLower(SHA256.HashData(body[..(samples * bytesPerSample)]));
                return new ClipInfo((double)(samples / channels) / rate, rate, channels, peak, hash);
            }
            pos += 8 + size + (size & 1);
        }
        throw new FlamException($"'{path}': WAV file without a data chunk.");
    }
}
