using Orleans.Concurrency;
using Orleans.Placement;

namespace Flam.Cluster;

/// <summary>Indexes one file on the worker it is activated on (<see cref="IFileIndexGrain"/>).</summary>
[ActivationCountBasedPlacement]
internal sealed class FileIndexGrain(ShardWorker worker) : Grain, IFileIndexGrain
{
    public async Task<FileOutcome> Index(ShardModel model)
    {
        // One activation per file in flight: done, it leaves, so activation counts measure each worker's queue.
        DeactivateOnIdle();
        return await worker.IndexAsync(this.GetPrimaryKeyString(), model);
    }
}

/// <summary><see cref="IFileDispatchGrain"/>: local to the client's gateway, many calls at once.</summary>
[StatelessWorker(1), Reentrant]
internal sealed class FileDispatchGrain : Grain, IFileDispatchGrain
{
    public Task<FileOutcome> Index(string path, ShardModel model) => GrainFactory.GetGrain<IFileIndexGrain>(path).Index(model);
}

/// <summary>
/// <see cref="IClusterInfoGrain"/>: key 0 holds the current job's progress (in memory: if its worker dies, the submitter's
/// next report, a full snapshot, restores it elsewhere).
/// </summary>
internal sealed class ClusterInfoGrain(ShardWorker worker) : Grain, IClusterInfoGrain
{
    private JobProgress? _progress;

    public Task<string> Store() => Task.FromResult(worker.Store);

    public Task Report(JobProgress progress)
    {
        _progress = progress;
        DelayDeactivation(TimeSpan.FromDays(1));
        return Task.CompletedTask;
    }

    public Task<JobProgress?> Progress() => Task.FromResult(_progress);
}
