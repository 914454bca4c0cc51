using System.Diagnostics;
using System.Globalization;
using Flam.Audio;
using Flam.Index;
using Flam.Inference;
using Flam.Model;
using TorchSharp;

namespace Flam.Benchmarks;

/// <summary>
/// The audio index's measurements, with the shipped default model (d = 512):
/// <list type="bullet">
/// <item><c>index synth --hours H --out DIR [--storage int8|float32] [--seed S]</c>: a synthetic index of H hours (10-minute
/// files) without encoding audio: frames are mixtures of a file's background and a changing foreground sound, some of
/// which are the text embeddings of the benchmark's queries, so those queries have true hits.</item>
/// <item><c>index query --index DIR [--repeat R] [--warmup W] [--top K] [--exact] [--probe N] [--baseline]</c>: latency of <c>search</c> per query including its
/// text encoding (a fresh text cache each time), p50/p95, and what the search read; <c>--baseline</c> also runs every query
/// with the network's (torch) scorer in the same process and prints the ratio and the largest difference.</item>
/// <item><c>index cluster --index DIR [--minimum-windows N]</c>: clusters an index as the next <c>index add</c> would (N lowered: a small one too).</item>
/// <item><c>index probe-recall --index DIR [--top K] [--probe N,N,...]</c>: top-K recall and windows read of the clustered search against the exact one.</item>
/// <item><c>index recall --exact DIR --compact DIR [--top K]</c>: top-K recall of a compact index against a float32 one
/// built from the same embeddings, and the largest probability difference of the events both found.</item>
/// <item><c>index encode [--seconds S] [--batch B] [--files A,B,...] [--repeat R] [--config v1-base]</c>: indexing speed (decoding + encoding + storing) as a
/// multiple of real time, before (sequential) and with the pipeline, of S seconds of a 48 kHz WAV or of the given files/folders,
/// with the shipped default model or a named config with random weights.</item>
/// <item><c>index detect [--file F] [--repeat R]</c>: seconds per clip of <c>flam detect</c>'s path (decode, encode, score one query).</item>
/// <item><c>index profile [--file F] [--batch B] [--threads T] [--bf16]</c>: time per 10 s window of each stage (decoding, front end, HTSAT) and of parallel encoding.</item>
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
                Query(Arg("--index") ?? throw new ArgumentException("--index DIR"), (int)Number("--repeat", 3), (int)Number("--top", 100), args.Contains("--baseline"),
                    args.Contains("--exact"), (int)Number("--probe", IndexSearch.DefaultProbeWindows), (int)Number("--warmup", 1));
                return 0;
            case "cluster":
                Cluster(Arg("--index") ?? throw new ArgumentException("--index DIR"), (long)Number("--minimum-windows", 18_000));
                return 0;
            case "probe-recall":
                ProbeRecall(Arg("--index") ?? throw new ArgumentException("--index DIR"), (int)Number("--top", 100),
                    (Arg("--probe") ?? "1024,4096,16384").Split(',').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray());
                return 0;
            case "recall":
                Recall(Arg("--exact") ?? throw new ArgumentException("--exact DIR"), Arg("--compact") ?? throw new ArgumentException("--compact DIR"), (int)Number("--top", 100));
                return 0;
            case "encode":
                Encode(Number("--seconds", 120), (int)Number("--batch", 4), Arg("--files")?.Split(',') ?? [], (int)Number("--repeat", 3), Arg("--config"));
                return 0;
            case "detect":
                Detect(Arg("--file"), (int)Number("--repeat", 5));
                return 0;
            case "profile":
                if (Arg("--threads") is { } threads) torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
                Profile(Arg("--file"), (int)Number("--batch", 4), (int)Number("--repeat", 3), args.Contains("--bf16"));
                return 0;
            default:
                Console.Error.WriteLine("usage: index synth|cluster|query|probe-recall|recall|encode|detect|profile ... (see IndexRun.cs)");
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
        // What 'flam index add' does at the end of a run.
        watch.Restart();
        indexer.UpdateClusters(Console.Error.WriteLine);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"clusters updated in {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    /// <summary>Clusters an index built before clustering existed, as the next <c>flam index add</c> would.</summary>
    private static void Cluster(string folder, long minimumWindows)
    {
        var (bundle, model, _) = LoadDefault();
        using var __ = model;
        var stored = IndexSummary.Read(folder);
        VectorStorage storage;
        using (var reader = AudioIndexReader.Open(folder)) storage = reader.Settings.Storage;
        var settings = IndexSettings.For(bundle, model, "fp32", IndexOptions.Default with { Storage = storage }, defaultModel: true);
        var watch = Stopwatch.StartNew();
        using var indexer = AudioIndexer.Open(folder, settings, storageChosen: true, hopChosen: false, Console.Error.WriteLine);
        indexer.UpdateClusters(Console.Error.WriteLine, minimumWindows);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{folder} ({stored.Seconds / 3600:0.#} h): clusters updated in {watch.Elapsed.TotalSeconds:0.0} s"));
    }

    /// <summary>Top-K recall and cost of the clustered search against the exact one on the same index, for several probe sizes.</summary>
    private static void ProbeRecall(string folder, int top, int[] probes)
    {
        var (_, model, tokenizer) = LoadDefault();
        using var __ = model;
        using var reader = AudioIndexReader.Open(folder);
        using var cache = new TextQueryCache(model, tokenizer);
        var options = reader.Settings.Detection(0.5, 3);
        var exact = Queries.ToDictionary(q => q, q =>
        {
            var (scale, bias) = cache.Calibration(q);
            return new IndexSearch(reader, exact: true).Search(q, cache.Embedding(q), CosineScore.Calibrated(scale, bias), options, top, out _);
        });
        foreach (var probe in probes)
        {
            double found = 0, total = 0, read = 0, milliseconds = 0;
            foreach (var query in Queries)
            {
                var (scale, bias) = cache.Calibration(query);
                var watch = Stopwatch.StartNew();
                var actual = new IndexSearch(reader, probeWindows: probe).Search(query, cache.Embedding(query), CosineScore.Calibrated(scale, bias), options, top, out var statistics);
                milliseconds += watch.Elapsed.TotalMilliseconds;
                read += statistics.WindowsRead;
                foreach (var e in exact[query])
                {
                    total++;
                    if (actual.Any(a => a.File == e.File && a.Onset == e.Onset && a.Offset == e.Offset)) found++;
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"probe {probe,6}: top-{top} recall {found / Math.Max(1, total):0.0000} ({found}/{total} events over {Queries.Length} queries), windows read {read / Queries.Length:0} of {reader.Windows} per query, {milliseconds / Queries.Length:0.0} ms per query (wall)"));
        }
    }

    private static float[] Normalize(Span<float> v)
    {
        var norm = 0.0;
        foreach (var x in v) norm += x * x;
        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < v.Length; i++) v[i] *= scale;
        return v.ToArray();
    }

    private static void Query(string folder, int repeat, int top, bool baseline, bool exact, int probe, int warmup)
    {
        var (_, model, tokenizer) = LoadDefault();
        using var __ = model;
        using var reader = AudioIndexReader.Open(folder);
        var summary = IndexSummary.Read(folder);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{folder}: {summary.Files} files, {summary.Seconds / 3600:0.#} h, {summary.BytesOnDisk / 1e6:0.#} MB ({summary.BytesOnDisk / 1e6 / (summary.Seconds / 3600):0.0000} MB/h)"));
        var options = reader.Settings.Detection(0.5, 3);
        var search = new IndexSearch(reader, exact: exact, probeWindows: probe);
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
        // Warm-up rounds (JIT tiers, page faults) are left out of the percentiles, while at least one round is left.
        double[] Measured(List<double> all) => [.. all.Skip(Queries.Length * Math.Min(warmup, repeat - 1)).Order()];
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

    /// <summary>Wall and CPU seconds of <paramref name="action"/>, best of <paramref name="repeat"/> runs (CPU time is what counts on a shared machine).</summary>
    private static (double Wall, double Cpu) Time(int repeat, Action action)
    {
        var (wall, cpu) = (double.MaxValue, double.MaxValue);
        for (var r = 0; r < repeat; r++)
        {
            var watch = Stopwatch.StartNew();
            var start = Process.GetCurrentProcess().TotalProcessorTime;
            action();
            cpu = Math.Min(cpu, (Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds);
            wall = Math.Min(wall, watch.Elapsed.TotalSeconds);
        }
        return (wall, cpu);
    }

    /// <summary>
    /// The cost of <c>flam detect</c> per clip (decoding, encoding its window, scoring one cached query) on the calling
    /// thread with libtorch's threads, with one libtorch thread, and on a thread started for it.
    /// </summary>
    private static void Detect(string? file, int repeat)
    {
        var (_, model, tokenizer) = LoadDefault();
        using var __ = model;
        file ??= Path.Combine(AppContext.BaseDirectory, "../../../../../samples/helicopter-and-gunshot.ogg");
        using var scorer = new FlamFrameScorer(model, tokenizer);
        var detector = new SoundEventDetector(scorer, DetectionOptions.Default);
        string[] queries = ["a helicopter"];
        var duration = AudioFile.Probe(file).Duration;
        void Detect() => detector.DetectFile(file, queries);
        Detect();
        var threads = torch.get_num_threads();
        for (var round = 0; round < 2; round++)
        {
            foreach (var n in new[] { threads, 1 })
            {
                torch.set_num_threads(n);
                var (wall, cpu) = Time(repeat, Detect);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"detect {duration:0.#} s clip, calling thread, {n} libtorch thread(s): {wall:0.000} s wall, {cpu:0.000} s CPU (best of {repeat})"));
            }
            torch.set_num_threads(threads);
        }
        Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    /// <summary>Where indexing time goes, per 10 s window: decoding (and resampling), front end, HTSAT + projection, copy-out.</summary>
    private static void Profile(string? file, int batch, int repeat, bool bf16)
    {
        var (_, model, _) = LoadDefault();
        using var __ = model;
        var first = 0;
        var probe = new Thread(() => first = torch.get_num_threads());
        probe.Start();
        probe.Join();
        Console.WriteLine($"libtorch threads: main thread {torch.get_num_threads()}, a new thread {first}");
        if (bf16) model.AudioComputeType = torch.ScalarType.BFloat16;
        file ??= Path.Combine(AppContext.BaseDirectory, "../../../../../samples/helicopter-and-gunshot.ogg");
        var info = AudioFile.Probe(file);
        var windowSamples = model.Config.Audio.ClipSamples;
        var windows = 0;
        void Report(string stage, (double Wall, double Cpu) t, int count) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{stage,-34} wall {1000 * t.Wall / count,8:0.0} ms  cpu {1000 * t.Cpu / count,8:0.0} ms per 10 s window"));
        var decode = Time(repeat, () => windows = AudioFile.Windows(file, windowSamples, windowSamples).Count());
        Console.WriteLine($"{file}: {info.Format}, {info.SampleRate} Hz, {info.Channels} ch, {windows} windows; batch {batch}, {torch.get_num_threads()} torch threads");
        Report("decode + resample + cut windows", decode, windows);
        Report("  decode only (native rate, channels)", Time(repeat, () =>
        {
            using var decoder = AudioDecoders.Open(file, null, AudioDecodeOptions.Default);
            var buffer = new float[1 << 14];
            while (decoder.Read(buffer) > 0) { }
        }), windows);
        var samples = AudioFile.Windows(file, windowSamples, windowSamples).Take(batch).Select(w => w.Samples).ToList();
        while (samples.Count < batch) samples.Add(samples[0]);
        var encoder = new FrameEmbeddingEncoder(model);
        using var noGrad = torch.no_grad();
        using var waveform = torch.tensor(samples.SelectMany(s => s).ToArray(), [batch, windowSamples]);
        using (var warm = model.EncodeAudio(waveform)) { }
        Report("front end (log-mel)", Time(repeat, () => { using var m = model.FrontEnd.forward(waveform); }), batch);
        using var logMel = model.FrontEnd.forward(waveform);
        Report("HTSAT + projections", Time(repeat, () => { using var f = model.EncodeLogMel(logMel); }), batch);
        using (var inference = torch.inference_mode())
        {
            Report("HTSAT + projections, inference_mode", Time(repeat, () => { using var f = model.EncodeLogMel(logMel); }), batch);
        }
        var branch = (HtsatAudioEncoder)model.named_children().First(c => c.name == "audio_branch").module;
        using var image = branch.ToImage(logMel).to(branch.ComputeType);
        Report("  bn0 + stretch + wav2img", Time(repeat, () => { using var s = torch.NewDisposeScope(); branch.ToImage(logMel); }), batch);
        var stages = new double[8];
        var stageWatch = new Stopwatch();
        Time(repeat, () =>
        {
            using var s = torch.NewDisposeScope();
            stageWatch.Restart();
            branch.ForwardTokens(image, (i, _) => { stages[i + 1] += stageWatch.Elapsed.TotalSeconds; stageWatch.Restart(); });
        });
        for (var i = 0; i < 5; i++)
        {
            Report(i == 0 ? "  patch embed (wall, sum of runs)" : $"  Swin stage {i} (wall, sum of runs)", (stages[i] / repeat, double.NaN), batch);
        }
        Report("FrameEmbeddingEncoder.Encode (all)", Time(repeat, () => encoder.Encode(samples)), batch);
        // The same batches on this thread with libtorch's intra-op threads, then split over one worker per core with one thread each.
        const int Batches = 6;
        for (var round = 0; round < 2; round++)
        {
            foreach (var threads in new[] { 2, 1 })
            {
                torch.set_num_threads(threads);
                Report($"{Batches} batches, main thread x {torch.get_num_threads()} threads", Time(repeat, () =>
                {
                    for (var b = 0; b < Batches; b++) encoder.Encode(samples);
                }), Batches * batch);
                Report($"{Batches} batches, new thread x {threads} threads", Time(repeat, () =>
                {
                    var t = new Thread(() => { torch.set_num_threads(threads); for (var b = 0; b < Batches; b++) encoder.Encode(samples); });
                    t.Start();
                    t.Join();
                }), Batches * batch);
            }
        }
        torch.set_num_threads(2);
        Report($"{Batches} batches, 1 caller x {torch.get_num_threads()} threads", Time(repeat, () =>
        {
            for (var b = 0; b < Batches; b++) encoder.Encode(samples);
        }), Batches * batch);
        var workers = Environment.ProcessorCount;
        Report($"{Batches} batches, {workers} workers x 1 thread", Time(repeat, () =>
        {
            var next = -1;
            var threads = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
            {
                torch.set_num_threads(1);
                while (Interlocked.Increment(ref next) < Batches) encoder.Encode(samples);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }), Batches * batch);
        Console.WriteLine($"torch threads on the main thread afterwards: {torch.get_num_threads()}");
        var fresh = 0;
        var thread = new Thread(() => fresh = torch.get_num_threads());
        thread.Start();
        thread.Join();
        Console.WriteLine($"torch threads of a new thread: {fresh}");
        Report($"{Batches} batches, 1 new thread x {fresh} threads", Time(repeat, () =>
        {
            var t = new Thread(() => { for (var b = 0; b < Batches; b++) encoder.Encode(samples); });
            t.Start();
            t.Join();
        }), Batches * batch);
    }

    private static void Encode(double seconds, int batch, string[] given, int repeat, string? config)
    {
        FlamModel model;
        IndexSettings settings;
        if (config is null)
        {
            var (bundle, loaded, _) = LoadDefault();
            model = loaded;
            settings = IndexSettings.For(bundle, model, "fp32", IndexOptions.Default, defaultModel: true);
        }
        else
        {
            // Random weights: the time does not depend on their values.
            model = FlamModel.Create(FlamConfig.FromNameOrFile(config));
            var grid = DetectionOptions.Default.ForModel(model.Config.Audio);
            settings = new IndexSettings(config + " (random weights)", config + "-random", null, config, null, "fp32", VectorStorage.Int8,
                model.Config.JointEmbedDim, model.Config.Audio.Frames, grid.SampleRate, grid.WindowSeconds, grid.WindowSeconds, grid.FrameSeconds);
        }
        using var __ = model;
        Console.WriteLine($"model {settings.ModelName}");
        var folder = Path.Combine(Path.GetTempPath(), "flam-index-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            var paths = given;
            if (paths.Length == 0)
            {
                // Real sample audio repeated to the requested length.
                var audio = Path.Combine(folder, "audio.wav");
                var sample = AudioFile.Load(Path.Combine(AppContext.BaseDirectory, "../../../../../samples/helicopter-and-gunshot.ogg"));
                var samples = new float[(int)(seconds * AudioFile.FlamSampleRate)];
                for (var i = 0; i < samples.Length; i++) samples[i] = sample[i % sample.Length];
                WavWriter.Write(audio, samples, AudioFile.FlamSampleRate);
                paths = [audio];
            }
            var encoder = new FrameEmbeddingEncoder(model);
            var machine = IndexPipeline.ForThisMachine(batch);
            var runs = new (string Name, Action<AudioIndexer, IReadOnlyList<PlannedFile>> Index)[]
            {
                ($"sequential (before: decode, encode with {torch.get_num_threads()} libtorch threads, store, one file at a time)", (indexer, files) =>
                {
                    foreach (var file in files) AddSequentially(indexer, file, encoder, batch);
                }),
                ("pipeline, 1 decoder, 1 encoder (libtorch threads)", (indexer, files) => indexer.AddAll(files, encoder.Encode, new IndexPipeline(batch), AudioDecodeOptions.Default, (_, _) => { }, (_, e) => throw e)),
                ($"pipeline, 1 decoder, {machine.Encoders} encoders x 1 libtorch thread", (indexer, files) => indexer.AddAll(files, encoder.Encode, machine with { Decoders = 1 }, AudioDecodeOptions.Default, (_, _) => { }, (_, e) => throw e)),
                ($"pipeline, {machine.Decoders} decoders, {machine.Encoders} encoders x 1 libtorch thread (flam index add)", (indexer, files) => indexer.AddAll(files, encoder.Encode, machine, AudioDecodeOptions.Default, (_, _) => { }, (_, e) => throw e)),
            };
            // Warm-up (JIT, libtorch's first-call costs) on a throw-away index.
            using (var warm = AudioIndexer.Open(Path.Combine(folder, "warm"), settings, false, false, Console.Error.WriteLine))
            {
                var plan = warm.Plan(AudioInputs.Expand([paths[0]]), [paths[0]]);
                AddSequentially(warm, plan.ToIndex[0], encoder, batch);
            }
            // Rounds of all runs interleaved, best of each kept: other processes' load comes and goes.
            var best = runs.Select(_ => (Wall: double.MaxValue, Cpu: double.MaxValue)).ToArray();
            double audioSeconds = 0;
            for (var round = 0; round < repeat; round++)
            {
                for (var r = 0; r < runs.Length; r++)
                {
                    var index = Path.Combine(folder, $"index{r}-{round}");
                    using (var indexer = AudioIndexer.Open(index, settings, false, false, Console.Error.WriteLine))
                    {
                        var plan = indexer.Plan(AudioInputs.Expand(paths), paths);
                        var (wall, cpu) = Time(1, () => runs[r].Index(indexer, plan.ToIndex));
                        best[r] = (Math.Min(best[r].Wall, wall), Math.Min(best[r].Cpu, cpu));
                    }
                    audioSeconds = IndexSummary.Read(index).Seconds;
                    Directory.Delete(index, recursive: true);
                }
            }
            for (var r = 0; r < runs.Length; r++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{runs[r].Name}: {audioSeconds:0} s of audio in {best[r].Wall:0.00} s wall, {best[r].Cpu:0.00} s CPU (best of {repeat}): {audioSeconds / best[r].Wall:0}x real time wall, {audioSeconds / best[r].Cpu:0}x per CPU second; {best[0].Wall / best[r].Wall:0.00}x the sequential speed"));
            }
            Console.WriteLine($"{Environment.ProcessorCount} cores, {FileCount(paths)} file(s); load average now {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int FileCount(string[] paths) => AudioInputs.Expand(paths).Files.Count;

    /// <summary>What indexing did before the pipeline: decode, encode on the calling thread, store, commit, one file after the other.</summary>
    private static void AddSequentially(AudioIndexer indexer, PlannedFile file, FrameEmbeddingEncoder encoder, int batch)
    {
        var options = indexer.Detection;
        var embeddings = new List<float[]>();
        long total = 0;
        foreach (var windows in AudioFile.Windows(file.FullPath, options.WindowSamples, options.HopSamples, options.SampleRate).Chunk(batch))
        {
            total = windows[^1].Start + windows[^1].Valid;
            var encoded = encoder.Encode([.. windows.Select(w => w.Samples)]);
            var perWindow = encoded.Length / windows.Length;
            embeddings.AddRange(Enumerable.Range(0, windows.Length).Select(w => encoded[(w * perWindow)..((w + 1) * perWindow)]));
        }
        indexer.AddEmbeddings(file, total, embeddings.Count, w => embeddings[w]);
    }
}
