using Flam.IO;

namespace Flam.Audio;

/// <summary>
/// Audio that can be read only once, front to back: standard input (<c>-</c>), a named pipe (FIFO) or a process
/// substitution such as <c>&lt;(ffmpeg …)</c>. WAV and FLAC are decoded as they arrive; MP3 and Ogg Vorbis, whose
/// decoders seek, are buffered in memory up to <see cref="MaxBufferedBytes"/>.
/// </summary>
public static class PipeInput
{
    /// <summary>The path that stands for standard input.</summary>
    public const string StandardInput = "-";

    /// <summary>Largest MP3 or Ogg stream buffered in memory (WAV and FLAC streams have no limit).</summary>
    public const int MaxBufferedBytes = 512 << 20;

    /// <summary>
    /// Whether <paramref name="path"/> is a one-shot stream (standard input or a FIFO): it cannot be probed before it is
    /// decoded, and it is read only once.
    /// </summary>
    public static bool IsStream(string path) => path == StandardInput || FileKinds.Of(path) == FileKind.Fifo;

    /// <summary>Opens the stream; a FIFO nobody writes to is given up after <paramref name="openTimeout"/>.</summary>
    internal static Stream Open(string path, TimeSpan openTimeout)
    {
        if (path == StandardInput)
        {
            if (!Console.IsInputRedirected)
            {
                throw new FlamException("Cannot read audio from standard input ('-'): it is a terminal; pipe audio into it, e.g. ffmpeg -i … -f wav - | flam detect - ….");
            }
            return Console.OpenStandardInput(1 << 16);
        }
        // Opening a FIFO for reading blocks until a writer opens it, and .NET offers no non-blocking open: wait on a
        // worker thread. After the timeout that thread stays blocked; it is a background thread and ends with the process.
        var open = Task.Factory.StartNew(
            () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (!open.Wait(openTimeout))
            {
                // Whoever opens it later gets a reader that has gone; close what the worker may still open.
                open.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
                throw new FlamException(
                    $"Cannot read audio '{path}': it is a named pipe (FIFO) and nothing opened it for writing within {openTimeout.TotalSeconds:0.###} s " +
                    $"(set {TimeoutVariable} to wait longer).");
            }
        }
        catch (AggregateException e) when (e.InnerException is UnauthorizedAccessException or IOException)
        {
            throw new FlamException($"Cannot read audio '{path}': {e.InnerException.Message}", e.InnerException);
        }
        return open.Result;
    }

    /// <summary>Environment variable the <c>flam</c> tool reads for the FIFO open timeout, in seconds.</summary>
    public const string TimeoutVariable = "FLAM_PIPE_OPEN_TIMEOUT";

    /// <summary>Reads all of <paramref name="stream"/> into memory for a decoder that seeks, or fails beyond the limit.</summary>
    internal static MemoryStream Buffer(Stream stream, string path, string format)
    {
        var memory = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (memory.Length + n > MaxBufferedBytes)
            {
                throw new FlamException(
                    $"Cannot read audio '{path}': {format} from a pipe is buffered in memory (its decoder seeks), and this stream exceeds " +
                    $"{MaxBufferedBytes >> 20} MiB; send WAV instead (ffmpeg … -f wav -) or save it to a file.");
            }
            memory.Write(chunk, 0, n);
        }
        memory.Position = 0;
        return memory;
    }
}

/// <summary>
/// A read-only stream that cannot seek backwards: replays the bytes already read to recognise the format, then the rest
/// of the source. It counts its <see cref="Position"/> and seeks forwards by reading, which is all the WAV and FLAC
/// decoders need; its length is unknown.
/// </summary>
internal sealed class ForwardStream(Stream source, byte[] head) : Stream
{
    private int _headPosition;
    private long _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException("A pipe has no length.");

    public override long Position
    {
        get => _position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n;
        if (_headPosition < head.Length)
        {
            n = Math.Min(buffer.Length, head.Length - _headPosition);
            head.AsSpan(_headPosition, n).CopyTo(buffer);
            _headPosition += n;
        }
        else
        {
            n = source.Read(buffer);
        }
        _position += n;
        return n;
    }

    /// <summary>Skips forwards by reading; throws <see cref="EndOfStreamException"/> when the stream ends first.</summary>
    public override long Seek(long offset, SeekOrigin origin)
    {
        var skip = origin switch
        {
            SeekOrigin.Begin => offset - _position,
            SeekOrigin.Current => offset,
            _ => throw new NotSupportedException("A pipe has no end to seek from."),
        };
        if (skip < 0)
        {
            throw new NotSupportedException("A pipe cannot seek backwards.");
        }
        Span<byte> scratch = stackalloc byte[4096];
        while (skip > 0)
        {
            var n = Read(scratch[..(int)Math.Min(skip, scratch.Length)]);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }
            skip -= n;
        }
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            source.Dispose();
        }
        base.Dispose(disposing);
    }
}
