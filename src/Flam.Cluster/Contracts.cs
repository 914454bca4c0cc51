namespace Flam.Cluster;

/// <summary>
/// What a submitted job asks the workers to build: the model and the index options, as <c>flam index add</c> takes them.
/// Paths are absolute, since workers run in other folders (and on other machines that mount the same store).
/// </summary>
/// <param name="Checkpoint">Model weights; null for the shipped default model.</param>
/// <param name="Config">Model config (preset name or file); null for the checkpoint's own.</param>
/// <param name="Tokenizer">Tokenizer folder; null for the checkpoint's.</param>
/// <param name="Precision">Audio encoder precision (fp32, bf16, auto).</param>
/// <param name="Storage">How vectors are stored (int8, float16, float32).</param>
/// <param name="StorageChosen">Whether the user chose the storage (a shard built otherwise is then refused).</param>
/// <param name="HopSeconds">Window hop; null for the model's window.</param>
/// <param name="WindowBatchSize">Windows encoded at once.</param>
[GenerateSerializer, Immutable, Alias("Flam.Cluster.ShardModel")]
public sealed record ShardModel(
    [property: Id(0)] string? Checkpoint, [property: Id(1)] string? Config, [property: Id(2)] string? Tokenizer, [property: Id(3)] string Precision,
    [property: Id(4)] string Storage, [property: Id(5)] bool StorageChosen, [property: Id(6)] double? HopSeconds, [property: Id(7)] int WindowBatchSize);

/// <summary>What became of one submitted file.</summary>
public enum FileState
{
    /// <summary>Encoded and committed to the worker's shard.</summary>
    Indexed,

    /// <summary>A shard already holds this content at this path (an earlier run, or a worker that died after committing it).</summary>
    AlreadyIndexed,

    /// <summary>The file cannot be indexed (unreadable, empty, not audio): retrying would not help.</summary>
    Failed,
}

/// <summary>The answer of a worker for one file.</summary>
/// <param name="State">What happened.</param>
/// <param name="Worker">The worker that handled it.</param>
/// <param name="AudioSeconds">Seconds of audio encoded (0 unless indexed).</param>
/// <param name="WorkSeconds">Seconds the worker spent on it, waiting for its shard excluded.</param>
/// <param name="Reason">Why it failed.</param>
[GenerateSerializer, Immutable, Alias("Flam.Cluster.FileOutcome")]
public sealed record FileOutcome(
    [property: Id(0)] FileState State, [property: Id(1)] string Worker, [property: Id(2)] double AudioSeconds, [property: Id(3)] double WorkSeconds,
    [property: Id(4)] string? Reason);

/// <summary>Progress of the running (or last) job, as its submitter last reported it.</summary>
/// <param name="Job">Job id.</param>
/// <param name="Started">When it was submitted (UTC).</param>
/// <param name="Updated">When this report was made (UTC).</param>
/// <param name="Total">Files submitted.</param>
/// <param name="Done">Files indexed or found indexed already.</param>
/// <param name="Failed">Files that cannot be indexed.</param>
/// <param name="Retried">Calls repeated because a worker was lost.</param>
/// <param name="AudioSeconds">Seconds of audio indexed so far.</param>
/// <param name="PerWorker">Files and audio seconds each worker indexed in this job.</param>
[GenerateSerializer, Immutable, Alias("Flam.Cluster.JobProgress")]
public sealed record JobProgress(
    [property: Id(0)] string Job, [property: Id(1)] DateTime Started, [property: Id(2)] DateTime Updated, [property: Id(3)] int Total,
    [property: Id(4)] int Done, [property: Id(5)] int Failed, [property: Id(6)] int Retried, [property: Id(7)] double AudioSeconds,
    [property: Id(8)] IReadOnlyDictionary<string, WorkerProgress> PerWorker)
{
    /// <summary>Files neither done nor failed.</summary>
    public int Pending => Total - Done - Failed;
}

/// <summary>What one worker did in a job.</summary>
/// <param name="Files">Files it indexed.</param>
/// <param name="AudioSeconds">Audio seconds it indexed.</param>
/// <param name="WorkSeconds">Seconds it spent indexing them.</param>
[GenerateSerializer, Immutable, Alias("Flam.Cluster.WorkerProgress")]
public sealed record WorkerProgress([property: Id(0)] int Files, [property: Id(1)] double AudioSeconds, [property: Id(2)] double WorkSeconds);

/// <summary>
/// One audio file to index, keyed by its absolute path. Orleans places the activation on a worker (the one with the
/// fewest activations of two picked at random), where it indexes the file into that worker's shard; if the worker dies,
/// the caller's next call activates it on a live one.
/// </summary>
[Alias("Flam.Cluster.IFileIndexGrain")]
public interface IFileIndexGrain : IGrainWithStringKey
{
    /// <summary>Indexes the file (the grain's key) with <paramref name="model"/>, unless a shard already holds it as it is.</summary>
    /// <param name="model">The model and index options.</param>
    [Alias("Index")]
    Task<FileOutcome> Index(ShardModel model);
}

/// <summary>
/// Where a client's file calls enter the cluster: a stateless worker, so activated on the worker the client is connected
/// to, which then calls <see cref="IFileIndexGrain"/> wherever Orleans placed it. A call between workers fails as soon as
/// the cluster declares its target dead, so the client learns of a lost worker and asks again; a lost entry worker
/// breaks the client's connection, which fails its calls as well.
/// </summary>
[Alias("Flam.Cluster.IFileDispatchGrain")]
public interface IFileDispatchGrain : IGrainWithIntegerKey
{
    /// <summary>Calls <see cref="IFileIndexGrain.Index"/> of <paramref name="path"/>.</summary>
    [Alias("Index")]
    Task<FileOutcome> Index(string path, ShardModel model);
}

/// <summary>Facts of the cluster any worker can answer, and the progress of the current job.</summary>
[Alias("Flam.Cluster.IClusterInfoGrain")]
public interface IClusterInfoGrain : IGrainWithIntegerKey
{
    /// <summary>The store folder the workers share.</summary>
    [Alias("Store")]
    Task<string> Store();

    /// <summary>Records the submitter's latest progress report.</summary>
    [Alias("Report")]
    Task Report(JobProgress progress);

    /// <summary>The latest progress report, if a job was submitted since this grain was activated.</summary>
    [Alias("Progress")]
    Task<JobProgress?> Progress();
}
