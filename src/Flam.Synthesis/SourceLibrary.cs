namespace Flam.Synthesis;

/// <summary>
/// The events and backgrounds a run may use: indexed files with their text, classified by
/// <see cref="ClassificationRules"/>, filtered by the held-out split, with everything left out listed.
/// </summary>
public sealed class SourceLibrary
{
    private SourceLibrary(List<SoundSource> events, List<SoundSource> backgrounds, List<SkippedSource> unreadable,
        List<SkippedSource> excluded, int trimmedEvents, int heldOutSkipped)
    {
        Events = events;
        Backgrounds = backgrounds;
        EffectEvents = events.Where(e => e.Kind == SourceKind.Effect).ToList();
        GeneralEvents = events.Where(e => e.Kind == SourceKind.General).ToList();
        Unreadable = unreadable;
        Excluded = excluded;
        TrimmedEvents = trimmedEvents;
        OtherSplitSources = heldOutSkipped;
    }

    /// <summary>Usable events, in path order.</summary>
    public IReadOnlyList<SoundSource> Events { get; }

    /// <summary>Usable events from sound-effect sources.</summary>
    public IReadOnlyList<SoundSource> EffectEvents { get; }

    /// <summary>Usable events from general-audio sources.</summary>
    public IReadOnlyList<SoundSource> GeneralEvents { get; }

    /// <summary>Usable backgrounds, in path order.</summary>
    public IReadOnlyList<SoundSource> Backgrounds { get; }

    /// <summary>Files that could not be decoded.</summary>
    public IReadOnlyList<SkippedSource> Unreadable { get; }

    /// <summary>Readable files the rules leave out (too long for an event, keyword, shorter than the mixture, ...).</summary>
    public IReadOnlyList<SkippedSource> Excluded { get; }

    /// <summary>Events longer than the mixture that will be trimmed to it.</summary>
    public int TrimmedEvents { get; }

    /// <summary>Sources left out because they belong to the other side of the held-out split.</summary>
    public int OtherSplitSources { get; }

    /// <summary>Whether a source with this identity/label key is held out (deterministic: a hash of the key).</summary>
    public static bool IsHeldOut(string key, double fraction) =>
        fraction > 0 && (SourceIndex.StableHash(key) >> 11) * (1.0 / (1UL << 53)) < fraction;

