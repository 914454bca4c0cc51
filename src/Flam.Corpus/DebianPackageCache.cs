using System.IO.Compression;

namespace Flam.Synthesis.Corpus;

/// <summary>
/// Downloads Debian packages with <c>apt-get download</c> and unpacks them with <c>dpkg-deb -x</c> into a cache folder:
/// nothing is installed and the system is not changed. Each step leaves a marker so later runs skip it.
/// Layout: <c>CACHE/debs/*.deb</c>, <c>CACHE/root/PKG/</c> (the unpacked package).
/// </summary>
public sealed class DebianPackageCache(string cacheDirectory, TextWriter log, bool fetch = true)
{
    private const string UnpackedMarker = ".flam-unpacked";
    private const string ExpandedMarker = ".flam-expanded";
    private bool _listsUpdated;

    /// <summary>The folder a package is unpacked into.</summary>
    public string PackageRoot(string package) => Path.Combine(cacheDirectory, "root", package);

    /// <summary>Downloads (if needed) and unpacks (if needed) <paramref name="package"/>; returns its unpacked root.</summary>
    /// <exception cref="FlamException">The package cannot be had or unpacked (the message says why).</exception>
    public string Unpack(string package)
    {
        var root = PackageRoot(package);
        if (CacheFolder.IsComplete(root, UnpackedMarker))
        {
            return root;
        }
        if (!fetch)
        {
            throw new FlamException($"Package '{package}' is not unpacked in '{root}' and fetching is off.");
        }
        var deb = Download(package);
        CacheFolder.Fill(root, UnpackedMarker, Path.GetFileName(deb) + "\n", tmp =>
        {
            log.WriteLine($"{package}: unpacking {Path.GetFileName(deb)}");
            Run("dpkg-deb", ["-x", deb, tmp], null);
        });
        return root;
    }

    /// <summary>
    /// Expands an archive inside a package into a folder next to it named like the archive without extension, keeping
    /// the entries that <paramref name="wanted"/> accepts (it sees paths relative to the archive's folder, e.g.
    /// "public/audio/x.ogg"). Returns that folder. By extension: zip archives (0 A.D.'s public.zip, UFO:AI's .pk3) keep
    /// their entry paths; an OpenTTD sample catalogue (<c>.cat</c>, <see cref="OpenSfxCatalog"/>) gives one WAV per
    /// sound, named by its stored name and title words, plus a <c>.txt</c> holding its title (the clip's source caption); a Qt resource file (<c>.rcc</c>,
    /// <see cref="QtResourceFile"/>) keeps its resource paths; a sound font (<c>.sf2</c>) is rendered note by note
    /// (<see cref="SoundFontRenders"/>, with up to <paramref name="threads"/> fluidsynth processes). The expansion is made
    /// once per <paramref name="selection"/> (the text naming what <paramref name="wanted"/> accepts, such as
    /// <see cref="CorpusSource.Selection"/>): an expansion made for another selection is made again.
    /// </summary>
    /// <exception cref="FlamException">The archive is missing, unreadable or malformed (the message names it).</exception>
    public string ExpandArchive(string archive, Func<string, bool> wanted, string selection, int threads = 1)
    {
        var stem = Path.GetFileNameWithoutExtension(archive);
        var target = Path.Combine(Path.GetDirectoryName(archive)!, stem);
        var markerText = Path.GetFileName(archive) + "\n" + selection;
        if (CacheFolder.IsComplete(target, ExpandedMarker, markerText))
        {
            return target;
        }
        if (!File.Exists(archive))
        {
            throw new FlamException($"Archive '{archive}' does not exist.");
        }
        CacheFolder.Fill(target, ExpandedMarker, markerText, tmp =>
        {
            log.WriteLine($"expanding {archive}");
            switch (Path.GetExtension(archive).ToLowerInvariant())
            {
                case ".cat":
                    foreach (var sound in OpenSfxCatalog.Read(archive))
                    {
                        // "osfx_04-steam-train-station-departure.wav": the stored names differ only in their number,
                        // which the family rule would strip, putting every sound into one family.
                        var fileName = Path.GetFileNameWithoutExtension(sound.FileName) + "-" + string.Join('-', LabelRules.Words(sound.Title)) + ".wav";
                        if (!wanted(stem + "/" + fileName))
                        {
                            continue;
                        }
                        var wav = SafeDestination(archive, tmp, fileName);
                        File.WriteAllBytes(wav, sound.Wave);
                        File.WriteAllText(Path.ChangeExtension(wav, ".txt"), sound.Title + "\n");
                    }
                    break;
                case ".rcc":
                    foreach (var entry in QtResourceFile.Read(archive, path => wanted(stem + "/" + path)))
                    {
                        File.WriteAllBytes(SafeDestination(archive, tmp, entry.Path), entry.Data);
                    }
                    break;
                case ".sf2":
                    SoundFontRenders.Render(archive, tmp, stem + "/", wanted, threads, log);
                    break;
                default:
                    ExtractZip(archive, stem, tmp, wanted);
                    break;
            }
        });
        return target;
    }

