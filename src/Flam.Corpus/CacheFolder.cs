namespace Flam.Synthesis.Corpus;

/// <summary>
/// Cache folders filled once and reused (an unpacked package, an expanded archive, an exported git tree): filled in
/// <c>TARGET.tmp</c>, moved into place, and marked complete by a marker file written last, so an interrupted fill is
/// never taken for a finished one and the next run starts it again.
/// </summary>
internal static class CacheFolder
{
    /// <summary>Whether <paramref name="target"/> holds a finished fill.</summary>
    public static bool IsComplete(string target, string marker) => File.Exists(Path.Combine(target, marker));

    /// <summary>Whether <paramref name="target"/> holds a finished fill whose marker text is <paramref name="markerText"/> (what the fill was made for).</summary>
    public static bool IsComplete(string target, string marker, string markerText) =>
        IsComplete(target, marker) && File.ReadAllText(Path.Combine(target, marker)) == markerText;

    /// <summary>
    /// Deletes what an interrupted fill left, lets <paramref name="fill"/> fill a fresh temporary folder (its argument),
    /// moves it to <paramref name="target"/> and writes <paramref name="marker"/> with <paramref name="markerText"/>.
    /// </summary>
    public static void Fill(string target, string marker, string markerText, Action<string> fill)
    {
        var tmp = target + ".tmp";
        if (Directory.Exists(tmp))
        {
            Directory.Delete(tmp, recursive: true);
        }
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
        Directory.CreateDirectory(tmp);
        fill(tmp);
        Directory.Move(tmp, target);
        File.WriteAllText(Path.Combine(target, marker), markerText);
    }
}
