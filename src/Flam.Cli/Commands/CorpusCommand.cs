using System.CommandLine;
using Flam.Synthesis.Corpus;

namespace Flam.Cli.Commands;

/// <summary><c>flam corpus build</c>: the freely licensed training corpus from Debian data packages.</summary>
internal static class CorpusCommand
{
    public static Command Create()
    {
        var command = new Command("corpus", "Build the freely licensed, labelled sound corpus used to train the default model.");
        command.Subcommands.Add(CreateBuild());
        return command;
    }

    private static Command CreateBuild()
    {
        var defaultRoot = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "flam");
        var outOption = new Option<string>("--out")
        {
            Description = "Output folder for audio/, events.jsonl, backgrounds.jsonl, licences and splits.",
            DefaultValueFactory = _ => Path.Combine(defaultRoot, "corpus"),
        };
        var cacheOption = new Option<string>("--cache")
        {
            Description = "Folder for downloaded .deb files and unpacked packages (reused by later runs).",
            DefaultValueFactory = _ => Path.Combine(defaultRoot, "corpus-cache"),
        };
        var packagesOption = new Option<string[]>("--packages")
        {
            Description = "Packages to use (default: all of the catalogue): " + string.Join(", ", CorpusCatalog.DefaultPackageNames),
            AllowMultipleArgumentsPerToken = true,
        };
        var folderOption = new Option<string[]>("--folder")
        {
            Description = "Extra folder of recordings with a LICENSES.md table (| file | content | author | licence |); repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var gitRootOption = new Option<string?>("--git-root")
        {
            Description = "Folder of local clones of the git sources (OWNER/NAME, OWNER+NAME or NAME below it); adds every source of the git catalogue, each read at its pinned commit.",
        };
        var gitCatalogueOption = new Option<string?>("--git-catalogue") { Description = "Git source catalogue (JSON) to use instead of the built-in data/corpus/git-sources.json." };
        var labelsOption = new Option<string?>("--labels") { Description = "Label table (TSV) to use instead of the built-in data/corpus/labels.tsv." };
        var variantsOption = new Option<int>("--max-variants")
        {
            Description = "Keep at most this many numbered variants of one recording (cattle_01 … cattle_NN).",
            DefaultValueFactory = _ => new CorpusOptions { OutputDirectory = "-", CacheDirectory = "-" }.MaxVariantsPerFamily,
        };
        var offlineOption = new Option<bool>("--offline") { Description = "Do not run apt-get: use only packages already unpacked in the cache." };
        var threadsOption = new Option<int>("--threads") { Description = "Decoding threads.", DefaultValueFactory = _ => Environment.ProcessorCount };

        var build = new Command("build", "Download (apt-get download), unpack (dpkg-deb -x), select, label and write the corpus. Resumable.")
        {
            outOption, cacheOption, packagesOption, folderOption, gitRootOption, gitCatalogueOption, labelsOption, variantsOption, offlineOption, threadsOption,
        };
        build.SetAction(parse =>
        {
            var packages = parse.GetValue(packagesOption);
            var labelsPath = parse.GetValue(labelsOption);
            var gitRoot = parse.GetValue(gitRootOption);
            var gitCatalogue = parse.GetValue(gitCatalogueOption);
            if (gitCatalogue is not null && gitRoot is null)
            {
                throw new FlamException("--git-catalogue names git sources, which need --git-root: the folder of their local clones.");
            }
            var options = new CorpusOptions
            {
                OutputDirectory = parse.GetValue(outOption)!,
                CacheDirectory = parse.GetValue(cacheOption)!,
                Packages = packages is { Length: > 0 } ? packages : CorpusCatalog.DefaultPackageNames,
                Folders = parse.GetValue(folderOption) ?? [],
                GitRoot = gitRoot,
                GitSources = gitRoot is null ? [] : gitCatalogue is null ? GitSourceCatalog.Default : GitSourceCatalog.Read(gitCatalogue),
                MaxVariantsPerFamily = parse.GetValue(variantsOption),
                Fetch = !parse.GetValue(offlineOption),
                Threads = parse.GetValue(threadsOption),
            };
            var labels = labelsPath is null ? LabelTable.Default : LabelTable.Read(labelsPath);
            var output = parse.InvocationConfiguration.Output;
            var result = new CorpusBuilder(options, labels, parse.InvocationConfiguration.Error).Build();
            var events = result.Clips.Count(c => c.Kind == CorpusClip.EventKind);
            output.WriteLine($"{result.Clips.Count} clips ({events} events, {result.Clips.Count - events} backgrounds, "
                + $"{result.Clips.Sum(c => c.Duration) / 3600:0.00} h, {result.Clips.Select(c => c.Label).Distinct().Count()} labels) in {options.OutputDirectory}");
            output.WriteLine($"summary: {Path.Combine(options.OutputDirectory, "SUMMARY.md")}");
            return 0;
        });
        return build;
    }
}
