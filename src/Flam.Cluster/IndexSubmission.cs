using Orleans.Runtime;

namespace Flam.Cluster;

/// <summary>
/// <c>flam index add --cluster</c>: hands each file to the cluster (one <see cref="IFileIndexGrain"/> call per file through <see cref="IFileDispatchGrain"/>,
/// <paramref name="parallel"/> at a time), and asks again for a file whose worker was lost: Orleans activates the grain on
/// a live worker once it has declared the lost one dead. Progress is reported to the caller and to the cluster
/// (<c>flam cluster status</c>).
/// </summary>
public sealed class IndexSubmission(IClusterClient client, ShardModel model, int parallel, Action<JobProgress> progress)
{
    /// <summary>Calls for one file before it counts as failed (a file that kills every worker it reaches must not loop forever).</summary>
    public const int MaxAttempts = 30;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, WorkerProgress> _workers = new(StringComparer.Ordinal);
    private readonly string _job = Guid.NewGuid().ToString("N")[..12];
    private readonly DateTime _started = DateTime.UtcNow;
    private int _total;
    private int _done;
    private int _failed;
    private int _retried;
    private double _audio;
    private CancellationTokenSource _memberLost = new();

    /// <summary>Indexes <paramref name="files"/> (absolute paths) and returns the final progress and each failure.</summary>
    public async Task<(JobProgress Progress, List<(string File, string Reason)> Failures)> RunAsync(IReadOnlyList<string> files, CancellationToken cancel)
    {
        _total = files.Count;
        var failures = new List<(string, string)>();
        using var slots = new SemaphoreSlim(parallel);
        var info = client.GetGrain<IClusterInfoGrain>(0);
        using var reporting = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var reporter = ReportPeriodically(info, reporting.Token);
        var watcher = WatchMembership(reporting.Token);
        var work = files.Select(async path =>
        {
            await slots.WaitAsync(cancel);
            try
            {
                var outcome = await IndexOne(path, cancel);
                lock (_lock)
                {
                    if (outcome.State == FileState.Failed)
                    {
                        _failed++;
                        failures.Add((path, outcome.Reason ?? "failed"));
                    }
                    else
                    {
                        _done++;
                    }
                    if (outcome.State == FileState.Indexed)
                    {
                        _audio += outcome.AudioSeconds;
                        var before = _workers.GetValueOrDefault(outcome.Worker, new WorkerProgress(0, 0, 0));
                        _workers[outcome.Worker] = new WorkerProgress(before.Files + 1, before.AudioSeconds + outcome.AudioSeconds, before.WorkSeconds + outcome.WorkSeconds);
                    }
                }
                progress(Snapshot());
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        await Task.WhenAll(work);
        await reporting.CancelAsync();
        await reporter;
        await watcher;
        var final = Snapshot();
        await TryReport(info, final);
        return (final, failures);
    }

    private async Task<FileOutcome> IndexOne(string path, CancellationToken cancel)
    {
        for (var attempt = 1; ; attempt++)
        {
            var lost = Volatile.Read(ref _memberLost).Token;
            using var either = CancellationTokenSource.CreateLinkedTokenSource(lost, cancel);
            try
            {
                return await client.GetGrain<IFileDispatchGrain>(0).Index(path, model).WaitAsync(either.Token);
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancel.IsCancellationRequested)
            {
                // A worker died: this call may have gone through it, so it is asked again. If it was on a live worker, the
                // new call queues behind it at the same activation and finds the file indexed.
                Interlocked.Increment(ref _retried);
            }
            catch (Exception e) when (IsLostWorker(e) && attempt < MaxAttempts)
            {
                Interlocked.Increment(ref _retried);
                // The cluster needs a few probe periods to declare a killed worker dead; until then calls may fail fast.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * attempt)), cancel);
            }
            catch (Exception e) when (IsLostWorker(e))
            {
                return new FileOutcome(FileState.Failed, "", 0, 0, $"no worker finished it in {MaxAttempts} attempts (last: {e.Message})");
            }
        }
    }

    /// <summary>A failure of the call, not of the file: the worker died, was unreachable, or the call timed out.</summary>
    private static bool IsLostWorker(Exception e) => e is OrleansException or TimeoutException or SiloUnavailableException;

    /// <summary>
    /// Watches the cluster's membership (Orleans' failure detection) and, when a worker leaves it, abandons every call in
    /// flight: a call whose entry worker died would otherwise wait for its response until <see cref="ClusterHost.CallTimeout"/>.
    /// </summary>
    private async Task WatchMembership(CancellationToken cancel)
    {
        HashSet<SiloAddress>? known = null;
        var management = client.GetGrain<IManagementGrain>(0);
        while (!cancel.IsCancellationRequested)
        {
            try
            {
                var active = (await management.GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), cancel)).Keys.ToHashSet();
                if (known is not null && known.Any(silo => !active.Contains(silo)))
                {
                    await Interlocked.Exchange(ref _memberLost, new CancellationTokenSource()).CancelAsync();
                }
                known = active;
                await Task.Delay(TimeSpan.FromSeconds(1), cancel);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (IsLostWorker(e))
            {
                // Asked again a moment later, through another worker.
            }
        }
    }

    private JobProgress Snapshot()
    {
        lock (_lock)
        {
            return new JobProgress(_job, _started, DateTime.UtcNow, _total, _done, _failed, Volatile.Read(ref _retried), _audio,
                new Dictionary<string, WorkerProgress>(_workers, StringComparer.Ordinal));
        }
    }

    private async Task ReportPeriodically(IClusterInfoGrain info, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            await TryReport(info, Snapshot());
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancel);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Status is best effort: a report lost with a worker is made again a second later.</summary>
    private static async Task TryReport(IClusterInfoGrain info, JobProgress progress)
    {
        try
        {
            await info.Report(progress).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (IsLostWorker(e))
        {
            // The next report goes to the grain's new activation.
        }
    }
}
