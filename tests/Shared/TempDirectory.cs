namespace Flam.Tests;

/// <summary>
/// A fresh empty folder under the system temp folder (flam-tests/…) that is deleted with everything in it on
/// <see cref="Dispose"/>: <c>using var dir = FixturePaths.NewTempDirectory();</c>. Converts to its path, so it can be
/// passed wherever a folder path is expected.
/// </summary>
internal sealed class TempDirectory : IDisposable
{
    /// <summary>Creates a fresh empty folder.</summary>
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flam-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    public static implicit operator string(TempDirectory directory) => directory.Path;

    public override string ToString() => Path;

    /// <summary>
    /// Deletes the folder recursively. Tolerates a folder that is already gone and content a test made read-only;
    /// a folder that still cannot be deleted is left rather than hiding the test's own outcome behind a cleanup error.
    /// </summary>
    public void Dispose()
    {
        try
        {
            Delete();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try
            {
                MakeWritable();
                Delete();
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                // Left behind: see the summary.
            }
        }
    }

    private void Delete()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    /// <summary>Gives the owner write access to every folder and file (deleting needs a writable parent folder).</summary>
    private void MakeWritable()
    {
        var all = new DirectoryInfo(Path).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true });
        foreach (var entry in all.Prepend(new DirectoryInfo(Path)))
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }
            if (OperatingSystem.IsWindows())
            {
                entry.Attributes &= ~FileAttributes.ReadOnly;
            }
            else
            {
                entry.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            }
        }
    }
}
