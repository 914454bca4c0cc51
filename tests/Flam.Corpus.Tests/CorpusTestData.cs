using System.IO.Compression;
using Flam.Audio;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>Builds small fake package trees and WAV files for corpus tests (no network, no apt).</summary>
internal static class CorpusTestData
{
    /// <summary>Writes a 16-bit mono PCM WAV of a sine (or silence when <paramref name="amplitude"/> is 0).</summary>
    public static void WriteWav(string path, double seconds, double frequency, double amplitude = 0.5, int rate = 8000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var samples = new float[(int)(seconds * rate)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / rate));
        }
        WavWriter.Write(path, samples, rate);
    }

    /// <summary>Writes a zip archive (its folder created) whose entries are sine WAVs, each (entry path, seconds, frequency).</summary>
    public static void WriteToneZip(string path, params (string Entry, double Seconds, double Frequency)[] tones)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var wav = path + ".tone.wav";
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (var (entry, seconds, frequency) in tones)
            {
                WriteWav(wav, seconds, frequency);
                zip.CreateEntryFromFile(wav, entry);
            }
        }
        File.Delete(wav);
    }

    /// <summary>Creates CACHE/root/PACKAGE as if it had been unpacked, with a copyright file; returns the package root.</summary>
    public static string FakePackage(string cache, string package, string copyright)
    {
        var root = Path.Combine(cache, "root", package);
        Directory.CreateDirectory(Path.Combine(root, "usr", "share", "doc", package));
        File.WriteAllText(Path.Combine(root, "usr", "share", "doc", package, "copyright"), copyright);
        File.WriteAllText(Path.Combine(root, ".flam-unpacked"), "fake\n");
        return root;
    }
}
