using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Flam.Synthesis.Corpus;

/// <summary>One file inside a Qt binary resource (<c>.rcc</c>).</summary>
/// <param name="Path">Its resource path without the leading '/' ("gcompris/src/core/resource/sounds/water.wav").</param>
/// <param name="Data">The file's bytes (decompressed when the resource stores it compressed).</param>
public sealed record QtResourceEntry(string Path, byte[] Data);

/// <summary>
/// Reads Qt binary resource files (<c>rcc -binary</c> output, format versions 1–3), as Qt's <c>QResource</c> does.
/// Big-endian layout: magic <c>qres</c>, version, offsets of the tree, data and name sections (version 3 adds a flags
/// word). Tree nodes are 14 bytes (version 1) or 22 bytes (2 and later, with a modification time): name offset,
/// flags (1 = zlib-compressed, 2 = directory, 4 = zstd-compressed), then for a directory its child count and first
/// child, for a file its territory, language and data offset. Names are a length, a hash and UTF-16BE characters; data
/// is a length and the bytes. zlib data is Qt's <c>qCompress</c> format (the uncompressed length, then a zlib stream).
/// </summary>
public static class QtResourceFile
{
    private const ushort Compressed = 0x01;
    private const ushort Directory = 0x02;
    private const ushort CompressedZstd = 0x04;

    /// <summary>Reads every file of the resource at <paramref name="path"/> whose resource path <paramref name="wanted"/> accepts (all when null).</summary>
    /// <exception cref="FlamException">Unreadable, truncated or malformed, or a wanted entry is zstd-compressed (the message names the file and the problem).</exception>
    public static IReadOnlyList<QtResourceEntry> Read(string path, Func<string, bool>? wanted = null)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"'{path}': cannot read the Qt resource file ({e.Message}).", e);
        }
        return Parse(path, data, wanted);
    }

    /// <summary>Parses resource bytes; <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="FlamException">Truncated or malformed, or a wanted entry is zstd-compressed.</exception>
    public static IReadOnlyList<QtResourceEntry> Parse(string name, byte[] data, Func<string, bool>? wanted = null)
    {
        if (data.Length < 20 || !data.AsSpan(0, 4).SequenceEqual("qres"u8))
        {
            throw new FlamException($"'{name}': not a Qt binary resource file (no 'qres' header).");
        }
        var version = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4));
        if (version is < 1 or > 3)
        {
            throw new FlamException($"'{name}': Qt resource format version {version} is not supported (1-3 are).");
        }
        var reader = new Reader(name, data, version);
        var entries = new List<QtResourceEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        reader.Walk(0, "", 0, entries, seen, wanted);
        return entries;
    }

    private sealed class Reader(string name, byte[] data, uint version)
    {
        private readonly int _tree = Offset(name, data, 8);
        private readonly int _data = Offset(name, data, 12);
        private readonly int _names = Offset(name, data, 16);
        private readonly int _nodeSize = version >= 2 ? 22 : 14;

        public void Walk(int node, string prefix, int depth, List<QtResourceEntry> entries, HashSet<string> seen, Func<string, bool>? wanted)
        {
            if (depth > 64)
            {
                throw new FlamException($"'{name}': resource tree is nested more than 64 levels deep (corrupt).");
            }
            var at = _tree + node * (long)_nodeSize;
            Need(at, _nodeSize, $"tree node {node}");
            var nodeName = node == 0 ? "" : NameAt(BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)at)));
            var flags = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan((int)at + 4));
            var path = prefix.Length == 0 ? nodeName : prefix + "/" + nodeName;
            if ((flags & Directory) != 0)
            {
                var count = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)at + 6));
                var first = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)at + 10));
                if (first + (ulong)count > int.MaxValue || first <= (uint)node && count > 0)
                {
                    throw new FlamException($"'{name}': directory '{path}' has a bad child range ({first}, {count}).");
                }
                for (var c = 0; c < count; c++)
                {
                    Walk((int)first + c, path, depth + 1, entries, seen, wanted);
                }
                return;
            }
            // Files of one path that differ only in territory/language: the first (Qt's default) is kept.
            if (wanted is not null && !wanted(path) || !seen.Add(path))
            {
                return;
            }
            var dataOffset = _data + (long)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)at + 10));
            Need(dataOffset, 4, $"data of '{path}'");
            var length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan((int)dataOffset));
            Need(dataOffset + 4, length, $"data of '{path}'");
            var bytes = data.AsSpan((int)dataOffset + 4, (int)length);
            if ((flags & CompressedZstd) != 0)
            {
                throw new FlamException($"'{name}': entry '{path}' is zstd-compressed, which the corpus builder does not decode (only zlib).");
            }
            entries.Add(new QtResourceEntry(path, (flags & Compressed) != 0 ? Inflate(path, bytes) : bytes.ToArray()));
        }

        private byte[] Inflate(string path, ReadOnlySpan<byte> compressed)
        {
            if (compressed.Length < 4)
            {
                throw new FlamException($"'{name}': compressed entry '{path}' is truncated.");
            }
            var expected = BinaryPrimitives.ReadUInt32BigEndian(compressed);
            try
            {
                using var input = new MemoryStream(compressed[4..].ToArray());
                using var zlib = new ZLibStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                zlib.CopyTo(output);
                if (output.Length != expected)
                {
                    throw new FlamException($"'{name}': compressed entry '{path}' inflates to {output.Length} bytes, not the {expected} its header states.");
                }
                return output.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new FlamException($"'{name}': compressed entry '{path}' is not valid zlib data ({e.Message}).", e);
            }
        }

        private string NameAt(uint offset)
        {
            var at = _names + (long)offset;
            Need(at, 6, "a name");
            var chars = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan((int)at));
            Need(at + 6, chars * 2L, "a name");
            return Encoding.BigEndianUnicode.GetString(data, (int)at + 6, chars * 2);
        }

        private void Need(long at, long length, string what)
        {
            if (at < 0 || at + length > data.Length)
            {
                throw new FlamException($"'{name}': {what} lies past the end of the file ({data.Length} bytes); the resource file is truncated or corrupt.");
            }
        }

        private static int Offset(string name, byte[] data, int at)
        {
            var value = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            if (value >= data.Length)
            {
                throw new FlamException($"'{name}': section offset {value} lies past the end of the file ({data.Length} bytes); the resource file is truncated.");
            }
            return (int)value;
        }
    }
}