    private static void ExtractZip(string archive, string stem, string tmp, Func<string, bool> wanted)
    {
        try
        {
            using var zip = ZipFile.OpenRead(archive);
            foreach (var entry in zip.Entries)
            {
                if (entry.FullName.EndsWith('/') || !wanted(stem + "/" + entry.FullName))
                {
                    continue;
                }
                entry.ExtractToFile(SafeDestination(archive, tmp, entry.FullName), overwrite: true);
            }
        }
        catch (InvalidDataException e)
        {
            throw new FlamException($"'{archive}': not a readable zip archive ({e.Message}).", e);
        }
    }

    // The file an archive entry goes to below the fill folder (its folder created); entries may not point outside it.
    private static string SafeDestination(string archive, string tmp, string entryPath)
    {
        var fullTmp = Path.GetFullPath(tmp) + Path.DirectorySeparatorChar;
        var destination = Path.GetFullPath(Path.Combine(tmp, entryPath));
        if (!destination.StartsWith(fullTmp, StringComparison.Ordinal))
        {
            throw new FlamException($"'{archive}': entry '{entryPath}' points outside the archive folder.");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        return destination;
    }

    private string Download(string package)
    {
        var debs = Path.Combine(cacheDirectory, "debs");
        Directory.CreateDirectory(debs);
        var existing = Directory.GetFiles(debs, package + "_*.deb").Order(StringComparer.Ordinal).LastOrDefault();
        if (existing is not null)
        {
            return existing;
        }
        if (!_listsUpdated && !HasPackageLists())
        {
            UpdateLists("the apt package lists are empty");
        }
        log.WriteLine($"{package}: apt-get download");
        var (code, error) = Run("apt-get", ["download", package], debs, throwOnError: false);
        if (code != 0 && !_listsUpdated && error.Contains("Unable to locate package", StringComparison.Ordinal))
        {
            UpdateLists($"apt does not know '{package}'");
            (code, error) = Run("apt-get", ["download", package], debs, throwOnError: false);
        }
        if (code != 0)
        {
            throw new FlamException($"apt-get download {package} failed (exit {code}): {error.Trim()}");
        }
        return Directory.GetFiles(debs, package + "_*.deb").Order(StringComparer.Ordinal).LastOrDefault()
            ?? throw new FlamException($"apt-get download {package} succeeded but left no {package}_*.deb in '{debs}'.");
    }

    private void UpdateLists(string why)
    {
        log.WriteLine($"{why}: running apt-get update (needs root)");
        Run("apt-get", ["update"], null);
        _listsUpdated = true;
    }

    private static bool HasPackageLists()
    {
        const string lists = "/var/lib/apt/lists";
        return Directory.Exists(lists) && Directory.EnumerateFiles(lists, "*_Packages*").Any();
    }

    private static (int Code, string Error) Run(string program, string[] arguments, string? workingDirectory, bool throwOnError = true) =>
        ExternalProgram.Run(program, arguments, workingDirectory, "the corpus builder needs Debian's apt-get and dpkg-deb", throwOnError);
}
