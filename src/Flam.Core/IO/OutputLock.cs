using System.Globalization;
using System.Text.Json;

namespace Flam.IO;

/// <summary>
/// An exclusive claim on an output folder for one writing command, so two runs never interleave their files.
/// The claim is an OS file lock on <c>FOLDER/.flam.lock</c> (a <see cref="FileStream"/> opened with
/// <see cref="FileShare.None"/>, flock on Linux), which the kernel releases when the holder exits or is killed: a lock
/// left by a dead process never blocks. Beside it, <c>.flam.lock.json</c> names the holder (PID, command, start time)
/// for the refusal message. Both files are removed on <see cref="Dispose"/>.
/// </summary>
public sealed class OutputLock : IDisposable
{
    /// <summary>Name of the locked file inside the output folder.</summary>
    public const string FileName = ".flam.lock";

    /// <summary>Name of the holder record beside it.</summary>
    public const string HolderFileName = ".flam.lock.json";

    private readonly FileStream _stream;
    private readonly string _lockPath;
    private readonly string _holderPath;

    private OutputLock(FileStream stream, string lockPath, string holderPath)
    {
        _stream = stream;
        _lockPath = lockPath;
        _holderPath = holderPath;
    }

    /// <summary>The locked output folder (full path).</summary>
    public string Folder => Path.GetDirectoryName(_lockPath)!;

    /// <summary>
    /// Creates <paramref name="folder"/> if needed and locks it for <paramref name="command"/> (e.g. "flam train").
    /// Throws <see cref="FlamException"/> naming the folder and the process holding it when another run does.
    /// </summary>
    public static OutputLock Acquire(string folder, string command)
    {
        var full = Path.GetFullPath(folder);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FlamException($"Cannot write to the output folder '{folder}': {e.Message}", e);
        }
        var lockPath = Path.Combine(full, FileName);
        var holderPath = Path.Combine(full, HolderFileName);
        while (true)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new FlamException($"Cannot write to the output folder '{folder}': permission denied.", e);
            }
            catch (IOException e)
            {
                if (!File.Exists(lockPath))
                {
                    // The holder released and removed it while we opened: try again on a fresh file.
                    continue;
                }
                throw new FlamException($"The output folder '{folder}' is in use by {DescribeHolder(holderPath)}; " +
                    "wait for it to finish or choose another folder.", e);
            }
            // A holder that released and removed the file between our open and our lock leaves us a lock on a
            // deleted file: try again on the path as it is now.
            if (!File.Exists(lockPath))
            {
                stream.Dispose();
                continue;
            }
            var holder = new Dictionary<string, object>
            {
                ["pid"] = Environment.ProcessId,
                ["command"] = command,
                ["started"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            };
            AtomicFile.WriteAllText(holderPath, JsonSerializer.Serialize(holder) + "\n");
            return new OutputLock(stream, lockPath, holderPath);
        }
    }

    private static string DescribeHolder(string holderPath)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(holderPath));
            var root = json.RootElement;
            return $"another process (PID {root.GetProperty("pid").GetInt32()}, '{root.GetProperty("command").GetString()}', since {root.GetProperty("started").GetString()})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // The holder has not written its record yet (or is gone): the lock itself is the evidence.
            return "another process";
        }
    }

    /// <summary>Also remove the folder on <see cref="Dispose"/> if nothing but the lock files is left in it (a failed run's own folder).</summary>
    public bool RemoveFolderWhenEmpty { get; set; }

    /// <summary>Removes the lock files and releases the lock.</summary>
    public void Dispose()
    {
        // Removed while still held, so a process that opened the old file sees it gone and retries on a fresh one.
        TryDelete(_holderPath);
        TryDelete(_lockPath);
        _stream.Dispose();
        if (RemoveFolderWhenEmpty)
        {
            try
            {
                if (!Directory.EnumerateFileSystemEntries(Folder).Any()) Directory.Delete(Folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: an empty folder left behind is harmless.
            }
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
