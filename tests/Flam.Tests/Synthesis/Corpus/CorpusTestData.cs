using System.Text;

namespace Flam.Tests.Synthesis.Corpus;

/// <summary>Builds small fake package trees and WAV files for corpus tests (no network, no apt).</summary>
internal static class CorpusTestData
{
    /// <summary>Writes a 16-bit mono PCM WAV of a sine (or silence when <paramref name="amplitude"/> is 0).</summary>
    public static void WriteWav(string path, double seconds, double frequency, double amplitude = 0.5, int rate = 8000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var n = (int)(seconds * rate);
        using var w = new BinaryWriter(File.Create(path));
        w.Write(Encoding.ASCII.GetBytes("RIFF"));
        w.Write(36 + n * 2);
        w.Write(Encoding.ASCII.GetBytes("WAVEfmt "));
        w.Write(16);
        w.Write((short)1);
        w.Write((short)1);
        w.Write(rate);
        w.Write(rate * 2);
        w.Write((short)2);
        w.Write((short)16);
        w.Write(Encoding.ASCII.GetBytes("data"));
        w.Write(n * 2);
        for (var i = 0; i < n; i++)
        {
            w.Write((short)Math.Round(amplitude * 32767 * Math.Sin(2 * Math.PI * frequency * i / rate)));
        }
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
