using Flam.Audio;
using Flam.Inference;

namespace Flam.Index;

/// <summary>Reads part of a recording (for clips of search hits and for query examples) without decoding it whole.</summary>
public static class AudioExcerpt
{
    /// <summary>
    /// Samples <paramref name="start"/> .. <paramref name="start"/> + <paramref name="length"/> of <paramref name="path"/> at
    /// <paramref name="sampleRate"/>, mono; shorter when the recording ends first.
    /// </summary>
    public static float[] Read(string path, long start, int length, int sampleRate, AudioDecodeOptions decode)
    {
        const int Chunk = 1 << 18;
        var result = new float[length];
        long end = start + length, last = start;
        foreach (var window in AudioFile.Windows(path, Chunk, Chunk, sampleRate, decode))
        {
            var from = Math.Max(start, window.Start);
            var to = Math.Min(end, window.Start + window.Valid);
            if (to > from)
            {
                window.Samples.AsSpan((int)(from - window.Start), (int)(to - from)).CopyTo(result.AsSpan((int)(from - start)));
                last = Math.Max(last, to);
            }
            if (window.Start + Chunk >= end)
            {
                break;
            }
        }
        return result[..(int)(last - start)];
    }

    /// <summary>
    /// The query-by-example direction of <paramref name="path"/>: the unit-length mean of the frame embeddings of one model
    /// window starting at <paramref name="seconds"/> (the whole file when shorter), over the frames that hold audio.
    /// </summary>
    /// <exception cref="FlamException">The file cannot be read, or holds no audio from <paramref name="seconds"/> on.</exception>
    public static float[] ExampleDirection(string path, double seconds, DetectionOptions grid, Func<IReadOnlyList<float[]>, float[]> encode,
        int dimension, AudioDecodeOptions decode)
    {
        if (!(seconds >= 0))
        {
            throw new FlamException($"The example's start must be a non-negative number of seconds, got {seconds}.");
        }
        var samples = Read(path, (long)Math.Round(seconds * grid.SampleRate), grid.WindowSamples, grid.SampleRate, decode);
        if (samples.Length == 0)
        {
            throw new FlamException($"The example '{path}' holds no audio from {seconds} s on.");
        }
        var window = new float[grid.WindowSamples];
        samples.CopyTo(window, 0);
        var embeddings = encode([window]);
        var frames = (int)Math.Min(grid.FramesPerWindow, (samples.Length + grid.FrameSamples - 1) / grid.FrameSamples);
        var direction = new float[dimension];
        for (var t = 0; t < frames; t++)
        {
            for (var i = 0; i < dimension; i++) direction[i] += embeddings[t * dimension + i];
        }
        var norm = MathF.Sqrt(VectorCodec.DotFloat(direction, direction));
        if (!(norm > 0) || !float.IsFinite(norm))
        {
            throw new FlamException($"The example '{path}' gives no usable embedding (norm {norm}).");
        }
        for (var i = 0; i < dimension; i++) direction[i] /= norm;
        return direction;
    }
}
