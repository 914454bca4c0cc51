namespace Flam.Audio;

/// <summary>
/// A streaming decoder of one file: yields the recording as mono float32 at <see cref="AudioInfo.SampleRate"/>,
/// a chunk at a time, so long files never sit in memory whole.
/// </summary>
internal abstract class AudioDecoder : IDisposable
{
    /// <summary>Header facts; <see cref="AudioInfo.SampleRate"/> is the rate of the samples <see cref="Read"/> returns.</summary>
    public abstract AudioInfo Info { get; }

    /// <summary>Fills up to <paramref name="destination"/>.Length mono samples; returns how many, 0 at the end.</summary>
    public abstract int Read(Span<float> destination);

    /// <inheritdoc/>
    public virtual void Dispose()
    {
    }

    /// <summary>Averages interleaved frames of <paramref name="channels"/> samples into <paramref name="mono"/>.</summary>
    protected static void Downmix(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        if (channels == 1)
        {
            interleaved.CopyTo(mono);
            return;
        }
        var scale = 1f / channels;
        for (int frame = 0, k = 0; frame < mono.Length; frame++)
        {
            var sum = 0f;
            for (var c = 0; c < channels; c++, k++)
            {
                sum += interleaved[k];
            }
            mono[frame] = sum * scale;
        }
    }
}
