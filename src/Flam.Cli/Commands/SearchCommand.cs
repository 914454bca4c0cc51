using System.CommandLine;
using System.Globalization;
using System.Text;
using Flam.Audio;
using Flam.Cluster;
using Flam.Index;
using Flam.Inference;
using Flam.IO;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam search</c>: the best moments of described sounds (or of sounds like an example) in an index built by
/// <c>flam index add</c>, as events with the detector's median filter and event rules; optionally cut to WAV clips.
/// </summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var queries = new Argument<string[]>("query") { Description = "Sounds described in words; each is searched on its own.", Arity = ArgumentArity.ZeroOrMore };
        var index = new Option<string?>("--index") { Description = "The index folder (built with 'flam index add')." };
        var cluster = ClusterCommand.ConnectionOption(required: false);
        cluster.Description = "Instead of --index: search every shard of this cluster (PostgreSQL connection string); results equal one index of all their files.";
        var like = new Option<string[]>("--like") { Description = "Search by example: FILE or FILE@SECONDS, the model window from SECONDS on (default 0); frames are ranked by cosine similarity to the mean of its frame embeddings. Repeat for several." };
        var top = CliOptions.Opt("--top", "Events returned per query.", 50);
        var threshold = CliOptions.Opt("--threshold", "Frames above this (calibrated probability; cosine similarity with --like) form events.", DetectionOptions.Default.Threshold);
        var median = CliOptions.Opt("--median", "Median filter length in frames (odd; 1 = off).", DetectionOptions.Default.MedianFrames);
        var format = CliOptions.Opt("--format", "Output format: json, csv, tsv or audacity (labels).", "json");
        format.AcceptOnlyFromAmong("json", "csv", "tsv", "audacity");
        var output = new Option<string?>("--out", "-o") { Description = "Write the results to this file instead of standard output." };
        var clips = new Option<string?>("--export-clips") { Description = "Cut each hit, with --context seconds around it, into a WAV file in this folder (created if missing)." };
        var context = CliOptions.Opt("--context", "Seconds of audio kept before and after each exported clip.", 1.0);
        var force = new Option<bool>("--force", "-f") { Description = "Overwrite existing output files and clips." };
        var exact = new Option<bool>("--exact") { Description = "Read every window that could hold a better event, also in a clustered index (50 h or more), whose search otherwise reads the windows of the clusters nearest the query." };
        var model = new ModelChoice();
        var command = new Command("search", "Find the best moments of described sounds in an index: file, onset, offset, max and mean probability.")
        {
            queries, index, cluster, like, top, threshold, median, format, output, clips, context, force, exact,
        };
        command.Options.Add(model.Checkpoint);
        command.Options.Add(model.Config);
        command.Options.Add(model.Tokenizer);
        command.Options.Add(model.Device);
        command.SetAction((parse, cancel) => Run(new Request(parse.GetValue(queries)!, parse.GetValue(like) ?? [], parse.GetValue(index), parse.GetValue(cluster), parse.GetValue(top),
            parse.GetValue(threshold), parse.GetValue(median), Enum.Parse<SearchFormat>(parse.GetValue(format)!, ignoreCase: true), parse.GetValue(output),
            parse.GetValue(clips), parse.GetValue(context), parse.GetValue(force), parse.GetValue(exact), parse.GetValue(model.Checkpoint), parse.GetValue(model.Config),
            parse.GetValue(model.Tokenizer), parse.GetValue(model.Device)!), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancel));
        return command;
    }

    private sealed record Request(string[] Queries, string[] Like, string? Index, string? Cluster, int Top, double Threshold, int Median, SearchFormat Format, string? Out,
        string? Clips, double Context, bool Force, bool Exact, string? Checkpoint, string? Config, string? Tokenizer, string Device)
    {
        public void Validate()
        {
            if ((Index is null) == (Cluster is null))
            {
                throw new FlamException("Give either --index DIR (one index) or --cluster CONN (every shard of a cluster).");
            }
            if (Queries.Length + Like.Length == 0)
            {
                throw new FlamException("Nothing to search for: give a query in words, or --like FILE[@SECONDS].");
            }
            if (Top < 1)
            {
                throw new FlamException($"--top must be at least 1, got {Top}.");
            }
            if (!(Context >= 0))
            {
                throw new FlamException($"--context must be a non-negative number of seconds, got {Context}.");
            }
        }
    }

    private static async Task<int> Run(Request request, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        request.Validate();
        if (request.Out is not null)
        {
            AtomicFile.CheckWritable(request.Out, request.Force);
        }
        // A cluster's shards are read from the store its workers share; the search itself runs here.
        var (location, readers) = request.Cluster is null
            ? (request.Index!, OpenIndex(request.Index!))
            : await ClusterCommand.OpenShards(request.Cluster, cancel);
        try
        {
            return Run(request, location, readers, stdout, stderr);
        }
        finally
        {
            foreach (var reader in readers) reader.Dispose();
        }
    }

    private static List<AudioIndexReader> OpenIndex(string folder)
    {
        _ = IndexSettings.Read(folder) ?? throw new FlamException($"'{folder}' is not an index; build one with: flam index add AUDIO... --index {folder}");
        return [AudioIndexReader.Open(folder)];
    }

    private static int Run(Request request, string location, List<AudioIndexReader> readers, TextWriter stdout, TextWriter stderr)
    {
        var settings = readers[0].Settings;
        var options = settings.Detection(request.Threshold, request.Median);
        var examples = request.Like.Select(ParseExample).ToList();
        using var loaded = ModelChoice.LoadForIndex(settings, location, request.Checkpoint, request.Config, request.Tokenizer, request.Device);
        List<SearchHit> hits;
        using (var texts = new TextQueryCache(loaded.Model, loaded.Tokenizer, warning => stderr.WriteLine("warning: " + warning)))
        {
            hits = ShardSearch.SearchTexts(readers, request.Queries, texts, options, request.Top, request.Exact);
        }
        if (examples.Count > 0)
        {
            var encoder = new FrameEmbeddingEncoder(loaded.Model);
            var decode = new AudioDecodeOptions(Warning: message => stderr.WriteLine("warning: " + message));
            foreach (var (label, path, seconds) in examples)
            {
                var direction = AudioExcerpt.ExampleDirection(path, seconds, options, encoder.Encode, settings.Dimension, decode);
                hits.AddRange(ShardSearch.Search(readers, search => search.Search(label, direction, search.Similarity(direction), options, request.Top), request.Top, request.Exact));
            }
        }
        hits = [.. hits.OrderByDescending(h => h.Max)];
        var text = SearchReport.Format(request.Format, settings.ModelName, location, hits);
        if (request.Clips is not null)
        {
            ExportClips(request, readers, hits, stderr);
        }
        if (request.Out is null)
        {
            stdout.Write(text);
        }
        else
        {
            AtomicFile.WriteAllText(request.Out, text, request.Force);
            stdout.WriteLine($"{request.Out}: {hits.Count} result(s)");
        }
        return 0;
    }

    /// <summary>FILE or FILE@SECONDS (the part after the last '@' when it is a number, so names holding '@' still work).</summary>
    private static (string Label, string Path, double Seconds) ParseExample(string value)
    {
        var at = value.LastIndexOf('@');
        if (at > 0 && double.TryParse(value[(at + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && !File.Exists(value))
        {
            return (value, value[..at], seconds);
        }
        return (value, value, 0);
    }

    /// <summary>
    /// One WAV per hit, ranked, with <see cref="Request.Context"/> seconds around it. Every source file and clip name is
    /// checked before the first clip is written.
    /// </summary>
    private static void ExportClips(Request request, List<AudioIndexReader> readers, List<SearchHit> hits, TextWriter stderr)
    {
        var folder = request.Clips!;
        if (File.Exists(folder))
        {
            throw new FlamException($"--export-clips '{folder}' is a file, not a folder.");
        }
        var files = readers.SelectMany(r => r.Files).GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var sampleRate = readers[0].Settings.SampleRate;
        var plans = new List<(string Clip, IndexedFile Source, SearchHit Hit)>();
        for (var i = 0; i < hits.Count; i++)
        {
            var source = files[hits[i].File];
            if (!File.Exists(source.FullPath))
            {
                throw new FlamException($"'{source.Path}' was indexed but is no longer there ('{source.FullPath}'), so its clip cannot be cut; " +
                    $"run 'flam index add' again to update the index, or search without --export-clips.");
            }
            var clip = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture,
                $"{i + 1:D3}_{Slug(hits[i].Query)}_{Slug(Path.GetFileNameWithoutExtension(source.Path))}_{hits[i].Onset:0.000}s.wav"));
            if (File.Exists(clip) && !request.Force)
            {
                throw new FlamException($"'{clip}' already exists; use --force to overwrite it.");
            }
            plans.Add((clip, source, hits[i]));
        }
        Directory.CreateDirectory(folder);
        var decode = AudioDecodeOptions.Default;
        foreach (var (clip, source, hit) in plans)
        {
            var start = (long)Math.Floor(Math.Max(0, hit.Onset - request.Context) * sampleRate);
            var end = (long)Math.Ceiling(Math.Min((double)source.Samples / sampleRate, hit.Offset + request.Context) * sampleRate);
            WavWriter.Write(clip, AudioExcerpt.Read(source.FullPath, start, (int)(end - start), sampleRate, decode), sampleRate, overwrite: request.Force);
        }
        if (plans.Count > 0)
        {
            stderr.WriteLine($"{folder}: {plans.Count} clip(s)"); // standard output holds the results
        }
    }

    private static string Slug(string text)
    {
        var slug = new StringBuilder();
        foreach (var c in text.Trim())
        {
            slug.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-');
        }
        var result = slug.ToString().Trim('-');
        return result.Length == 0 ? "x" : result[..Math.Min(40, result.Length)];
    }
}
