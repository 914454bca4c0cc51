using System.CommandLine;
using System.Globalization;
using System.Text;
using Flam.Cluster;
using Flam.Index;
using Flam.Inference;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam cluster worker</c> (join a cluster and index files into this worker's shard of the shared store) and
/// <c>flam cluster status</c> (workers, the current job's progress, the shards). <c>flam index add --cluster</c> submits,
/// <c>flam search --cluster</c> searches every shard: docs/scale-out.md.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "Index and search on several machines: workers on Microsoft Orleans, membership in PostgreSQL, shards in a shared folder.");
        command.Subcommands.Add(CreateWorker());
        command.Subcommands.Add(CreateStatus());
        return command;
    }

    /// <summary>The <c>--cluster CONN</c> option of every cluster-aware command.</summary>
    public static Option<string> ConnectionOption(bool required) => new("--cluster")
    {
        Description = "PostgreSQL connection string of the cluster (e.g. 'Host=db;Username=flam;Password=...;Database=flam'); its workers do the work.",
        Required = required,
    };

    private static Command CreateWorker()
    {
        var defaults = new WorkerOptions { Connection = "", Store = "" };
        var connection = ConnectionOption(required: true);
        var store = new Option<string>("--store") { Description = "The folder all workers share (a network file system across machines); this worker's shard is STORE/shards/NAME.", Required = true };
        var name = CliOptions.Opt("--name", "This worker's name: its shard's folder, unique in the cluster and the same after a restart, so a restarted worker reopens its shard.", defaults.Name);
        var address = CliOptions.Opt("--address", "IP address the other workers and clients reach this worker at.", defaults.Address);
        var port = CliOptions.Opt("--port", "Port between workers (0: any free one).", defaults.SiloPort);
        var gatewayPort = CliOptions.Opt("--gateway-port", "Port clients connect to (0: any free one).", defaults.GatewayPort);
        var probe = CliOptions.Opt("--probe-seconds", "Failure detection: seconds to wait for a probed worker; a worker missing three probes is declared dead and its files go to the others.", defaults.ProbeSeconds);
        var device = CliOptions.Opt("--device", "Torch device: cpu, cuda or cuda:N.", "cpu");
        var command = new Command("worker", "Join a cluster and index the files submitted to it (flam index add --cluster) into this worker's shard; runs until stopped.")
        {
            connection, store, name, address, port, gatewayPort, probe, device,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var options = new WorkerOptions
            {
                Connection = parse.GetValue(connection)!,
                Store = parse.GetValue(store)!,
                Name = parse.GetValue(name)!,
                Address = parse.GetValue(address)!,
                SiloPort = parse.GetValue(port),
                GatewayPort = parse.GetValue(gatewayPort),
                ProbeSeconds = parse.GetValue(probe),
            };
            var stderr = parse.InvocationConfiguration.Error;
            var selected = parse.GetValue(device)!;
            await ClusterHost.RunWorkerAsync(options, model => LoadEncoder(model, selected), line => Log(stderr, line), cancel);
            return 0;
        });
        return command;
    }

    private static readonly Lock LogLock = new();

    private static void Log(TextWriter stderr, string line)
    {
        lock (LogLock)
        {
            stderr.WriteLine(line);
            stderr.Flush();
        }
    }

    /// <summary>Loads a job's model as <c>flam index add</c> does, with the index settings it gives.</summary>
    private static ShardEncoder LoadEncoder(ShardModel model, string device)
    {
        var loaded = ModelChoice.Load(model.Checkpoint, model.Config, model.Tokenizer, device, model.Precision);
        try
        {
            var options = IndexOptions.Default with
            {
                Storage = Enum.Parse<VectorStorage>(model.Storage, ignoreCase: true),
                HopSeconds = model.HopSeconds,
                WindowBatchSize = model.WindowBatchSize,
            };
            var settings = IndexSettings.For(loaded.Bundle, loaded.Model, loaded.Precision, options, defaultModel: model.Checkpoint is null);
            return new ShardEncoder(settings, new FrameEmbeddingEncoder(loaded.Model).Encode, loaded);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the cluster as a client for the length of <paramref name="work"/>.</summary>
    public static async Task<T> WithClient<T>(string connection, CancellationToken cancel, Func<IClusterClient, Task<T>> work)
    {
        using var host = await ClusterHost.ConnectAsync(connection, cancel);
        try
        {
            return await work(host.Services.GetRequiredService<IClusterClient>());
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The store folder the cluster's workers share.</summary>
    public static Task<string> Store(IClusterClient client) => client.GetGrain<IClusterInfoGrain>(0).Store();

    /// <summary>The cluster's store and every shard in it, opened for reading (search and serve read the shards here).</summary>
    public static Task<(string Store, List<AudioIndexReader> Shards)> OpenShards(string connection, CancellationToken cancel) =>
        WithClient(connection, cancel, async client =>
        {
            var store = await Store(client);
            return (store, ClusterStore.OpenAll(store));
        });

    private static Command CreateStatus()
    {
        var connection = ConnectionOption(required: true);
        var command = new Command("status", "The cluster's workers, the current job (files done, pending, failed, throughput) and the shards.") { connection };
        command.SetAction(async (parse, cancel) =>
        {
            var text = await WithClient(parse.GetValue(connection)!, cancel, async client =>
            {
                var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
                var store = await Store(client);
                var progress = await client.GetGrain<IClusterInfoGrain>(0).Progress();
                return Status(parse.GetValue(connection)!, store, hosts, progress);
            });
            parse.InvocationConfiguration.Output.Write(text);
            return 0;
        });
        return command;
    }

    private static string Status(string connection, string store, MembershipEntry[] hosts, JobProgress? job)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"cluster:  {ClusterSchema.Describe(connection)}");
        text.AppendLine(invariant, $"store:    {store}");
        var active = hosts.Count(h => h.Status == SiloStatus.Active);
        text.AppendLine(invariant, $"workers:  {active} active, {hosts.Length - active} other");
        foreach (var host in hosts.OrderBy(h => h.SiloName, StringComparer.Ordinal).ThenBy(h => h.StartTime))
        {
            text.AppendLine(invariant, $"  {host.SiloName,-16} {host.Status,-12} {host.SiloAddress.Endpoint,-22} started {host.StartTime:u}");
        }
        if (job is null)
        {
            text.AppendLine("job:      none since the cluster started");
        }
        else
        {
            var seconds = Math.Max(1e-9, (job.Updated - job.Started).TotalSeconds);
            text.AppendLine(invariant, $"job:      {job.Job}, started {job.Started:u}, reported {job.Updated:u}");
            text.AppendLine(invariant, $"files:    {job.Total} submitted, {job.Done} done, {job.Pending} pending, {job.Failed} failed; {job.Retried} call(s) repeated after a lost worker");
            text.AppendLine(invariant, $"speed:    {job.Done / seconds:0.##} files/s, {job.AudioSeconds / 3600:0.###} h of audio ({job.AudioSeconds / seconds:0.#} s of audio per second)");
            foreach (var (worker, done) in job.PerWorker.OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                text.AppendLine(invariant, $"  {worker,-16} {done.Files} file(s), {done.AudioSeconds / 3600:0.###} h in {done.WorkSeconds:0.#} s of work ({done.AudioSeconds / Math.Max(1e-9, done.WorkSeconds):0.#}x real time)");
            }
        }
        var shards = ClusterStore.Shards(store);
        text.AppendLine(invariant, $"shards:   {shards.Count}");
        foreach (var shard in shards)
        {
            var summary = IndexSummary.Read(shard);
            text.AppendLine(invariant, $"  {Path.GetFileName(shard),-16} {summary.Files} file(s), {summary.Seconds / 3600:0.###} h, {summary.BytesOnDisk / 1e6:0.###} MB, {summary.State}");
        }
        return text.ToString();
    }
}
