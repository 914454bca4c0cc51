using System.Buffers.Binary;
using System.Text;

namespace Flam.Runtime;

/// <summary>Where the native TorchSharp bridge was loaded from and how its libstdc++ version need is set.</summary>
/// <param name="Path">The loaded <c>libLibTorchSharp.so</c>, or null when it is not loaded or the platform does not say.</param>
/// <param name="GlibcxxNeed">
/// The state of its <c>GLIBCXX_3.4.32</c> version need: "absent", "weak" (patched by Flam's build) or "required";
/// null when unknown (not Linux, not loaded).
/// </param>
public sealed record NativeLibraryStatus(string? Path, string? GlibcxxNeed)
{
    /// <summary>The libstdc++ version the shipped library asks for but does not use.</summary>
    public const string GlibcxxVersion = "GLIBCXX_3.4.32";

    /// <summary>Inspects the running process (Linux: <c>/proc/self/maps</c>) and the loaded library's ELF header.</summary>
    public static NativeLibraryStatus Inspect()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps))
        {
            return new NativeLibraryStatus(null, null);
        }
        var path = File.ReadLines(maps)
            .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : "")
            .FirstOrDefault(p => System.IO.Path.GetFileName(p) == "libLibTorchSharp.so");
        if (path is null || !File.Exists(path))
        {
            return new NativeLibraryStatus(null, null);
        }
        var flags = VersionNeedFlags(File.ReadAllBytes(path), GlibcxxVersion);
        return new NativeLibraryStatus(path, flags is null ? "absent" : (flags & 0x2) != 0 ? "weak" : "required");
    }

    /// <summary>
    /// The <c>vna_flags</c> of the version need <paramref name="version"/> in a little-endian ELF64 file's
    /// <c>.gnu.version_r</c> section, or null when there is no such need (or the file is not ELF64 LE).
    /// </summary>
    internal static int? VersionNeedFlags(ReadOnlySpan<byte> elf, string version)
    {
        if (elf.Length < 64 || !elf[..4].SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
        {
            return null;
        }
        long sectionTable = BinaryPrimitives.ReadInt64LittleEndian(elf[0x28..]);
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3A..]);
        int sections = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3C..]);
        for (int s = 0; s < sections; s++)
        {
            var header = elf[(int)(sectionTable + (long)s * entrySize)..];
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != 0x6ffffffe) // SHT_GNU_verneed
            {
                continue;
            }
            long offset = BinaryPrimitives.ReadInt64LittleEndian(header[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]);
            long strings = BinaryPrimitives.ReadInt64LittleEndian(elf[(int)(sectionTable + (long)link * entrySize + 0x18)..]);
            long need = offset;
            for (int i = 0; i < count; i++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(need + 2)..]);
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(need + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    var name = elf[(int)(strings + BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 8)..]))..];
                    name = name[..name.IndexOf((byte)0)];
                    if (Encoding.ASCII.GetString(name) == version)
                    {
                        return BinaryPrimitives.ReadUInt16LittleEndian(elf[(int)(aux + 4)..]);
                    }
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(aux + 12)..]);
                }
                need += BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)(need + 12)..]);
            }
        }
        return null;
    }
}
