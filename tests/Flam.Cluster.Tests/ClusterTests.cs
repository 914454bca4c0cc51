using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Flam.Audio;
using Flam.Cluster;
using Flam.Index;

namespace Flam.Tests.Cluster;

/// <summary>
/// The cluster end to end with real processes: a private PostgreSQL server, three <c>flam cluster worker</c> processes on
/// loopback, <c>flam index add --cluster</c> submitting a folder of short clips, a worker SIGKILLed mid-run; the shards
/// must then hold every file exactly once with the bytes a single-process <c>flam index add</c> stores, and
/// <c>flam search --cluster</c> must print what a search of that single index prints.
/// </summary>
public sealed class ClusterTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    /// <summary>Bytes one window of the micro model takes in an int8 segment (32 frames of d = 24 plus a scale).</summary>
    private const int WindowBytes = 32 * (24 + 4);

    /// <summary>How long a step may take before the test fails (a loaded CI machine is slow; a hang must still end).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    /// <summary>Noise clips of 1 s at 8 kHz (one index window each), different in every file.</summary>
    private static string Clips(string folder, int count, int seed)
    {
        Directory.CreateDirectory(folder);
        for (var i = 0; i < count; i++)
        {
            var random = new Random(seed + i);
            var samples = new float[8000];
            var loud = random.Next(samples.Length);
            for (var s = 0; s < samples.Length; s++)
            {
                samples[s] = (float)(random.NextDouble() - 0.5) * (Math.Abs(s - loud) < 1500 ? 1.5f : 0.15f);
            }
            WavWriter.Write(Path.Combine(folder, $"clip{seed + i:D4}.wav"), samples, 8000);
        }
        return folder;
    }

    /// <summary>A running <c>flam</c> process whose standard error is collected.</summary>
    private sealed class Flam : IDisposable
    {
        private readonly StringBuilder _err = new();
        private readonly Task<string> _out;

        public Flam(params string[] arguments)
        {
            Process = CliProcess.Start(arguments);
            _out = Process.StandardOutput.ReadToEndAsync();
            Process.ErrorDataReceived += (_, e) =>
            {
                lock (_err) _err.AppendLine(e.Data);
            };
            Process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Err
        {
            get
            {
                lock (_err) return _err.ToString();
            }
        }

        /// <summary>Waits for the process to end and returns its standard output; fails unless it exits with 0.</summary>
        public string Finish(TimeSpan limit)
        {
            Assert.True(Process.WaitForExit(limit), "still running after " + limit + ": " + Err);
            Process.WaitForExit();
            Assert.True(Process.ExitCode == 0, $"exit code {Process.ExitCode}: {Err}");
            return _out.Result;
        }

        public void Kill()
        {
            if (!Process.HasExited)
            {
                Process.Kill(); // SIGKILL: no handler, finally block or Dispose runs in the child
                Process.WaitForExit();
            }
        }

        public void Dispose()
        {
            Kill();
            Process.Dispose();
        }
    }

    private static Flam StartWorker(string connection, string store, string name) =>
        new(["cluster", "worker", "--cluster", connection, "--store", store, "--name", name, "--probe-seconds", "1"]);

    private static void WaitUntil(Func<bool> reached, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!reached())
        {
            Assert.True(clock.Elapsed < Limit, "timed out waiting until " + what);
            Thread.Sleep(20);
        }
    }

    private static void WaitJoined(Flam worker) => WaitUntil(() => worker.Err.Contains(": joined cluster", StringComparison.Ordinal) || worker.Process.HasExited,
        "a worker joined");

    private static long Windows(string shard)
    {
        var frames = Path.Combine(shard, "segments", "000001.frames");
        return File.Exists(frames) ? new FileInfo(frames).Length / WindowBytes : 0;
    }

    private static string Results(string searchJson) => JsonDocument.Parse(searchJson).RootElement.GetProperty("results").GetRawText();

    private static int ShardFiles(string store, string worker)
    {
        using var reader = AudioIndexReader.Open(ClusterStore.ShardFolder(store, worker));
        return reader.Files.Count;
    }

    [Fact]
    public void A_worker_killed_mid_run_loses_nothing_and_the_shards_equal_a_single_index()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var connection = postgres.NewDatabase();
        var audio = Clips(temp["audio"], 150, 0);
        var store = temp["store"];
        var workers = new[] { "w1", "w2", "w3" }.Select(name => StartWorker(connection, store, name)).ToList();
        try
        {
            foreach (var worker in workers) WaitJoined(worker);
            Assert.All(workers, w => Assert.False(w.Process.HasExited, w.Err));
            using var submit = new Flam(["index", "add", audio, "--cluster", connection, .. FixturePaths.MicroModelArguments()]);
            var victim = ClusterStore.ShardFolder(store, "w3");
            // Killed once it has committed files and has more appended or queued: mid-run.
            WaitUntil(() => Windows(victim) >= 6 || submit.Process.HasExited, "the victim indexed some files");
            Assert.False(submit.Process.HasExited, "the job ended before the kill: " + submit.Err);
            workers[2].Kill();
            var output = submit.Finish(Limit);
            Assert.Matches(@"indexed \d+ file\(s\)", output); // files a dying worker committed count as unchanged
            Assert.True(ShardFiles(store, "w3") >= 1, "the killed worker had committed nothing");

            var single = temp["single"];
            CliProcess.Run(["index", "add", audio, "--index", single, .. FixturePaths.MicroModelArguments()]);
            var shards = ClusterStore.OpenAll(store);
            try
            {
                using var reference = AudioIndexReader.Open(single);
                var held = shards.SelectMany(s => s.Files.Select((f, i) => (Shard: s, Index: i, File: f))).ToList();
                // Every file exactly once, none lost with the killed worker, none indexed twice.
                var lost = reference.Files.Select(f => f.Path).Except(held.Select(h => h.File.Path), StringComparer.Ordinal).ToList();
                var twice = held.GroupBy(h => h.File.Path, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
                Assert.True(lost.Count == 0 && twice.Count == 0,
                    $"lost: [{string.Join(", ", lost)}]; in more than one shard: [{string.Join(", ", twice)}]; the submission printed: {output}");
                Assert.Equal(reference.Files.Count, held.Count);
                for (var i = 0; i < reference.Files.Count; i++)
                {
                    var file = reference.Files[i];
                    var copy = held.Single(h => h.File.Path == file.Path);
                    Assert.Equal(file.Sha256, copy.File.Sha256);
                    Assert.Equal(file.Samples, copy.File.Samples);
                    Assert.True(MemoryMarshal.AsBytes(reference.Embeddings(i).AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(copy.Shard.Embeddings(copy.Index).AsSpan())),
                        $"the embeddings of {file.Path} differ from the single index's");
                }
            }
            finally
            {
                foreach (var shard in shards) shard.Dispose();
            }

            string[] query = ["search", "time", "people play a game", "a dog", "--threshold", "0.01", "--top", "25"];
            var expected = Results(CliProcess.Run([.. query, "--index", single]));
            var actual = Results(CliProcess.Run([.. query, "--cluster", connection]));
            Assert.Contains("\"file\"", expected);
            Assert.Equal(expected, actual);
        }
        finally
        {
            foreach (var worker in workers) worker.Dispose();
        }
    }

    [Fact]
    public void A_restarted_worker_reopens_its_shard_rejoins_and_takes_work()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var connection = postgres.NewDatabase();
        var store = temp["store"];
        var workers = new[] { "w1", "w2", "w3" }.Select(name => StartWorker(connection, store, name)).ToList();
        try
        {
            foreach (var worker in workers) WaitJoined(worker);
            using (var first = new Flam(["index", "add", Clips(temp["first"], 60, 1000), "--cluster", connection, .. FixturePaths.MicroModelArguments()]))
            {
                var victim = ClusterStore.ShardFolder(store, "w3");
                WaitUntil(() => Windows(victim) >= 3 || first.Process.HasExited, "w3 indexed some files");
                workers[2].Kill();
                Assert.Matches(@"indexed \d+ file\(s\)", first.Finish(Limit)); // a file the victim committed as it died counts as unchanged
            }
            var before = ShardFiles(store, "w3");
            // The same name: the worker reopens its shard (repairing what the kill left) and joins as a new member.
            workers.Add(StartWorker(connection, store, "w3"));
            WaitJoined(workers[^1]);
            Assert.False(workers[^1].Process.HasExited, workers[^1].Err);
            using (var second = new Flam(["index", "add", Clips(temp["second"], 90, 2000), "--cluster", connection, .. FixturePaths.MicroModelArguments()]))
            {
                Assert.Contains("indexed 90 file(s)", second.Finish(Limit));
            }
            Assert.True(ShardFiles(store, "w3") > before, $"the restarted worker took no work: {workers[^1].Err}");
            Assert.Contains("shard " + ClusterStore.ShardFolder(store, "w3") + " open", workers[^1].Err);
            var status = CliProcess.Run("cluster", "status", "--cluster", connection);
            Assert.Matches(@"\n  w3 +Active ", status);
            Assert.Matches(@"\n  w3 +Dead ", status);
            Assert.Contains("files:    90 submitted, 90 done, 0 pending, 0 failed", status);
            using var all = new DisposableList(ClusterStore.OpenAll(store));
            Assert.Equal(150, all.Readers.Sum(r => r.Files.Count)); // nothing twice
        }
        finally
        {
            foreach (var worker in workers) worker.Dispose();
        }
    }

    private sealed class DisposableList(List<AudioIndexReader> readers) : IDisposable
    {
        public List<AudioIndexReader> Readers { get; } = readers;

        public void Dispose()
        {
            foreach (var reader in Readers) reader.Dispose();
        }
    }
}
