using System.IO.MemoryMappedFiles;

namespace Flam.Index;

/// <summary>
/// Where a segment's vectors live: <c>segments/NNNNNN.frames</c> (every window's frame records, window after window) and
/// <c>segments/NNNNNN.keys</c> (one coarse key per window). Both only ever grow; the catalog says how many windows of
/// them are committed.
/// </summary>
internal static class SegmentFiles
{
    public const string FolderName = "segments";

    /// <summary>A segment stops taking new files past this many bytes of frames, so no file grows without bound.</summary>
    public const long MaxFrameBytes = 1L << 30;

    public static string Frames(string index, int id) => Path.Combine(index, FolderName, $"{id:D6}.frames");

    public static string Keys(string index, int id) => Path.Combine(index, FolderName, $"{id:D6}.keys");
}

/// <summary>Appends windows to one segment; <see cref="Flush"/> makes them durable before the catalog commits them.</summary>
internal sealed class SegmentWriter : IDisposable
{
    private readonly FileStream _frames;
    private readonly FileStream _keys;

    /// <summary>Opens segment <paramref name="id"/> for appending after its <paramref name="committedWindows"/> windows; anything past them is cut off.</summary>
    public SegmentWriter(string index, int id, long committedWindows, int frameBytesPerWindow, int keyBytesPerWindow)
    {
        Id = id;
        Windows = committedWindows;
        Directory.CreateDirectory(Path.Combine(index, SegmentFiles.FolderName));
        _frames = OpenAt(SegmentFiles.Frames(index, id), committedWindows * frameBytesPerWindow);
        try
        {
            _keys = OpenAt(SegmentFiles.Keys(index, id), committedWindows * keyBytesPerWindow);
        }
        catch
        {
            _frames.Dispose();
            throw;
        }
    }

    private static FileStream OpenAt(string path, long length)
    {
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
            if (stream.Length < length)
            {
                stream.Dispose();
                throw new FlamException($"The index segment '{path}' is shorter than the index says ({length} bytes committed).");
            }
            stream.SetLength(length);
            stream.Position = length;
            return stream;
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FlamException($"Cannot write the index segment '{path}': permission denied.", e);
        }
    }

    public int Id { get; }

    /// <summary>Windows in the segment, committed or not.</summary>
    public long Windows { get; private set; }

    /// <summary>Bytes of frames in the segment.</summary>
    public long FrameBytes => _frames.Length;

    public void Append(ReadOnlySpan<byte> frames, ReadOnlySpan<byte> key)
    {
        _frames.Write(frames);
        _keys.Write(key);
        Windows++;
    }

    /// <summary>Writes everything appended through to the disk.</summary>
    public void Flush()
    {
        _frames.Flush(flushToDisk: true);
        _keys.Flush(flushToDisk: true);
    }

    public void Dispose()
    {
        _frames.Dispose();
        _keys.Dispose();
    }
}

/// <summary>
/// A segment's committed windows, memory-mapped read-only: the operating system pages in what a search touches, so an
/// index is never loaded whole.
/// </summary>
internal sealed unsafe class MappedSegment : IDisposable
{
    private readonly Mapping _frames;
    private readonly Mapping _keys;
    private readonly int _frameBytes;
    private readonly int _keyBytes;

    private sealed class Mapping : IDisposable
    {
        private readonly MemoryMappedFile? _file;
        private readonly MemoryMappedViewAccessor? _view;

        public byte* Pointer { get; }

        public Mapping(string path, long length)
        {
            if (length == 0)
            {
                return;
            }
            // The whole file is mapped (a writer may be appending past the committed part); only the committed part is viewed.
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            _view = _file.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            Pointer = pointer + _view.PointerOffset;
        }

        public void Dispose()
        {
            if (_view is not null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }
            _file?.Dispose();
        }
    }

    private MappedSegment(Mapping frames, Mapping keys, int frameBytes, int keyBytes, long windows)
    {
        _frames = frames;
        _keys = keys;
        _frameBytes = frameBytes;
        _keyBytes = keyBytes;
        Windows = windows;
    }

    public long Windows { get; }

    /// <summary>Maps the committed part of a segment; a file shorter than that is reported, naming it.</summary>
    public static MappedSegment Open(string index, SegmentRecord segment, int frameBytesPerWindow, int keyBytesPerWindow)
    {
        var framesPath = SegmentFiles.Frames(index, segment.Id);
        var keysPath = SegmentFiles.Keys(index, segment.Id);
        foreach (var (path, length) in new[] { (framesPath, segment.Windows * frameBytesPerWindow), (keysPath, segment.Windows * keyBytesPerWindow) })
        {
            var actual = File.Exists(path) ? new FileInfo(path).Length : -1;
            if (actual < length)
            {
                throw new FlamException(
                    $"The index segment '{path}' is {(actual < 0 ? "missing" : $"truncated ({actual} of {length} bytes)")}; " +
                    $"run 'flam index add' on the same audio with --index {index} to drop the damaged files' vectors and index them again.");
            }
        }
        var frames = new Mapping(framesPath, segment.Windows * frameBytesPerWindow);
        try
        {
            return new MappedSegment(frames, new Mapping(keysPath, segment.Windows * keyBytesPerWindow), frameBytesPerWindow, keyBytesPerWindow, segment.Windows);
        }
        catch
        {
            frames.Dispose();
            throw;
        }
    }

    /// <summary>The frame records of <paramref name="count"/> windows from <paramref name="window"/> on.</summary>
    public ReadOnlySpan<byte> Frames(long window, int count)
    {
        CheckRange(window, count);
        return new ReadOnlySpan<byte>(_frames.Pointer + window * _frameBytes, count * _frameBytes);
    }

    /// <summary>The key record of one window.</summary>
    public ReadOnlySpan<byte> Key(long window)
    {
        CheckRange(window, 1);
        return new ReadOnlySpan<byte>(_keys.Pointer + window * _keyBytes, _keyBytes);
    }

    private void CheckRange(long window, int count)
    {
        if (window < 0 || count < 0 || window + count > Windows)
        {
            throw new ArgumentOutOfRangeException(nameof(window), $"Windows {window}..{window + count} are outside the segment's {Windows}.");
        }
    }

    public void Dispose()
    {
        _frames.Dispose();
        _keys.Dispose();
    }
}
