using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Flam.Audio;

namespace Flam.Synthesis.Corpus;

/// <summary>What the corpus builder needs from decoding a clip.</summary>
/// <param name="Duration">Seconds.</param>
/// <param name="SampleRate">Native rate in Hz.</param>
/// <param name="Channels">Channel count.</param>
/// <param name="Peak">Largest absolute sample value of the mono mix (0 = digital silence).</param>
/// <param name="ContentHash">SHA-256 (hex) of the decoded mono samples at the native rate: equal for identical sound in different files.</param>
public sealed record ClipInfo(double Duration, int SampleRate, int Channels, float Peak, string ContentHash);

/// <summary>
/// Decodes corpus clips fully with <see cref="AudioFile"/> (at their native rate, so nothing is resampled) to learn
/// their duration, peak and a hash of the decoded content. Decoding, not only the header, is needed for the duplicate
/// check.
/// </summary>
internal static class ClipDecoder
{
    /// <summary>Decodes <paramref name="path"/>.</summary>
    /// <exception cref="FlamException">The file is not a supported, readable audio file.</exception>
    public static ClipInfo Decode(string path)
    {
        var info = AudioFile.Probe(path);
        var samples = AudioFile.Load(path, info.SampleRate);
        if (samples.Length == 0)
        {
            throw new FlamException($"'{path}': the file holds no audio.");
        }
        var peak = 0f;
        foreach (var s in samples)
        {
            peak = Math.Max(peak, Math.Abs(s));
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(samples.AsSpan())));
        return new ClipInfo((double)samples.Length / info.SampleRate, info.SampleRate, info.Channels, peak, hash);
    }
}
