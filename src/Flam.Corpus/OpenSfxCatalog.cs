using System.Buffers.Binary;
using System.Text;

namespace Flam.Synthesis.Corpus;

/// <summary>One sound of an OpenTTD sample catalogue.</summary>
/// <param name="Index">Position in the catalogue (OpenTTD's sound number).</param>
/// <param name="FileName">The file name catcodec stored for it ("osfx_00.wav"), or "NN.wav" when none is stored.</param>
/// <param name="Description">The stored description ("\"Good Year\". By Janis Lukss. License: ..."): title and credits.</param>
/// <param name="Wave">The complete RIFF/WAVE file.</param>
public sealed record OpenSfxSound(int Index, string FileName, string Description, byte[] Wave)
{
    /// <summary>The quoted title at the start of the description ("Good Year"), or the whole description when it has none.</summary>
    public string Title
    {
        get
        {
            var d = Description.Trim();
            if (d.StartsWith('"') && d.IndexOf('"', 1) is var end and > 1)
            {
                return d[1..end];
            }
            return d;
        }
    }
}

/// <summary>
/// Reads OpenTTD's sample catalogue (<c>opensfx.cat</c>, written by catcodec: "meta-data (description and file name)
/// and raw PCM data"). Layout, all little-endian: a table of (offset, size) uint32 pairs whose first offset is also the
/// table's length in bytes; bit 31 of each offset marks the new format (with file names) and is not part of the
/// offset. At each offset: a length byte and a NUL-terminated description, then <c>size</c> bytes of RIFF/WAVE data;
/// in the new format the entry ends with a length byte and the NUL-terminated file name (after zero padding) before
/// the next entry.
/// </summary>
public static class OpenSfxCatalog
{
    private const uint NewFormatBit = 0x8000_0000u;

    /// <summary>Reads every sound of the catalogue at <paramref name="path"/>.</summary>
    /// <exception cref="FlamException">The file is unreadable, truncated, or not a sample catalogue (the message names the file and the problem).</exception>
    public static IReadOnlyList<OpenSfxSound> Read(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"'{path}': cannot read the sample catalogue ({e.Message}).", e);
        }
        return Parse(path, data);
    }

    /// <summary>Parses catalogue bytes; <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="FlamException">Truncated or malformed (names <paramref name="name"/> and the problem).</exception>
    public static IReadOnlyList<OpenSfxSound> Parse(string name, ReadOnlySpan<byte> data)
    {
        if (data.Length < 8)
        {
            throw new FlamException($"'{name}': too short for an OpenTTD sample catalogue ({data.Length} bytes).");
        }
        var tableBytes = BinaryPrimitives.ReadUInt32LittleEndian(data) & ~NewFormatBit;
        if (tableBytes == 0 || tableBytes % 8 != 0 || tableBytes > data.Length)
        {
            throw new FlamException($"'{name}': not an OpenTTD sample catalogue (table length {tableBytes} bytes in a {data.Length}-byte file).");
        }
        var count = (int)(tableBytes / 8);
        var entries = new (long Offset, long Size, bool NewFormat)[count];
        for (var i = 0; i < count; i++)
        {
            var rawOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[(i * 8)..]);
            entries[i] = (rawOffset & ~NewFormatBit, BinaryPrimitives.ReadUInt32LittleEndian(data[(i * 8 + 4)..]), (rawOffset & NewFormatBit) != 0);
        }
        var sounds = new List<OpenSfxSound>(count);
        for (var i = 0; i < count; i++)
        {
            var (offset, size, newFormat) = entries[i];
            var end = i + 1 < count ? entries[i + 1].Offset : data.Length;
            if (offset < tableBytes || end > data.Length || offset >= end)
            {
                throw new FlamException($"'{name}': sound {i} lies outside the file (offset {offset}, next {end}, file {data.Length} bytes); the catalogue is truncated or corrupt.");
            }
            var entry = data[(int)offset..(int)end];
            var (description, afterDescription) = ReadString(name, i, entry, 0);
            var waveEnd = afterDescription + size;
            if (waveEnd > entry.Length)
            {
                throw new FlamException($"'{name}': sound {i} needs {size} bytes of audio but only {entry.Length - afterDescription} remain; the catalogue is truncated.");
            }
            var wave = entry[afterDescription..(int)waveEnd];
            if (wave.Length < 12 || !wave[..4].SequenceEqual("RIFF"u8) || !wave[8..12].SequenceEqual("WAVE"u8))
            {
                throw new FlamException($"'{name}': sound {i} is not RIFF/WAVE data.");
            }
            var fileName = newFormat ? TrailingFileName(entry[(int)waveEnd..]) : null;
            sounds.Add(new OpenSfxSound(i, fileName ?? $"{i:00}.wav", description, wave.ToArray()));
        }
        return sounds;
    }

    private static (string Text, int Next) ReadString(string name, int index, ReadOnlySpan<byte> entry, int at)
    {
        if (at >= entry.Length || at + 1 + entry[at] > entry.Length)
        {
            throw new FlamException($"'{name}': sound {index}'s description runs past its entry; the catalogue is truncated.");
        }
        var text = Encoding.Latin1.GetString(entry.Slice(at + 1, entry[at])).TrimEnd('\0');
        return (text, at + 1 + entry[at]);
    }

    // The stored name ("src/wav/osfx_00.wav") reduced to its file name; null when the tail holds no readable name.
    private static string? TrailingFileName(ReadOnlySpan<byte> tail)
    {
        var start = 0;
        while (start < tail.Length && tail[start] == 0)
        {
            start++;
        }
        if (start >= tail.Length || start + 1 + tail[start] > tail.Length)
        {
            return null;
        }
        var stored = Encoding.Latin1.GetString(tail.Slice(start + 1, tail[start])).TrimEnd('\0');
        var file = Path.GetFileName(stored.Replace('\\', '/'));
        return file.Length == 0 || file.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 ? null : file;
    }
}
