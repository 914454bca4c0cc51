using NLayer;
using NVorbis;

namespace Flam.Audio;

/// <summary>
/// A decoder whose library returns interleaved float samples: reads whole frames into a reusable buffer and
/// averages the channels, so MP3 and Vorbis share one read loop and one error policy.
/// </summary>
internal abstract class InterleavedDecoder : AudioDecoder
{
    private float[] _interleaved = [];

    /// <summary>Short codec name for error messages ("MP3", "Ogg Vorbis").</summary>
    protected abstract string CodecName { get; }

    /// <summary>Reads up to <paramref name="count"/> interleaved samples into <paramref name="buffer"/>.</summary>
    protected abstract int ReadInterleaved(float[] buffer, int count);

    public sealed override int Read(Span<float> destination)
    {
        var channels = Info.Channels;
        // The libraries want whole frames and return interleaved samples.
        var want = destination.Length * channels;
        if (_interleaved.Length < want)
        {
            _interleaved = new float[want];
        }
        int got;
        try
        {
            got = ReadInterleaved(_interleaved, want);
        }
        catch (Exception e) when (e is not FlamException)
        {
            throw new FlamException($"'{Info.Path}': {CodecName} decoding failed: {e.Message}", e);
        }
        var frames = got / channels;
        Downmix(_interleaved.AsSpan(0, frames * channels), channels, destination[..frames]);
        return frames;
    }
}

/// <summary>MPEG-1/2 layer I–III (MP3) through the managed NLayer decoder.</summary>
internal sealed class Mp3Decoder : InterleavedDecoder
{
    private readonly MpegFile _file;

    public Mp3Decoder(Stream stream, string path)
    {
        try
        {
            _file = new MpegFile(stream);
            // NLayer learns the format from the first frame; a file without one reports a zero rate.
            if (_file.SampleRate <= 0 || _file.Channels <= 0)
            {
                throw new FlamException($"'{path}' looks like MP3 but contains no decodable MPEG audio frame.");
            }
        }
        catch (Exception e) when (e is not FlamException)
        {
            stream.Dispose();
            throw new FlamException($"'{path}' looks like MP3 but cannot be decoded: {e.Message}", e);
        }
        // The exact length needs a scan of every frame header, which NLayer does on demand; we do not pay for it.
        Info = new AudioInfo(path, _file.SampleRate, _file.Channels, -1, "mp3");
    }

    public override AudioInfo Info { get; }

    protected override string CodecName => "MP3";

    protected override int ReadInterleaved(float[] buffer, int count) => _file.ReadSamples(buffer, 0, count);

    public override void Dispose() => _file.Dispose();
}

/// <summary>Ogg Vorbis through the managed NVorbis decoder.</summary>
internal sealed class VorbisDecoder : InterleavedDecoder
{
    private readonly VorbisReader _reader;

    public VorbisDecoder(Stream stream, string path)
    {
        try
        {
            // Keep the decoded values as they are: clipping would distort loud sources before mixing or analysis.
            _reader = new VorbisReader(stream, closeOnDispose: true) { ClipSamples = false };
        }
        catch (Exception e)
        {
            stream.Dispose();
            throw new FlamException($"'{path}' looks like Ogg Vorbis but cannot be decoded: {e.Message}", e);
        }
        Info = new AudioInfo(path, _reader.SampleRate, _reader.Channels, _reader.TotalSamples > 0 ? _reader.TotalSamples : -1, "ogg/vorbis");
        _left = Info.Frames > 0 ? Info.Frames * Info.Channels : -1;
    }

    /// <summary>Interleaved samples still to come by the stream's length (its last granule position), or −1 when unknown.</summary>
    private long _left;

    public override AudioInfo Info { get; }

    protected override string CodecName => "Ogg Vorbis";

    protected override int ReadInterleaved(float[] buffer, int count)
    {
        // NVorbis 0.10.5 can spin forever in the call that drains the last packet past the end (its issue #40, fixed
        // upstream after the last release): never ask for more than the stream's length, and stop at it.
        if (_left == 0)
        {
            return 0;
        }
        var got = _reader.ReadSamples(buffer, 0, _left > 0 ? (int)Math.Min(count, _left) : count);
        if (_left > 0)
        {
            _left -= got;
        }
        return got;
    }

    public override void Dispose() => _reader.Dispose();
}
