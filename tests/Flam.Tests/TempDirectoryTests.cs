namespace Flam.Tests;

/// <summary>The tests' temporary folders are deleted with their content on Dispose, and nothing outside them is.</summary>
public class TempDirectoryTests
{
    [Fact]
    public void DisposeDeletesNestedReadOnlyContentButNotWhatALinkPointsTo()
    {
        using var outside = FixturePaths.NewTempDirectory();
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "kept");
        string path;
        using (var dir = FixturePaths.NewTempDirectory())
        {
            path = dir.Path;
            var sub = Directory.CreateDirectory(Path.Combine(dir, "a", "b"));
            var file = Path.Combine(sub.FullName, "f.txt");
            File.WriteAllText(file, "x");
            File.SetAttributes(file, FileAttributes.ReadOnly);
            File.SetAttributes(sub.FullName, FileAttributes.Directory | FileAttributes.ReadOnly);
            Directory.CreateSymbolicLink(Path.Combine(dir, "link"), outside);
        }
        Assert.False(Directory.Exists(path));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(outside, "keep.txt")));
    }

    [Fact]
    public void DisposeOfAFolderAlreadyDeletedDoesNothing()
    {
        var dir = FixturePaths.NewTempDirectory();
        Directory.Delete(dir);
        dir.Dispose();
        Assert.False(Directory.Exists(dir));
    }
}
