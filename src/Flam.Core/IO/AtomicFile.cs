namespace Flam.IO;

/// <summary>
/// Writes files so that a crash never leaves half a file behind: data goes to a temporary file in the same
/// folder, is flushed to disk, and is renamed over the target only when complete.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Checks that <paramref name="path"/> can be written: its folder exists, and it does not exist yet unless
    /// <paramref name="overwrite"/> is set. Throws <see cref="FlamException"/> naming the file otherwise.
    /// </summary>
    public static void CheckWritable(string path, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
        {
            throw new FlamException($"Cannot write '{path}': the folder '{dir}' does not exist.");
        }
        if (Directory.Exists(full))
        {
            throw new FlamException($"Cannot write '{path}': it is a folder.");
        }
        if (File.Exists(full) && !overwrite)
        {
            throw new FlamException($"'{path}' already exists; use --force to overwrite it.");
        }
    }

    /// <summary>
    /// Writes through <paramref name="write"/> to a temporary file, fsyncs, then renames it to <paramref name="path"/>.
    /// A symbolic link is written through (its final target is replaced); a device or FIFO is written as a stream and
    /// never replaced; any other kind of file is refused.
    /// </summary>
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        CheckWritable(path, overwrite);
        var full = Path.GetFullPath(path);
        if (new FileInfo(full).LinkTarget is not null && File.ResolveLinkTarget(full, returnFinalTarget: true) is { } target)
        {
            full = target.FullName;
        }
        switch (FileKinds.Of(full))
        {
            case FileKind.Device or FileKind.Fifo:
                WriteStream(path, full, write);
                return;
            case FileKind.Other:
                throw new FlamException($"Cannot write '{path}': it is neither a regular file nor a device or pipe (a socket?).");
        }
        RemoveStaleTemporaries(full);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, TemporaryPrefix(full) + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix: RemoveStaleTemporaries of another writer leaves it alone.
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(tmp);
            throw new FlamException($"Cannot write '{path}': permission denied.", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Writes to an existing device or FIFO in place: there is no file to replace, and a reader may be waiting on it.</summary>
    private static void WriteStream(string path, string full, Action<Stream> write)
    {
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            write(stream);
            stream.Flush();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new FlamException($"Cannot write '{path}': permission denied.", e);
        }
        catch (IOException e)
        {
            throw new FlamException($"Cannot write '{path}': {e.Message}", e);
        }
    }

    /// <summary>Writes text atomically (UTF-8, no BOM).</summary>
    public static void WriteAllText(string path, string text, bool overwrite = true) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); }, overwrite);

    /// <summary>The start of the name of every temporary written for <paramref name="full"/>: <c>.NAME.</c>.</summary>
    private static string TemporaryPrefix(string full) => "." + Path.GetFileName(full) + ".";

    /// <summary>
    /// Deletes the temporaries a killed writer of <paramref name="full"/> left behind (<c>.NAME.xxxxxxxx.tmp</c>), so a
    /// re-run leaves a clean folder. One still locked by a live writer is kept.
    /// </summary>
    private static void RemoveStaleTemporaries(string full)
    {
        var folder = Path.GetDirectoryName(full)!;
        var prefix = TemporaryPrefix(full);
        foreach (var tmp in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
        {
            if (Path.GetFileName(tmp).Length != prefix.Length + 8 + ".tmp".Length)
            {
                continue;
            }
            try
            {
                using (new FileStream(tmp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                {
                }
                File.Delete(tmp);
            }
            catch (IOException)
            {
                // Locked by a writer that is still running, or gone meanwhile.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to delete; it does no harm beyond its space.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
