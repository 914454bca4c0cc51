using System.Collections.Concurrent;
using System.Globalization;
using Flam.IO;

namespace Flam.Synthesis.Corpus;

/// <summary>What a build produced.</summary>
/// <param name="Clips">Every corpus clip, in deterministic order (sources in catalogue order, then paths).</param>
/// <param name="Excluded">Every candidate file left out, with the reason.</param>
/// <param name="HeldOutLabels">Event labels held out of training, sorted.</param>
public sealed record CorpusResult(IReadOnlyList<CorpusClip> Clips, IReadOnlyList<ExcludedFile> Excluded, IReadOnlyList<string> HeldOutLabels);

/// <summary>
/// Builds the labelled sound corpus: fetches and unpacks the sources, selects their sound effects and ambience, drops
/// duplicates, silence and unlicensed files, labels every clip, assigns splits, copies the audio as-is to
/// <c>OUT/audio/SOURCE/…</c> and writes the metadata (<see cref="CorpusWriter"/>). Re-running reuses the cache and the
/// copied audio.
/// </summary>
public sealed class CorpusBuilder(CorpusOptions options, LabelTable labels, TextWriter log)
{
    // Opus (git sources) decodes through ffmpeg; the rest have built-in decoders.
    private static readonly HashSet<string> AudioExtensions = new(StringComparer.OrdinalIgnoreCase) { ".ogg", ".oga", ".wav", ".flac", ".mp3", ".opus" };

    /// <summary>Whether the builder reads the file as audio (by its extension).</summary>
    internal static bool IsAudioFile(string path) => AudioExtensions.Contains(Path.GetExtension(path));

    // Folder names that mark music or spoken lines in any package; such files are not sound events.
    private static readonly HashSet<string> ExcludedFolders = new(StringComparer.OrdinalIgnoreCase) { "music", "tunes", "voice", "voices" };

