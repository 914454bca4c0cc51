using System.Globalization;
using Flam.Audio;
using Flam.Cluster;
using Flam.Index;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam index add AUDIO... --cluster CONN</c>: plans like a local <c>index add</c> (files the shards hold as they are
/// are skipped), hands the rest to the cluster's workers, shows progress and returns when every file is indexed.
/// </summary>
internal static class ClusterAdd
{
    /// <summary>Calls in flight per active worker: enough that a worker never waits for its next file.</summary>
    private const int CallsPerWorker = 4;

    public static async Task<int> Run(string[] paths, string connection, ShardModel model, TextWriter stdout, TextWriter stderr, CancellationToken cancel)
    {
        var inputs = AudioInputs.Expand(paths);
        if (inputs.SkippedSummary is { } skipped)
        {
            stderr.WriteLine(skipped);
        }
        return await ClusterCommand.WithClient(connection, cancel, async client =>
        {
            var store = await ClusterCommand.Store(client);
            // Shards keep their model: adding to them needs no model options (as for one index).
            if (model.Checkpoint is null && ClusterStore.Shards(store).FirstOrDefault() is { } shard && IndexSettings.Read(shard) is { } recorded)
            {
                model = model with { Checkpoint = recorded.Checkpoint, Config = model.Config ?? recorded.Config, Tokenizer = model.Tokenizer ?? recorded.Tokenizer };
            }
            var indexed = ClusterStore.IndexedFiles(store);
            var failures = new List<(string File, string Reason)>();
            var submit = new List<string>();
            var unchanged = 0;
            foreach (var input in inputs.Files)
            {
                if (PipeInput.IsStream(input.Path))
                {
                    failures.Add((input.Path, AudioIndexer.StreamRefused));
                    continue;
                }
                var info = new FileInfo(Path.GetFullPath(input.Path));
                if (!info.Exists)
                {
                    failures.Add((input.Path, "no such file"));
                }
                else if (indexed.TryGetValue(info.FullName, out var known) && known == (info.Length, info.LastWriteTimeUtc.Ticks))
                {
                    unchanged++;
                }
                else
                {
                    submit.Add(info.FullName);
                }
            }
            foreach (var (file, reason) in failures) stderr.WriteLine($"error: {file}: {reason}");
            var workers = (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count;
            var (progress, failed) = await Task.Run(() => CliProgress.Run(stderr, $"indexing on {workers} worker(s)", submit.Count, report =>
            {
                var submission = new IndexSubmission(client, model, Math.Max(CallsPerWorker, CallsPerWorker * workers),
                    p => report($"{p.Done + p.Failed}/{p.Total} files, {p.PerWorker.Count} worker(s) busy", p.Done + p.Failed));
                return submission.RunAsync(submit, cancel).GetAwaiter().GetResult();
            }), cancel);
            foreach (var (file, reason) in failed) stderr.WriteLine($"error: {file}: {reason}");
            failures.AddRange(failed);
            var indexedFiles = progress.PerWorker.Values.Sum(w => w.Files);
            var failedText = failures.Count > 0 ? $", {failures.Count} failed" : "";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{store}: indexed {indexedFiles} file(s) ({progress.AudioSeconds / 3600:0.###} h) on {progress.PerWorker.Count} worker(s), " +
                $"{unchanged + progress.Done - indexedFiles} unchanged{failedText}; {progress.Retried} call(s) repeated after a lost worker"));
            return failures.Count == 0 ? 0 : FlamApp.SomeFilesFailed;
        });
    }
}
