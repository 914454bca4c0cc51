namespace Flam.Synthesis.Corpus;

/// <summary>Settings of one corpus build; defaults are those of the default Flam corpus.</summary>
public sealed record CorpusOptions
{
    /// <summary>Where the corpus goes (audio/, events.jsonl, backgrounds.jsonl, licences, splits).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Where downloaded .deb files and unpacked packages are kept between runs.</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>Catalogue packages to use (<see cref="CorpusCatalog"/>).</summary>
    public IReadOnlyList<string> Packages { get; init; } = CorpusCatalog.DefaultPackageNames;

    /// <summary>Extra local folders, each with a LICENSES.md table giving every file's author and licence.</summary>
    public IReadOnlyList<string> Folders { get; init; } = [];

    /// <summary>Git sources to use (<see cref="GitSourceCatalog"/>); they are read from clones under <see cref="GitRoot"/>.</summary>
    public IReadOnlyList<CorpusSource> GitSources { get; init; } = [];

    /// <summary>Folder holding local clones of the git sources (see <see cref="GitRepositoryCache"/>); needed when there are git sources.</summary>
    public string? GitRoot { get; init; }

    /// <summary>Fetch missing packages with apt-get; when false, packages must already be unpacked in the cache.</summary>
    public bool Fetch { get; init; } = true;

    /// <summary>Keep at most this many numbered variants of one recording family ("cattle_01" … "cattle_NN").</summary>
    public int MaxVariantsPerFamily { get; init; } = 6;

    /// <summary>Clips at least this long are backgrounds, shorter ones events (the paper's 10 s rule).</summary>
    public double BackgroundMinSeconds { get; init; } = 10;

    /// <summary>Clips shorter than this are dropped (clicks carry no learnable label).</summary>
    public double MinSeconds { get; init; } = 0.15;

    /// <summary>Clips whose peak is below this (linear, full scale 1) are dropped as silent.</summary>
    public float MinPeak { get; init; } = 1e-3f;

    /// <summary>Fraction of event labels held out of training entirely (open-vocabulary evaluation).</summary>
    public double HeldOutLabelFraction { get; init; } = 0.1;

    /// <summary>Fraction of recording families in the test split.</summary>
    public double TestFraction { get; init; } = 0.1;

    /// <summary>Fraction of recording families in the validation split.</summary>
    public double ValidationFraction { get; init; } = 0.05;

    /// <summary>Decoding threads.</summary>
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Checks every setting; throws <see cref="FlamException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(OutputDirectory))
        {
            throw new FlamException("The corpus output folder is empty.");
        }
        if (string.IsNullOrWhiteSpace(CacheDirectory))
        {
            throw new FlamException("The corpus cache folder is empty.");
        }
        if (Packages.Count == 0 && Folders.Count == 0 && GitSources.Count == 0)
        {
            throw new FlamException("No corpus sources: name at least one package, folder or git source.");
        }
        if (GitSources.Count > 0 && (GitRoot is null || !Directory.Exists(GitRoot)))
        {
            throw new FlamException($"Git sources need a folder of local clones (--git-root); '{GitRoot}' is not a folder.");
        }
        if (GitSources.FirstOrDefault(g => g.Git is null) is { } notGit)
        {
            throw new FlamException($"Source '{notGit.Name}' is not a git source.");
        }
        var clash = GitSources.Select(g => g.Name).Concat(Packages).Concat(Folders.Select(f => CorpusSource.Folder(f).Name))
            .GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
        {
            throw new FlamException($"Two corpus sources are named '{clash.Key}'; their clips would share one folder.");
        }
        foreach (var package in Packages)
        {
            CorpusCatalog.Get(package);
        }
        foreach (var folder in Folders)
        {
            if (!Directory.Exists(folder))
            {
                throw new FlamException($"Corpus folder '{folder}' does not exist.");
            }
        }
        if (MaxVariantsPerFamily < 1)
        {
            throw new FlamException($"MaxVariantsPerFamily must be at least 1 (got {MaxVariantsPerFamily}).");
        }
        if (!(BackgroundMinSeconds > 0) || !(MinSeconds >= 0) || MinSeconds >= BackgroundMinSeconds)
        {
            throw new FlamException($"Need 0 <= MinSeconds < BackgroundMinSeconds (got {MinSeconds} and {BackgroundMinSeconds}).");
        }
        if (!(MinPeak >= 0 && MinPeak < 1))
        {
            throw new FlamException($"MinPeak must be in [0, 1) (got {MinPeak}).");
        }
        if (!(HeldOutLabelFraction is >= 0 and < 1) || !(TestFraction >= 0) || !(ValidationFraction >= 0) || TestFraction + ValidationFraction >= 1)
        {
            throw new FlamException($"Split fractions must be in [0, 1) with test + validation < 1 (got held-out labels {HeldOutLabelFraction}, test {TestFraction}, validation {ValidationFraction}).");
        }
        if (Threads < 1)
        {
            throw new FlamException($"Threads must be at least 1 (got {Threads}).");
        }
        if (Path.GetFullPath(OutputDirectory) == Path.GetFullPath(CacheDirectory))
        {
            throw new FlamException("The corpus output and cache folders must differ.");
        }
    }
}
