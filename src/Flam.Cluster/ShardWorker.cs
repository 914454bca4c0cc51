using System.Diagnostics;
using Flam.Audio;
using Flam.Index;

namespace Flam.Cluster;

/// <summary>A loaded model as a worker indexes with it: the settings it gives an index, and its window encoder.</summary>
/// <param name="Settings">The settings an index built with this model and these options has.</param>
/// <param name="Encode">Windows → <c>windows × frames × d</c> frame embeddings.</param>
/// <param name="Model">What to dispose when the model is no longer used.</param>
public sealed record ShardEncoder(IndexSettings Settings, Func<IReadOnlyList<float[]>, float[]> Encode, IDisposable Model);

/// <summary>Loads the model a job names (the CLI loads it as <c>flam index add</c> does).</summary>
public delegate ShardEncoder ShardEncoderFactory(ShardModel model);

/// <summary>
/// The worker's side of indexing: its own shard (a normal index folder, <see cref="ClusterStore.ShardFolder"/>), written by
/// one file at a time through <see cref="AudioIndexer"/>, so a worker killed at any moment leaves its shard as after its
/// last committed file, and reopening the shard when the worker restarts cuts off the rest. Each file is indexed under
/// its cluster-wide claim (<paramref name="claims"/>) and only if no other shard holds it, so no file lands twice.
/// </summary>
public sealed class ShardWorker(string store, string name, ShardEncoderFactory load, IFileClaims claims, Action<string> log) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ShardModel? _model;
    private ShardEncoder? _encoder;
    private AudioIndexer? _indexer;

    /// <summary>The store folder all workers share.</summary>
    public string Store { get; } = Path.GetFullPath(store);

    /// <summary>The worker's name: its shard's folder name, stable across restarts.</summary>
    public string Name { get; } = name;

    /// <summary>Indexes <paramref name="path"/> into this worker's shard, after the files queued before it.</summary>
    public async Task<FileOutcome> IndexAsync(string path, ShardModel model)
    {
        await _gate.WaitAsync();
        try
        {
            IAsyncDisposable claim;
            try
            {
                claim = await claims.ClaimAsync(Path.GetFullPath(path));
            }
            catch (FlamException e)
            {
                // The claims live in the cluster's own database: without it the file is reported with the reason, and
                // running 'index add' again adds it.
                log($"error: {path}: {e.Message}");
                return new FileOutcome(FileState.Failed, Name, 0, 0, e.Message);
            }
            await using (claim)
            {
                // Encoding is long and synchronous: off the grain scheduler's threads.
                return await Task.Run(() => Index(path, model));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private FileOutcome Index(string path, ShardModel model)
    {
        var clock = Stopwatch.StartNew();
        FileOutcome Outcome(FileState state, double audio = 0, string? reason = null) => new(state, Name, audio, clock.Elapsed.TotalSeconds, reason);
        try
        {
            var (indexer, encoder) = Open(model);
            var plan = indexer.Plan(new AudioInputSet([new AudioInput(path, Path.GetFileName(path))], 0, 0), []);
            if (plan.Failed.Count > 0)
            {
                return Outcome(FileState.Failed, reason: plan.Failed[0].Reason);
            }
            if (plan.ToIndex.Count == 0)
            {
                indexer.Apply([], plan.Touched);
                return Outcome(FileState.AlreadyIndexed);
            }
            var file = plan.ToIndex[0];
            // Another worker indexed it: one that died after its commit but before its answer, or one that was handed the
            // same file by a second activation of its grain and claimed it first. Either way it must not land twice.
            if (ClusterStore.HeldByAnotherShard(Store, Name, file))
            {
                return Outcome(FileState.AlreadyIndexed);
            }
            var decode = new AudioDecodeOptions(Warning: message => log($"warning: {path}: {message}"));
            var record = indexer.Add(file, encoder.Encode, model.WindowBatchSize, decode);
            // The shard's first stage of search, as 'index add' keeps it (nothing below 50 h; one file's assignment above).
            indexer.UpdateClusters(note => log($"{Name}: {note}"));
            return Outcome(FileState.Indexed, (double)record.Samples / indexer.Settings.SampleRate);
        }
        catch (FlamException e)
        {
            log($"error: {path}: {e.Message}");
            return Outcome(FileState.Failed, reason: e.Message);
        }
    }

    /// <summary>The shard and the model of <paramref name="model"/>: loaded on the first file, again only when a job names another.</summary>
    private (AudioIndexer, ShardEncoder) Open(ShardModel model)
    {
        if (_indexer is not null && _encoder is not null && model == _model)
        {
            return (_indexer, _encoder);
        }
        Close();
        var encoder = load(model);
        try
        {
            var folder = ClusterStore.ShardFolder(Store, Name);
            _indexer = AudioIndexer.Open(folder, encoder.Settings, model.StorageChosen, model.HopSeconds is not null, note => log("warning: " + note));
            log($"{Name}: shard {folder} open ({encoder.Settings.ModelName})");
        }
        catch
        {
            encoder.Model.Dispose();
            throw;
        }
        (_encoder, _model) = (encoder, model);
        return (_indexer, encoder);
    }

    private void Close()
    {
        _indexer?.Dispose();
        _encoder?.Model.Dispose();
        (_indexer, _encoder, _model) = (null, null, null);
    }

    /// <summary>Closes the shard (folding its log in) and the model.</summary>
    public void Dispose()
    {
        Close();
        _gate.Dispose();
    }
}
