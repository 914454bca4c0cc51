namespace Flam.Index;

/// <summary>How an index stores frame embeddings.</summary>
public enum VectorStorage
{
    /// <summary>8-bit codes with one float32 scale per vector (d + 4 bytes): about 6 MB per hour for the default model at a 10 s hop.</summary>
    Int8,

    /// <summary>IEEE half precision (2d bytes).</summary>
    Float16,

    /// <summary>Exact float32 (4d bytes): search gives what <c>flam detect</c> gives.</summary>
    Float32,
}

/// <summary>
/// Choices made when an index is created; they are recorded in it, and every later <c>index add</c> must agree.
/// </summary>
public sealed record IndexOptions
{
    /// <summary>The options used when nothing is configured.</summary>
    public static IndexOptions Default { get; } = new();

    /// <summary>How frame embeddings are stored.</summary>
    public VectorStorage Storage { get; init; } = VectorStorage.Int8;

    /// <summary>
    /// Seconds between window starts; null uses the model's window (10 s for the default model), which halves the size
    /// of an index against the detector's 5 s hop. Search equals <c>flam detect --hop</c> with the same value.
    /// </summary>
    public double? HopSeconds { get; init; }

    /// <summary>Windows sent to the model at once.</summary>
    public int WindowBatchSize { get; init; } = 4;

    /// <summary>Throws <see cref="FlamException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (HopSeconds is { } hop && !(hop > 0))
        {
            throw new FlamException($"The index hop must be a positive number of seconds, got {hop}.");
        }
        if (WindowBatchSize < 1)
        {
            throw new FlamException($"The window batch size must be at least 1, got {WindowBatchSize}.");
        }
    }
}
