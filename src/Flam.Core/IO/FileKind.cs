using System.Runtime.InteropServices;

namespace Flam.IO;

/// <summary>What a path names, as far as writing to it is concerned.</summary>
public enum FileKind
{
    /// <summary>Nothing exists there.</summary>
    Missing,
    /// <summary>A regular file: replaced atomically.</summary>
    Regular,
    /// <summary>A folder.</summary>
    Directory,
    /// <summary>A character or block device (/dev/null, /dev/full, a tape): written as a stream, never replaced.</summary>
    Device,
    /// <summary>A named pipe: written as a stream, never replaced.</summary>
    Fifo,
    /// <summary>A socket or anything else that is neither file nor stream target.</summary>
    Other,
}

/// <summary>
/// The type of a path after following symbolic links. .NET has no public API for it (its attributes call a device or
/// FIFO "Normal"), so on Unix it asks the runtime's own native shim, <c>SystemNative_Stat</c> from libSystem.Native, whose
/// result starts with two 32-bit fields: flags, then the raw <c>st_mode</c>.
/// </summary>
public static partial class FileKinds
{
    private const int TypeMask = 0xF000, FifoType = 0x1000, CharacterDeviceType = 0x2000, DirectoryType = 0x4000, BlockDeviceType = 0x6000, RegularType = 0x8000;

    /// <summary>What <paramref name="path"/> names (symbolic links followed).</summary>
    public static FileKind Of(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            return System.IO.Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        }
        // Larger than the runtime's FileStatus struct in every .NET version; only the first 8 bytes are read.
        Span<byte> status = stackalloc byte[512];
        if (Stat(path, status) != 0)
        {
            return FileKind.Missing;
        }
        return (BitConverter.ToInt32(status[4..8]) & TypeMask) switch
        {
            RegularType => FileKind.Regular,
            DirectoryType => FileKind.Directory,
            CharacterDeviceType or BlockDeviceType => FileKind.Device,
            FifoType => FileKind.Fifo,
            _ => FileKind.Other,
        };
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_Stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, Span<byte> status);
}
