namespace Flam.Tests;

/// <summary>Compares the output folders of an interrupted and an uninterrupted run of a command.</summary>
internal static class OutputFiles
{
    /// <summary>
    /// The visible files below <paramref name="folder"/> (relative path → bytes); hidden ones (the output lock,
    /// AtomicFile's <c>.NAME.xxxx.tmp</c> temporaries) are left out. Empty when the folder does not exist.
    /// </summary>
    public static Dictionary<string, byte[]> Visible(string folder) => !Directory.Exists(folder) ? [] :
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(folder, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    /// <summary>No AtomicFile temporary (<c>.NAME.xxxxxxxx.tmp</c>) is left anywhere below <paramref name="folder"/>.</summary>
    public static void NoTemporaries(string folder) =>
        Assert.Empty(Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories));

    /// <summary>Each file in <paramref name="actual"/> equals the same file of <paramref name="expected"/>, so none is half-written.</summary>
    public static void EachComplete(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        foreach (var (name, bytes) in actual)
        {
            Assert.True(expected.ContainsKey(name), $"{name} is not an output of the uninterrupted run");
            Assert.True(bytes.AsSpan().SequenceEqual(expected[name]), $"{name} differs from the uninterrupted run (half-written?)");
        }
    }

    /// <summary>The same files with the same bytes.</summary>
    public static void Same(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        EachComplete(expected, actual);
    }
}
