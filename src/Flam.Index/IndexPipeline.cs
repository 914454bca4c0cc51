using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Flam.Audio;
using Flam.Inference;
using Flam.Runtime;

namespace Flam.Index;

/// <summary>How <see cref="AudioIndexer.AddAll"/> spreads indexing over threads.</summary>
/// <param name="BatchSize">Windows encoded at once.</param>
/// <param name="Encoders">
/// Threads encoding batches. With more than one, each computes with a single libtorch thread: several batches in
/// parallel keep the cores busier than libtorch's intra-op threads on one batch, whose OpenMP teams wait on each other
/// (and spin) after every operation, worst on a loaded machine.
/// </param>
/// <param name="Decoders">Threads decoding (and resampling) files, each one file at a time, a few files ahead of the commits.</param>
public sealed record IndexPipeline(int BatchSize, int Encoders = 1, int Decoders = 1)
{
    /// <summary>
    /// One encoder and one decoder per core that libtorch may use (its thread count: the cores, or <c>FLAM_THREADS</c>);
    /// decoders wait when they are ahead, and decoding a 44.1 kHz file costs about as much as encoding it.
    /// </summary>
    public static IndexPipeline ForThisMachine(int batchSize)
    {
        TorchRuntime.EnsureLoaded();
        var cores = Math.Max(1, Math.Min(Environment.ProcessorCount, TorchSharp.torch.get_num_threads()));
        return new(batchSize, Encoders: cores, Decoders: cores);
    }

    /// <summary>Throws <see cref="FlamException"/> naming the first invalid setting.</summary>
    public IndexPipeline Validate()
    {
        if (BatchSize < 1)
        {
            throw new FlamException($"The window batch size must be at least 1, got {BatchSize}.");
        }
        if (Encoders < 1 || Decoders < 1)
        {
            throw new FlamException($"Indexing needs at least one encoding and one decoding thread, got {Encoders} and {Decoders}.");
        }
        return this;
    }
}

/// <summary>
/// The queues between <see cref="AudioIndexer.AddAll"/>'s threads: decoders cut files into batches of windows (each
/// file's batches in its own bounded queue, at most <see cref="FilesAhead"/> files beyond the decoders' own ahead of
/// the commits), encoders take batches from one shared queue, and the committing thread reads each file's queue in order.
/// </summary>
internal sealed class WindowBatchQueue : IDisposable
{
    /// <summary>Decoded files that may wait for their commit besides those being decoded.</summary>
    private const int FilesAhead = 2;

    private readonly Channel<WindowBatch>?[] _files;
    private readonly Channel<WindowBatch> _work = Channel.CreateUnbounded<WindowBatch>();
    private readonly SemaphoreSlim _slots;
    private readonly IndexPipeline _pipeline;
    private readonly CancellationToken _stop;
    private int _nextFile = -1;

    public WindowBatchQueue(int files, IndexPipeline pipeline, CancellationToken stop)
    {
        _files = new Channel<WindowBatch>?[files];
        _pipeline = pipeline;
        _stop = stop;
        _slots = new SemaphoreSlim(pipeline.Decoders + FilesAhead);
    }

    private Channel<WindowBatch> File(int index)
    {
        // Created by whichever side (decoder or committer) gets to the file first.
        var created = Channel.CreateBounded<WindowBatch>(new BoundedChannelOptions(_pipeline.Encoders + 1) { SingleReader = true, SingleWriter = true });
        return Interlocked.CompareExchange(ref _files[index], created, null) ?? created;
    }

