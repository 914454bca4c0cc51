using System.Diagnostics;
using System.Globalization;
using Flam.Audio;
using Flam.Index;
using Flam.Inference;
using Flam.Model;

namespace Flam.Benchmarks;

/// <summary>
/// The audio index's measurements, with the shipped default model (d = 512):
/// <list type="bullet">
/// <item><c>index synth --hours H --out DIR [--storage int8|float32] [--seed S]</c>: a synthetic index of H hours (10-minute
/// files) without encoding audio: frames are mixtures of a file's background and a changing foreground sound, some of
/// which are the text embeddings of the benchmark's queries, so those queries have true hits.</item>
/// <item><c>index query --index DIR [--repeat R] [--top K] [--baseline]</c>: latency of <c>search</c> per query including its
/// text encoding (a fresh text cache each time), p50/p95, and what the search read; <c>--baseline</c> also runs every query
/// with the network's (torch) scorer in the same process and prints the ratio and the largest difference.</item>
/// <item><c>index recall --exact DIR --compact DIR [--top K]</c>: top-K recall of a compact index against a float32 one
/// built from the same embeddings, and the largest probability difference of the events both found.</item>
/// <item><c>index encode [--seconds S] [--batch B]</c>: indexing speed (encoding + storing) as a multiple of real time.</item>
/// </list>
/// </summary>
internal static class IndexRun
{
    private static readonly string[] Queries =
    [
        "a dog barking", "glass breaking", "a helicopter", "a gunshot", "a woman speaking", "rain on a roof", "a car horn",
        "birds singing", "a door slamming", "footsteps", "a baby crying", "church bells", "applause", "a siren", "thunder",
        "a cat meowing", "water running", "a phone ringing", "an engine idling", "people laughing",
    ];

