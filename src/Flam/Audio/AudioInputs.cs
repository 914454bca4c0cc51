namespace Flam.Audio;

/// <summary>One audio input: its path, and its name relative to the folder it was found in (its file name when given directly).</summary>
/// <param name="Path">The path to read, as given or joined to the given folder.</param>
/// <param name="RelativeName">Where per-file outputs go: the path below the given folder, or the file name of a file given directly.</param>
public sealed record AudioInput(string Path, string RelativeName);

/// <summary>The audio files a list of paths stands for, and how many files inside its folders were left out.</summary>
/// <param name="Files">Every file to process, in order, each once.</param>
/// <param name="SkippedHidden">Hidden files and folders (name starting with '.') inside the given folders; a hidden folder counts once.</param>
/// <param name="SkippedNotAudio">Files inside the given folders whose extension is not an audio extension.</param>
public sealed record AudioInputSet(IReadOnlyList<AudioInput> Files, int SkippedHidden, int SkippedNotAudio)
{
    /// <summary>A one-line note for stderr, or null when nothing was skipped.</summary>
    public string? SkippedSummary => SkippedHidden + SkippedNotAudio == 0
        ? null
        : $"skipped {SkippedHidden + SkippedNotAudio} file(s) in the given folder(s): {SkippedHidden} hidden, {SkippedNotAudio} not audio by extension";
}

/// <summary>
/// Expands the audio paths of a command line: files are kept as given (whatever their extension, so any format
/// ffmpeg reads still works), folders stand for every audio file below them, recursively.
/// </summary>
public static class AudioInputs
{
    /// <summary>
    /// Extensions (lower case, with the dot) that count as audio inside folders: the formats Flam decodes itself and
    /// common ones it reads through ffmpeg.
    /// </summary>
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        ".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".aif", ".aiff", ".wma", ".webm", ".mka",
    };

    /// <summary>
    /// The files <paramref name="paths"/> stand for. A folder contributes its audio files (by extension, case-insensitive),
    /// recursively, in ordinal order of their path below the folder, so the order is the same on every machine and
    /// file system; hidden entries (name starting with '.') and other files are skipped and counted. Symbolic links to
    /// folders are not followed. Anything that is not a folder is kept as given, so the decoder names a missing file.
    /// A file reached twice (given twice, or also inside a given folder) is kept once, at its first place.
    /// </summary>
    /// <exception cref="FlamException">A given folder holds no audio file, or cannot be listed.</exception>
    public static AudioInputSet Expand(IEnumerable<string> paths)
    {
        var files = new List<AudioInput>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int hidden = 0, notAudio = 0;
        foreach (var path in paths)
        {
            if (!Directory.Exists(path))
            {
                Add(new AudioInput(path, System.IO.Path.GetFileName(path)));
                continue;
            }
            var found = new List<string>();
            var before = (hidden, notAudio);
            Walk(path, "", found, ref hidden, ref notAudio);
            if (found.Count == 0)
            {
                throw new FlamException(
                    $"Folder '{path}' holds no audio files ({hidden - before.hidden} hidden and {notAudio - before.notAudio} other files skipped; "
                    + $"audio extensions: {string.Join(" ", Extensions.Order(StringComparer.Ordinal))}).");
            }
            found.Sort(StringComparer.Ordinal);
            foreach (var relative in found)
            {
                Add(new AudioInput(System.IO.Path.Combine(path, relative), relative));
            }
        }
        return new AudioInputSet(files, hidden, notAudio);

        void Add(AudioInput input)
        {
            if (seen.Add(System.IO.Path.GetFullPath(input.Path)))
            {
                files.Add(input);
            }
        }
    }

    private static void Walk(string root, string relative, List<string> found, ref int hidden, ref int notAudio)
    {
        var folder = System.IO.Path.Combine(root, relative);
        FileSystemInfo[] entries;
        try
        {
            // Hidden and system entries are listed too, so that they are counted rather than silently missing.
            entries = new DirectoryInfo(folder).GetFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false });
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new FlamException($"Cannot list folder '{folder}': {e.Message}", e);
        }
        foreach (var entry in entries)
        {
            // '/' on every system, so that the order (and the output names) do not depend on the machine.
            var name = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
            if (entry.Name.StartsWith('.'))
            {
                hidden++;
            }
            else if (entry is DirectoryInfo)
            {
                if (entry.LinkTarget is null)
                {
                    Walk(root, name, found, ref hidden, ref notAudio);
                }
            }
            else if (Extensions.Contains(System.IO.Path.GetExtension(entry.Name).ToLowerInvariant()))
            {
                found.Add(name);
            }
            else
            {
                notAudio++;
            }
        }
    }
}