    /// <summary>Runs the whole build and writes the corpus.</summary>
    /// <exception cref="FlamException">Bad options, a package that cannot be fetched, or an unwritable output folder.</exception>
    public CorpusResult Build()
    {
        options.Validate();
        using var outputLock = OutputLock.Acquire(options.OutputDirectory, "flam corpus build");
        Directory.CreateDirectory(options.CacheDirectory);
        var cache = new DebianPackageCache(options.CacheDirectory, log, options.Fetch);
        var excluded = new List<ExcludedFile>();
        var candidates = new List<Candidate>();
        foreach (var source in CorpusCatalog.Packages.Where(p => options.Packages.Contains(p.Name)))
        {
            candidates.AddRange(Select(source, GatherPackage(source, cache, excluded), excluded));
        }
        if (options.GitSources.Count > 0)
        {
            var git = new GitRepositoryCache(options.GitRoot!, options.CacheDirectory, log);
            foreach (var source in options.GitSources)
            {
                candidates.AddRange(Select(source, GatherGit(source, git, excluded), excluded));
            }
        }
        foreach (var folder in options.Folders)
        {
            var source = CorpusSource.Folder(folder);
            candidates.AddRange(Select(source, GatherFolder(source, excluded), excluded));
        }

        var decoded = Decode(candidates, excluded);
        var clips = new List<CorpusClip>();
        var seenContent = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (c, info) in decoded)
        {
            var id = c.Source.Name + "/" + c.Relative;
            if (info.Duration < options.MinSeconds)
            {
                excluded.Add(new(c.Source.Name, c.Relative, $"too short ({info.Duration:0.###} s)"));
                continue;
            }
            if (info.Peak < options.MinPeak)
            {
                excluded.Add(new(c.Source.Name, c.Relative, "silent"));
                continue;
            }
            if (!seenContent.TryAdd(info.ContentHash, id))
            {
                excluded.Add(new(c.Source.Name, c.Relative, "same decoded audio as " + seenContent[info.ContentHash]));
                continue;
            }
            var isEvent = info.Duration < options.BackgroundMinSeconds;
            if (!isEvent && !c.Source.AllowBackgrounds)
            {
                excluded.Add(new(c.Source.Name, c.Relative, $"too long for an event ({info.Duration:0.#} s) and not ambience"));
                continue;
            }
            var label = labels.Label(c.Source.Name, c.Relative, c.Text, c.Transcript is null ? null : PromptTranscripts.SpokenCaption(c.Transcript));
            var family = FamilyOf(c);
            var audio = "audio/" + c.Source.Name + "/" + c.Relative;
            CopyAudio(c.File, Path.Combine(options.OutputDirectory, audio));
            clips.Add(new CorpusClip(id, audio, audio, Math.Round(info.Duration, 3), label.Label, label.Captions, label.Tags,
                c.Source.IsCleanEffect(c.Relative) ? CorpusClip.CleanSource : CorpusClip.GeneralSource,
                isEvent ? CorpusClip.EventKind : CorpusClip.BackgroundKind,
                CorpusSplits.Assign(c.Source.Name, family, label.Label, isEvent, options),
                c.Source.Name, c.Original, family, c.Licence!.Licence, c.Licence.Copyright, label.Rule,
                c.Transcript, c.Transcript is null ? null : c.Source.Transcripts?.ToString()));
        }
        RemoveStaleAudio(clips);
        var heldOut = clips.Where(c => c.Split == SplitNames.UnseenLabel).Select(c => c.Label).Distinct().Order(StringComparer.Ordinal).ToArray();
        var result = new CorpusResult(clips, excluded, heldOut);
        CorpusWriter.Write(options, result);
        log.WriteLine($"corpus: {clips.Count} clips ({clips.Count(c => c.Kind == CorpusClip.EventKind)} events), {excluded.Count} files left out, in {options.OutputDirectory}");
        return result;
    }

    // Transcript: the words said in the recording as the source's transcript list writes them, if it lists them.
    private sealed record Candidate(CorpusSource Source, string Relative, string File, string Original, LicenceRecord? Licence, string? Text, string? Transcript = null);

    private List<Candidate> GatherPackage(CorpusSource source, DebianPackageCache cache, List<ExcludedFile> excluded)
    {
        var root = cache.Unpack(source.Name);
        var scanRoot = Path.Combine(root, source.ScanRoot);
        if (!Directory.Exists(scanRoot))
        {
            throw new FlamException($"Package '{source.Name}' has no folder '{source.ScanRoot}' (unpacked in '{root}').");
        }
        var Wanted = Selector(source);
        foreach (var archive in source.InnerArchives)
        {
            cache.ExpandArchive(Path.Combine(scanRoot, archive), Wanted, source.Selection, options.Threads);
        }
        var copyrightPath = Path.Combine(root, "usr", "share", "doc", source.Name, "copyright");
        var copyright = File.Exists(copyrightPath) ? CopyrightFile.Read(copyrightPath) : null;
        var transcripts = ReadTranscripts(source, cache);
        var list = new List<Candidate>();
        foreach (var file in Directory.EnumerateFiles(scanRoot, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(scanRoot, file).Replace('\\', '/');
            if (!AudioExtensions.Contains(Path.GetExtension(rel)))
            {
                continue;
            }
            if (!Wanted(rel))
            {
                excluded.Add(new(source.Name, rel, "not selected (music, voice, interface or other excluded path)"));
                continue;
            }
            var archive = source.InnerArchives.FirstOrDefault(a => rel.StartsWith(Path.ChangeExtension(a, null) + "/", StringComparison.Ordinal));
            var original = archive is null
                ? source.ScanRoot + "/" + rel
                : source.ScanRoot + "/" + archive + "!/" + rel[(Path.ChangeExtension(archive, null).Length + 1)..];
            var licence = copyright is { IsMachineReadable: true } ? copyright.Lookup(CopyrightPathFor(source, rel)) : source.FallbackLicence;
            var transcript = transcripts?.Entries.GetValueOrDefault(Path.ChangeExtension(rel, null));
            if (transcript is not null && PromptTranscripts.SpokenCaption(transcript) is null)
            {
                excluded.Add(new(source.Name, rel, $"not speech (transcript: {transcript})"));
                continue;
            }
            list.Add(new Candidate(source, rel, file, original, licence, SiblingText(file), transcript));
        }
        if (transcripts is not null)
        {
            log.WriteLine($"{source.Name}: {list.Count(c => c.Transcript is not null)} of {list.Count} selected files have a transcript in {source.Transcripts}");
        }
        return list;
    }

    private static string FamilyOf(Candidate c) => LabelRules.FamilyKey(c.Relative, numbersAreTakes: !c.Source.NumberedNames);

    /// <summary>Whether a path below the source's scan root is an audio file its include/exclude globs select.</summary>
    private static Func<string, bool> Selector(CorpusSource source)
    {
        var include = source.Include.Select(PathGlob.Corpus).ToArray();
        var exclude = source.Exclude.Select(PathGlob.Corpus).ToArray();
        return rel => AudioExtensions.Contains(Path.GetExtension(rel))
            && (include.Length == 0 || include.Any(g => g.IsMatch(rel)))
            && !exclude.Any(g => g.IsMatch(rel))
            && !rel.Split('/').SkipLast(1).Any(ExcludedFolders.Contains);
    }

    private static List<Candidate> GatherGit(CorpusSource source, GitRepositoryCache git, List<ExcludedFile> excluded)
    {
        var pin = source.Git!;
        var export = git.Export(source, Selector(source));
        excluded.AddRange(export.NotSelected.Select(rel => new ExcludedFile(source.Name, rel, "not selected (excluded path)")));
        var list = new List<Candidate>();
        foreach (var file in Directory.EnumerateFiles(export.ScanRoot, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(export.ScanRoot, file).Replace('\\', '/');
            if (!IsAudioFile(rel))
            {
                continue; // the export's own marker files
            }
            var repositoryPath = source.ScanRoot.Length == 0 ? rel : source.ScanRoot + "/" + rel;
            list.Add(new Candidate(source, rel, file, pin.Repository + ":" + repositoryPath, pin.Lookup(rel, repositoryPath), null));
        }
        return list;
    }

    /// <summary>
    /// The source's transcript list, or null when it has none or the list cannot be had (offline and not cached, apt
    /// failure, file missing or unreadable): a warning, and captions fall back to the file names.
    /// </summary>
    private PromptTranscripts? ReadTranscripts(CorpusSource source, DebianPackageCache cache)
    {
        if (source.Transcripts is not { } t)
        {
            return null;
        }
        try
        {
            var list = PromptTranscripts.Read(Path.Combine(cache.Unpack(t.Package), t.Path));
            if (list.Problems.Count > 0)
            {
                log.WriteLine($"warning: {t}: {list.Problems.Count} malformed lines skipped ({string.Join("; ", list.Problems.Take(3))}{(list.Problems.Count > 3 ? "; ..." : "")})");
            }
            return list;
        }
        catch (FlamException e)
        {
            log.WriteLine($"warning: no transcripts for {source.Name} ({e.Message}); its captions use the file names.");
            return null;
        }
    }

    private static List<Candidate> GatherFolder(CorpusSource source, List<ExcludedFile> excluded)
    {
        var table = FolderLicences.Read(source.ScanRoot);
        var list = new List<Candidate>();
        foreach (var file in Directory.EnumerateFiles(source.ScanRoot, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(source.ScanRoot, file).Replace('\\', '/');
            if (!AudioExtensions.Contains(Path.GetExtension(rel)))
            {
                continue;
            }
            if (!table.TryGetValue(Path.GetFileName(rel), out var row))
            {
                excluded.Add(new(source.Name, rel, "not in the folder's LICENSES.md"));
                continue;
            }
            list.Add(new Candidate(source, rel, file, rel, row.Record, row.Content));
        }
        return list;
    }

    /// <summary>Sorts, applies the per-source sample cap, the licence policy and the per-family variant cap.</summary>
    private List<Candidate> Select(CorpusSource source, List<Candidate> found, List<ExcludedFile> excluded)
    {
        var files = found.OrderBy(c => c.Relative, StringComparer.Ordinal).ToList();
        if (source.MaxFiles > 0 && files.Count > source.MaxFiles)
        {
            var keep = files.OrderBy(c => CorpusSplits.Unit("flam-corpus-sample:" + c.Relative)).Take(source.MaxFiles).ToHashSet();
            excluded.AddRange(files.Where(c => !keep.Contains(c)).Select(c => new ExcludedFile(source.Name, c.Relative, $"sample cap ({source.MaxFiles} files)")));
            files = files.Where(keep.Contains).ToList();
        }
        var selected = new List<Candidate>();
        var perFamily = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in files)
        {
            if (c.Licence is null)
            {
                excluded.Add(new(source.Name, c.Relative, source.Git is null ? "no licence record in the copyright file" : "no licence rule covers it"));
                continue;
            }
            if (!LicencePolicy.IsFree(c.Licence.Licence))
            {
                excluded.Add(new(source.Name, c.Relative, $"licence '{c.Licence.Licence}' is not accepted"));
                continue;
            }
            var family = FamilyOf(c);
            var n = perFamily.GetValueOrDefault(family) + 1;
            perFamily[family] = n;
            if (n > options.MaxVariantsPerFamily)
            {
                excluded.Add(new(source.Name, c.Relative, $"family cap ({options.MaxVariantsPerFamily} variants of {family})"));
                continue;
            }
            selected.Add(c);
        }
        log.WriteLine($"{source.Name}: {selected.Count} of {found.Count} candidate audio files kept");
        return selected;
    }

    /// <summary>Decodes every candidate (in parallel, results in input order), reusing CACHE/decoded-audiofile.tsv.</summary>
    private List<(Candidate, ClipInfo)> Decode(List<Candidate> candidates, List<ExcludedFile> excluded)
    {
        // The name carries the decoder generation: hashes from another decoder must not be mixed with these.
        var cachePath = Path.Combine(options.CacheDirectory, "decoded-audiofile.tsv");
        var known = DecodeCache.Read(cachePath);
        var results = new (ClipInfo? Info, string? Error)[candidates.Count];
        var fresh = new ConcurrentDictionary<string, ClipInfo>(StringComparer.Ordinal);
        var done = 0;
        Parallel.For(0, candidates.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, i =>
        {
            var file = candidates[i].File;
            var key = DecodeCache.Key(file);
            if (known.TryGetValue(key, out var cached))
            {
                results[i] = (cached, null);
            }
            else
            {
                try
                {
                    var info = ClipDecoder.Decode(file);
                    fresh[key] = info;
                    results[i] = (info, null);
                }
                catch (FlamException e)
                {
                    results[i] = (null, e.Message);
                }
            }
            var n = Interlocked.Increment(ref done);
            if (n % 500 == 0)
            {
                lock (log)
                {
                    log.WriteLine($"decoded {n} / {candidates.Count}");
                }
            }
        });
        if (!fresh.IsEmpty)
        {
            foreach (var (k, v) in fresh)
            {
                known[k] = v;
            }
            DecodeCache.Write(cachePath, known);
        }
        var list = new List<(Candidate, ClipInfo)>();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (results[i].Info is { } info)
            {
                list.Add((candidates[i], info));
            }
            else
            {
                excluded.Add(new(candidates[i].Source.Name, candidates[i].Relative, "undecodable: " + results[i].Error));
            }
        }
        return list;
    }

    private static string CopyrightPathFor(CorpusSource source, string rel)
    {
        foreach (var (from, to) in source.CopyrightPaths)
        {
            if (rel.StartsWith(from, StringComparison.Ordinal))
            {
                // A target without a trailing '/' names one file for the whole folder (hydrogen's kits: the copyright
                // file lists each kit's archive, the package installs the kit unpacked).
                return to.Length == 0 || to.EndsWith('/') ? to + rel[from.Length..] : to;
            }
        }
        return rel;
    }

    /// <summary>The first line of "STEM.txt" next to the file (Tux Paint's English stamp description), if any.</summary>
    private static string? SiblingText(string file)
    {
        var txt = Path.ChangeExtension(file, ".txt");
        if (!File.Exists(txt))
        {
            return null;
        }
        var first = File.ReadLines(txt).FirstOrDefault()?.Trim();
        return string.IsNullOrEmpty(first) || first.Contains('=') ? null : first;
    }

    private static void CopyAudio(string from, string to)
    {
        var target = new FileInfo(to);
        if (target.Exists && target.Length == new FileInfo(from).Length)
        {
            return;
        }
        Directory.CreateDirectory(target.DirectoryName!);
        AtomicFile.Write(to, s =>
        {
            using var input = File.OpenRead(from);
            input.CopyTo(s);
        });
    }

    /// <summary>Deletes audio under OUT/audio that the corpus no longer lists (a re-run with other options).</summary>
    private void RemoveStaleAudio(List<CorpusClip> clips)
    {
        var audioRoot = Path.Combine(options.OutputDirectory, "audio");
        if (!Directory.Exists(audioRoot))
        {
            return;
        }
        var keep = clips.Select(c => Path.GetFullPath(Path.Combine(options.OutputDirectory, c.Path))).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(audioRoot, "*", SearchOption.AllDirectories).ToList())
        {
            if (!keep.Contains(Path.GetFullPath(file)))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Decoding results keyed by file path, size and modification time, so re-runs skip decoding.</summary>
    private static class DecodeCache
    {
        public static string Key(string file)
        {
            var info = new FileInfo(file);
            return string.Create(CultureInfo.InvariantCulture, $"{Path.GetFullPath(file)}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
        }

        public static Dictionary<string, ClipInfo> Read(string path)
        {
            var map = new Dictionary<string, ClipInfo>(StringComparer.Ordinal);
            if (!File.Exists(path))
            {
                return map;
            }
            foreach (var line in File.ReadLines(path))
            {
                var f = line.Split('\t');
                if (f.Length == 6
                    && double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var duration)
                    && int.TryParse(f[2], CultureInfo.InvariantCulture, out var rate)
                    && int.TryParse(f[3], CultureInfo.InvariantCulture, out var channels)
                    && float.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var peak))
                {
                    map[f[0]] = new ClipInfo(duration, rate, channels, peak, f[5]);
                }
            }
            return map;
        }

        public static void Write(string path, Dictionary<string, ClipInfo> map) =>
            AtomicFile.WriteAllText(path, string.Concat(map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
                string.Create(CultureInfo.InvariantCulture, $"{kv.Key}\t{kv.Value.Duration:R}\t{kv.Value.SampleRate}\t{kv.Value.Channels}\t{kv.Value.Peak:R}\t{kv.Value.ContentHash}\n"))));
    }
}