    public static int Run(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        double Number(string name, double fallback) => Arg(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
        switch (args.FirstOrDefault())
        {
            case "synth":
                Synthesize(Number("--hours", 10), Arg("--out") ?? throw new ArgumentException("--out DIR"),
                    Enum.Parse<VectorStorage>(Arg("--storage") ?? "int8", ignoreCase: true), (int)Number("--seed", 1));
                return 0;
            case "query":
                Query(Arg("--index") ?? throw new ArgumentException("--index DIR"), (int)Number("--repeat", 3), (int)Number("--top", 100), args.Contains("--baseline"));
                return 0;
            case "recall":
                Recall(Arg("--exact") ?? throw new ArgumentException("--exact DIR"), Arg("--compact") ?? throw new ArgumentException("--compact DIR"), (int)Number("--top", 100));
                return 0;
            case "encode":
                Encode(Number("--seconds", 120), (int)Number("--batch", 4));
                return 0;
            default:
                Console.Error.WriteLine("usage: index synth|query|recall|encode ... (see IndexRun.cs)");
                return 1;
        }
    }

    private static (ModelBundle Bundle, FlamModel Model, Model.Text.ITextTokenizer Tokenizer) LoadDefault()
    {
        var bundle = ModelBundle.Default;
        var model = bundle.LoadModel();
        return (bundle, model, bundle.LoadTokenizer(model));
    }

    private static void Synthesize(double hours, string folder, VectorStorage storage, int seed)
    {
        var (bundle, model, tokenizer) = LoadDefault();
        using var _ = model;
        var settings = IndexSettings.For(bundle, model, "fp32", IndexOptions.Default with { Storage = storage }, defaultModel: true);
        float[][] planted;
        using (var texts = new TextQueryCache(model, tokenizer))
        {
            planted = [.. Queries.Select(texts.Embedding)];
        }
        var d = settings.Dimension;
        var frames = settings.FramesPerWindow;
        var random = new Random(seed);
        float[] Unit()
        {
            var v = new float[d];
            for (var i = 0; i < d; i++) v[i] = (float)(random.NextDouble() - 0.5);
            return Normalize(v);
        }
        var pool = Enumerable.Range(0, 200).Select(_ => Unit()).Concat(planted).ToArray();
        const int WindowsPerFile = 60; // 10 minutes at the 10 s hop
        var files = (int)Math.Ceiling(hours * 360 / WindowsPerFile);
        var watch = Stopwatch.StartNew();
        using var indexer = AudioIndexer.Open(folder, settings, storageChosen: true, hopChosen: false, Console.Error.WriteLine);
        for (var f = 0; f < files; f++)
        {
            var background = Unit();
            var sound = pool[random.Next(pool.Length)];
            var left = 0;
            var path = $"synthetic/{f / 100:D4}/file{f:D6}.wav";
            var planned = new PlannedFile(new AudioInput(path, path), "/synthetic/" + path, 0, 0, "");
            indexer.AddEmbeddings(planned, (long)WindowsPerFile * settings.SampleRate * 10, WindowsPerFile, _ =>
            {
                var window = new float[frames * d];
                for (var t = 0; t < frames; t++)
                {
                    if (left-- <= 0)
                    {
                        // A planted query sound now and then; otherwise one of the other sounds.
                        sound = random.NextDouble() < 0.02 ? planted[random.Next(planted.Length)] : pool[random.Next(200)];
                        left = random.Next(3, 30);
                    }
                    var v = window.AsSpan(t * d, d);
                    for (var i = 0; i < d; i++) v[i] = 0.8f * sound[i] + 0.5f * background[i] + 0.05f * (float)(random.NextDouble() - 0.5);
                    Normalize(v);
                }
                return window;
            });
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{files} files, {files * WindowsPerFile / 360.0:0.#} h, {storage}: written in {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    private static float[] Normalize(Span<float> v)
    {
        var norm = 0.0;
        foreach (var x in v) norm += x * x;
        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < v.Length; i++) v[i] *= scale;
        return v.ToArray();
    }

    private static void Query(string folder, int repeat, int top, bool baseline)
    {
        var (_, model, tokenizer) = LoadDefault();
        using var __ = model;
        using var reader = AudioIndexReader.Open(folder);
        var summary = IndexSummary.Read(folder);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{folder}: {summary.Files} files, {summary.Seconds / 3600:0.#} h, {summary.BytesOnDisk / 1e6:0.#} MB ({summary.BytesOnDisk / 1e6 / (summary.Seconds / 3600):0.0000} MB/h)"));
        var options = reader.Settings.Detection(0.5, 3);
        var search = new IndexSearch(reader);
        var process = Process.GetCurrentProcess();
        // CPU time (all threads) per query as well as wall time: on a loaded machine it shows the work done, not the wait.
        var cpus = new List<double>();
        var latencies = new List<double>();
        var baselines = new List<double>();
        var texts = new List<double>();
        var worst = 0.0;
        for (var r = 0; r < repeat; r++)
        {
            foreach (var query in Queries)
            {
                // A fresh cache per query: its text encoding is part of the latency.
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                IReadOnlyList<SearchHit> hits;
                SearchStatistics statistics;
                double text;
                using (var cache = new TextQueryCache(model, tokenizer))
                {
                    var direction = cache.Embedding(query);
                    var (scale, bias) = cache.Calibration(query);
                    text = watch.Elapsed.TotalMilliseconds;
                    hits = search.Search(query, direction, CosineScore.Calibrated(scale, bias), options, top, out statistics);
                }
                var elapsed = watch.Elapsed.TotalMilliseconds;
                process.Refresh();
                cpus.Add((process.TotalProcessorTime - cpu).TotalMilliseconds);
                latencies.Add(elapsed);
                texts.Add(text);
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"  {query,-18} {elapsed,7:0.0} ms (cpu {cpus[^1],6:0.0}, text {text,5:0.0})  {hits.Count,3} hits, best {(hits.Count > 0 ? hits[0].Max : 0):0.000}; read {statistics.WindowsRead} of {reader.Windows} windows, scored {statistics.WindowsScored}, {statistics.Rounds} round(s); bounds {statistics.Bounding.TotalMilliseconds:0.0} + read {statistics.Reading.TotalMilliseconds:0.0} + score {statistics.Scoring.TotalMilliseconds:0.0} ms");
                if (baseline)
                {
                    // The same search with the network's scorer (torch on decoded embeddings), as before the stored-record scorer.
                    watch.Restart();
                    using var cache = new TextQueryCache(model, tokenizer);
                    var torchHits = search.Search(query, cache.Embedding(query), (e, w) => cache.Score(e, w, reader.Settings.FramesPerWindow, [query]), options, top);
                    baselines.Add(watch.Elapsed.TotalMilliseconds);
                    if (torchHits.Count != hits.Count)
                    {
                        throw new InvalidOperationException($"{query}: {hits.Count} hits, the torch scorer {torchHits.Count}");
                    }
                    worst = Math.Max(worst, hits.Zip(torchHits, (a, b) => (double)Math.Abs(a.Max - b.Max)).DefaultIfEmpty(0).Max());
                    line += string.Create(CultureInfo.InvariantCulture, $"; torch scorer {baselines[^1]:0.0} ms");
                }
                if (r == repeat - 1) Console.WriteLine(line);
            }
        }
        // The first round includes JIT compilation and page faults: it is left out of the percentiles when repeated.
        double[] Measured(List<double> all) => repeat > 1 ? [.. all.Skip(Queries.Length).Order()] : [.. all.Order()];
        static double Percentile(double[] sorted, double p) => sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];
        var measured = Measured(latencies);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"top-{top} latency incl. text encoding over {measured.Length} queries: p50 {Percentile(measured, 0.5):0.0} ms, p95 {Percentile(measured, 0.95):0.0} ms, max {measured[^1]:0.0} ms; text encoding p50 {Percentile([.. texts.Order()], 0.5):0.0} ms; CPU time p50 {Percentile(Measured(cpus), 0.5):0.0} ms, p95 {Percentile(Measured(cpus), 0.95):0.0} ms"));
        if (File.Exists("/proc/self/status"))
        {
            // Mapped segment pages count as resident (RssFile) while touched; the OS drops them under pressure. RssAnon is the process's own memory.
            var status = File.ReadAllLines("/proc/self/status").Where(l => l.StartsWith("VmHWM", StringComparison.Ordinal) || l.StartsWith("Rss", StringComparison.Ordinal));
            Console.WriteLine("memory: " + string.Join(", ", status.Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))));
        }
        if (baseline)
        {
            var before = Measured(baselines);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"baseline (torch scorer, same process): p50 {Percentile(before, 0.5):0.0} ms, p95 {Percentile(before, 0.95):0.0} ms; ratio baseline/new p50 {Percentile(before, 0.5) / Percentile(measured, 0.5):0.0}x, p95 {Percentile(before, 0.95) / Percentile(measured, 0.95):0.0}x; largest |max| difference {worst:G3}"));
        }
    }

    private static void Recall(string exactFolder, string compactFolder, int top)
    {
        var (_, model, tokenizer) = LoadDefault();
        using var __ = model;
        using var exact = AudioIndexReader.Open(exactFolder);
        using var compact = AudioIndexReader.Open(compactFolder);
        using var cache = new TextQueryCache(model, tokenizer);
        var options = exact.Settings.Detection(0.5, 3);
        double found = 0, total = 0, worst = 0;
        foreach (var query in Queries)
        {
            List<SearchHit> Hits(AudioIndexReader reader) => [.. new IndexSearch(reader).Search(query, cache.Embedding(query),
                (e, w) => cache.Score(e, w, reader.Settings.FramesPerWindow, [query]), options, top)];
            var expected = Hits(exact);
            var actual = Hits(compact);
            foreach (var e in expected)
            {
                total++;
                // The same event: same file, overlapping time.
                var match = actual.FirstOrDefault(a => a.File == e.File && a.Onset < e.Offset && e.Onset < a.Offset);
                if (match is not null)
                {
                    found++;
                    worst = Math.Max(worst, Math.Abs(match.Max - e.Max));
                }
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{compact.Settings.Storage} vs {exact.Settings.Storage}: top-{top} recall {found / Math.Max(1, total):0.0000} ({found}/{total} events over {Queries.Length} queries); largest |max probability| difference of matched events {worst:G3}"));
    }

    private static void Encode(double seconds, int batch)
    {
        var (bundle, model, _) = LoadDefault();
        using var __ = model;
        var folder = Path.Combine(Path.GetTempPath(), "flam-index-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var audio = Path.Combine(folder, "audio.wav");
        Directory.CreateDirectory(folder);
        try
        {
            // Real sample audio repeated to the requested length.
            var sample = AudioFile.Load(Path.Combine(AppContext.BaseDirectory, "../../../../../samples/helicopter-and-gunshot.ogg"));
            var samples = new float[(int)(seconds * AudioFile.FlamSampleRate)];
            for (var i = 0; i < samples.Length; i++) samples[i] = sample[i % sample.Length];
            WavWriter.Write(audio, samples, AudioFile.FlamSampleRate);
            var settings = IndexSettings.For(bundle, model, "fp32", IndexOptions.Default, defaultModel: true);
            var encoder = new FrameEmbeddingEncoder(model);
            using var indexer = AudioIndexer.Open(Path.Combine(folder, "index"), settings, false, false, Console.Error.WriteLine);
            var plan = indexer.Plan(AudioInputs.Expand([audio]), [audio]);
            var watch = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            indexer.Add(plan.ToIndex[0], encoder.Encode, batch, AudioDecodeOptions.Default);
            var wall = watch.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"indexed {seconds:0} s of audio in {wall:0.00} s wall, {cpuSeconds:0.00} s CPU ({Environment.ProcessorCount} cores, {TorchSharp.torch.get_num_threads()} torch threads): {seconds / wall:0}x real time"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
