namespace Flam.Audio;

/// <summary>
/// A decoded file as one mono stream at the target rate: decoder → check for NaN/±Inf and absurd values → streaming resampler.
/// </summary>
internal sealed class MonoAudioStream : IDisposable
{
    private const int DecodeChunk = 1 << 14;
    private readonly AudioDecoder _decoder;
    private readonly StreamingResampler _resampler;
    private readonly float[] _decoded = new float[DecodeChunk];
    private readonly float[] _resampled;
    private int _resampledStart;
    private int _resampledLength;
    private long _nativeIndex;
    private bool _ended;

    public MonoAudioStream(string path, int targetSampleRate, AudioDecodeOptions options)
        : this(AudioDecoders.Open(path, targetSampleRate, options), targetSampleRate)
    {
    }

    /// <summary>Takes ownership of an opened <paramref name="decoder"/>.</summary>
    public MonoAudioStream(AudioDecoder decoder, int targetSampleRate)
    {
        _decoder = decoder;
        _resampler = new StreamingResampler(_decoder.Info.SampleRate, targetSampleRate);
        _resampled = new float[_resampler.MaxOutput(DecodeChunk)];
        ExpectedLength = _decoder.Info.Frames < 0 ? -1 : StreamingResampler.OutputLength(_decoder.Info.Frames, _decoder.Info.SampleRate, targetSampleRate);
    }

    /// <summary>The output length the header promises, or -1.</summary>
    public long ExpectedLength { get; }

    /// <summary>Fills <paramref name="destination"/> with resampled mono samples; returns how many, 0 at the end.</summary>
    public int Read(Span<float> destination)
    {
        var written = 0;
        while (written < destination.Length)
        {
            if (_resampledLength == 0)
            {
                if (_ended)
                {
                    break;
                }
                Refill();
                continue;
            }
            var n = Math.Min(_resampledLength, destination.Length - written);
            _resampled.AsSpan(_resampledStart, n).CopyTo(destination[written..]);
            _resampledStart += n;
            _resampledLength -= n;
            written += n;
        }
        return written;
    }

    private void Refill()
    {
        _resampledStart = 0;
        var n = _decoder.Read(_decoded);
        if (n == 0)
        {
            _ended = true;
            _resampledLength = _resampler.Flush(_resampled);
            return;
        }
        var chunk = _decoded.AsSpan(0, n);
        var bad = IndexOfUnusable(chunk);
        if (bad >= 0)
        {
            var index = _nativeIndex + bad;
            var at = $"at {(double)index / _decoder.Info.SampleRate:0.######} s (sample {index})";
            if (float.IsFinite(chunk[bad]))
            {
                throw new FlamException(
                    $"'{_decoder.Info.Path}' holds an absurd sample value ({chunk[bad]:G4}) {at}: audio lies within ±1 (a floating-point file may go somewhat past), " +
                    $"so this file is damaged or not audio; samples beyond ±{AbsurdSample:G3} are refused.");
            }
            var kind = float.IsNaN(chunk[bad]) ? "NaN" : chunk[bad] > 0 ? "+Inf" : "-Inf";
            throw new FlamException($"'{_decoder.Info.Path}' contains a non-finite sample ({kind}) {at}; audio must be finite.");
        }
        _nativeIndex += n;
        _resampledLength = _resampler.Process(chunk, _resampled);
    }

    // Float files may exceed ±1 by some headroom; values this large overflow the log-mel power (x² > float.MaxValue at
    // 1.8e19) or dwarf any signal, and would otherwise surface as a non-finite model output blamed on the weights.
    internal const float AbsurdSample = 1e6f;

    private static int IndexOfUnusable(ReadOnlySpan<float> samples)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            // NaN fails the comparison, so it is caught by the negated form.
            if (!(Math.Abs(samples[i]) <= AbsurdSample))
            {
                return i;
            }
        }
        return -1;
    }

    public void Dispose() => _decoder.Dispose();
}