    /// <summary>Classifies indexed files into events and backgrounds.</summary>
    /// <param name="eventsFolder">Folder of the event files.</param>
    /// <param name="eventFiles">Its index.</param>
    /// <param name="eventsMeta">Its metadata (keyed by relative path), or null to use file names.</param>
    /// <param name="backgroundsFolder">Folder of the backgrounds (may equal <paramref name="eventsFolder"/>).</param>
    /// <param name="backgroundFiles">Its index.</param>
    /// <param name="backgroundsMeta">Its metadata, or null.</param>
    /// <param name="options">The rules, mixture duration and split.</param>
    /// <exception cref="FlamException">No usable events or no usable backgrounds.</exception>
    public static SourceLibrary Create(
        string eventsFolder, IReadOnlyList<IndexedFile> eventFiles, IReadOnlyDictionary<string, SourceMetadata>? eventsMeta,
        string backgroundsFolder, IReadOnlyList<IndexedFile> backgroundFiles, IReadOnlyDictionary<string, SourceMetadata>? backgroundsMeta,
        SynthesisOptions options)
    {
        var rules = options.Classification;
        var events = new List<SoundSource>();
        var backgrounds = new List<SoundSource>();
        var unreadable = new List<SkippedSource>();
        var excluded = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var trimmed = 0;
        var otherSide = 0;

        bool OnThisSide(SoundSource s)
        {
            if (options.Split == SplitSide.All)
            {
                return true;
            }
            var key = options.HoldOutBy == HoldOutBy.Identity ? s.RelativePath : s.Label.Trim().ToLowerInvariant();
            var test = IsHeldOut(key, options.HoldOutFraction);
            var keep = test == (options.Split == SplitSide.Test);
            if (!keep)
            {
                otherSide++;
            }
            return keep;
        }

        if (options.ListedOnly && (eventsMeta is null || backgroundsMeta is null))
        {
            throw new FlamException("Using only listed files needs metadata for both the events and the backgrounds.");
        }

        // Files the metadata does not list count as the other side of the split.
        bool Unlisted(IndexedFile file, IReadOnlyDictionary<string, SourceMetadata>? meta) =>
            options.ListedOnly && !meta!.ContainsKey(file.RelativePath);

        foreach (var file in eventFiles)
        {
            if (Unlisted(file, eventsMeta))
            {
                otherSide++;
                continue;
            }
            var source = ToSource(eventsFolder, file, eventsMeta);
            if (file.Error is not null)
            {
                unreadable.Add(new SkippedSource(source.Path, file.Error));
                continue;
            }
            var texts = Texts(source);
            if (file.Duration <= 0)
            {
                excluded[source.Path] = "empty";
            }
            else if (file.Duration >= rules.EventMaxSeconds)
            {
                excluded[source.Path] = $"not an event: {file.Duration:0.###} s ≥ {rules.EventMaxSeconds} s";
            }
            else if (rules.EventsExcludeKeyword && rules.HasKeyword(texts))
            {
                excluded[source.Path] = "not an event: has a background keyword";
            }
            else if (file.Duration > options.Duration && options.LongEvents == LongEventPolicy.Skip)
            {
                excluded[source.Path] = $"event longer than the mixture ({file.Duration:0.###} s > {options.Duration} s), skipped";
            }
            else if (OnThisSide(source))
            {
                trimmed += file.Duration > options.Duration ? 1 : 0;
                events.Add(source);
                used.Add(source.Path);
            }
            else
            {
                used.Add(source.Path);
            }
        }

        var minBackground = Math.Max(rules.BackgroundMinSeconds, options.Duration);
        foreach (var file in backgroundFiles)
        {
            if (Unlisted(file, backgroundsMeta))
            {
                otherSide++;
                continue;
            }
            var source = ToSource(backgroundsFolder, file, backgroundsMeta);
            if (file.Error is not null)
            {
                if (!unreadable.Any(u => u.Path == source.Path))
                {
                    unreadable.Add(new SkippedSource(source.Path, file.Error));
                }
                continue;
            }
            if (file.Duration < minBackground)
            {
                excluded.TryAdd(source.Path, $"not a background: {file.Duration:0.###} s < {minBackground} s");
            }
            else if (rules.BackgroundsRequireKeyword && !rules.HasKeyword(Texts(source)))
            {
                excluded.TryAdd(source.Path, $"not a background: no keyword ({string.Join(", ", rules.Keywords)})");
            }
            else
            {
                used.Add(source.Path);
                if (OnThisSide(source))
                {
                    backgrounds.Add(source);
                }
            }
        }

        if (events.Count == 0)
        {
            throw new FlamException($"No usable events in '{eventsFolder}' ({eventFiles.Count} audio files: {unreadable.Count} unreadable, " +
                $"{excluded.Count} excluded by the rules, {otherSide} on the other side of the split).");
        }
        if (backgrounds.Count == 0)
        {
            throw new FlamException($"No usable backgrounds in '{backgroundsFolder}' ({backgroundFiles.Count} audio files; a background must be a readable file " +
                $"of at least {minBackground} s{(rules.BackgroundsRequireKeyword ? " with a keyword" : "")}).");
        }
        var excludedList = excluded.Where(kv => !used.Contains(kv.Key))
            .Select(kv => new SkippedSource(kv.Key, kv.Value)).OrderBy(s => s.Path, StringComparer.Ordinal).ToList();
        return new SourceLibrary(events, backgrounds, unreadable, excludedList, trimmed, otherSide);
    }

    private static IEnumerable<string> Texts(SoundSource s) => s.Captions.Concat(s.Tags).Append(s.RelativePath);

    private static SoundSource ToSource(string folder, IndexedFile file, IReadOnlyDictionary<string, SourceMetadata>? meta)
    {
        var fromName = SourceMetadataReader.FromName(file.RelativePath);
        SourceMetadata m = meta is not null && meta.TryGetValue(file.RelativePath, out var given) ? given : fromName;
        // A metadata row without text still needs a label: fall back to the file name.
        var captions = m.Captions.Count > 0 ? m.Captions : m.Tags.Count > 0 ? [m.Tags[0]] : fromName.Captions;
        var tags = m.Tags.Count > 0 ? m.Tags : fromName.Tags;
        return new SoundSource(Path.GetFullPath(Path.Combine(folder, file.RelativePath)), file.RelativePath, m.Kind ?? SourceKind.Effect,
            captions, tags, m.Source, m.Licence, file.Duration, file.SampleRate, file.Loudness);
    }
}