    /// <summary>A decoding thread: takes the next file, sends its batches and then its end (or its failure).</summary>
    public void Decode(IReadOnlyList<PlannedFile> files, DetectionOptions options, AudioDecodeOptions decode)
    {
        try
        {
            while (true)
            {
                _slots.Wait(_stop);
                var index = Interlocked.Increment(ref _nextFile);
                if (index >= files.Count)
                {
                    _slots.Release();
                    return;
                }
                var queue = File(index);
                try
                {
                    DecodeFile(files[index], options, decode, queue);
                }
                catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
                {
                    Send(queue, WindowBatch.Failure(e));
                }
                queue.Writer.Complete();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The committing thread has stopped.
        }
    }

    private void DecodeFile(PlannedFile file, DetectionOptions options, AudioDecodeOptions decode, Channel<WindowBatch> queue)
    {
        var batch = new List<AudioWindow>(_pipeline.BatchSize);
        long totalSamples = 0, nextStart = 0;
        foreach (var window in AudioFile.Windows(file.FullPath, options.WindowSamples, options.HopSamples, options.SampleRate, decode))
        {
            _stop.ThrowIfCancellationRequested();
            totalSamples = Math.Max(totalSamples, window.Start + window.Valid);
            if (window.Valid == 0)
            {
                continue; // entirely past the end, as in detection
            }
            if (window.Start != nextStart)
            {
                throw new InvalidOperationException($"Window at sample {window.Start} of '{file.Input.Path}' is not the next on the hop grid.");
            }
            nextStart += options.HopSamples;
            batch.Add(window);
            if (batch.Count == _pipeline.BatchSize)
            {
                SendWindows(queue, batch);
            }
        }
        if (totalSamples == 0)
        {
            throw new FlamException($"'{file.Input.Path}' is empty (0 samples): there is nothing to index in it.");
        }
        if (batch.Count > 0)
        {
            SendWindows(queue, batch);
        }
        Send(queue, WindowBatch.End(totalSamples));
    }

    private void SendWindows(Channel<WindowBatch> queue, List<AudioWindow> windows)
    {
        var batch = new WindowBatch([.. windows]);
        windows.Clear();
        // The file's bounded queue first: it holds the decoder back when the committer is behind.
        Send(queue, batch);
        _work.Writer.TryWrite(batch);
    }

    private void Send(Channel<WindowBatch> queue, WindowBatch batch) => queue.Writer.WriteAsync(batch, _stop).AsTask().GetAwaiter().GetResult();

    /// <summary>An encoding thread: encodes batches until the queue is completed or the run stops.</summary>
    public void Encode(Func<IReadOnlyList<float[]>, float[]> encode)
    {
        void Loop()
        {
            try
            {
                while (_work.Reader.WaitToReadAsync(_stop).AsTask().GetAwaiter().GetResult())
                {
                    while (_work.Reader.TryRead(out var batch))
                    {
                        batch.Run(encode);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // The committing thread has stopped.
            }
        }
        if (_pipeline.Encoders > 1)
        {
            TorchRuntime.WithIntraOpThreads(1, Loop);
        }
        else
        {
            Loop();
        }
    }

    /// <summary>The batches of file <paramref name="index"/> in order, the last one its end; a decoding failure is thrown here.</summary>
    public IEnumerable<WindowBatch> Batches(int index)
    {
        var reader = File(index).Reader;
        while (reader.WaitToReadAsync(_stop).AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var batch))
            {
                batch.ThrowIfFailed();
                yield return batch;
            }
        }
    }

    /// <summary>File <paramref name="index"/> is committed or given up: its queue is dropped and a decoder may start another file.</summary>
    public void Release(int index)
    {
        _files[index] = null;
        _slots.Release();
    }

    /// <summary>No more batches will be encoded: idle encoders end.</summary>
    public void Complete() => _work.Writer.TryComplete();

    public void Dispose() => _slots.Dispose();
}

/// <summary>Windows of one file on their way to the encoder, or the end of the file (its length), or why decoding it failed.</summary>
internal sealed class WindowBatch
{
    private readonly TaskCompletionSource<float[]> _embeddings = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ExceptionDispatchInfo? _failure;

    public WindowBatch(AudioWindow[] windows) => Windows = windows;

    /// <summary>The windows (empty for an end or a failure).</summary>
    public AudioWindow[] Windows { get; }

    /// <summary>For the end of a file: its length in samples; otherwise null.</summary>
    public long? TotalSamples { get; private init; }

    public static WindowBatch End(long totalSamples) => new([]) { TotalSamples = totalSamples };

    public static WindowBatch Failure(Exception e) => new([]) { _failure = ExceptionDispatchInfo.Capture(e) };

    public void ThrowIfFailed() => _failure?.Throw();

    /// <summary>Encodes the windows (on an encoding thread); an exception is kept for <see cref="Embeddings"/>.</summary>
    public void Run(Func<IReadOnlyList<float[]>, float[]> encode)
    {
        try
        {
            _embeddings.SetResult(encode([.. Windows.Select(w => w.Samples)]));
        }
        catch (Exception e)
        {
            _embeddings.SetException(e);
        }
    }

    /// <summary>The embeddings, once encoded (waits); the encoder's exception is thrown here.</summary>
    public float[] Embeddings() => _embeddings.Task.GetAwaiter().GetResult();
}
