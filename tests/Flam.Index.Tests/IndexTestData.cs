using Flam.Audio;
using Flam.Index;
using Flam.IO;

namespace Flam.Tests.Index;

/// <summary>
/// Small indexes without a network: WAV files at 8 kHz, and an encoder whose frame embeddings are a fixed function of each
/// frame's samples, so identical audio gives identical vectors and different audio different ones.
/// </summary>
internal static class IndexTestData
{
    public const int SampleRate = 8000;
    public const int Dimension = 16;
    public const int Frames = 32;

    public static IndexSettings Settings(VectorStorage storage = VectorStorage.Float32, double hop = 10, string modelId = "fake-model") =>
        new("fake", modelId, null, null, null, "fp32", storage, Dimension, Frames, SampleRate, 10, hop, 10.0 / Frames);

    /// <summary>Noise whose loudness follows a sine of <paramref name="rate"/> radians per frame, phase <paramref name="seed"/>, <paramref name="seconds"/> long.</summary>
    public static string WriteClip(string path, double seconds, int seed, double rate = 0.37)
    {
        var random = new Random(seed);
        var samples = new float[(int)(seconds * SampleRate)];
        var frame = SampleRate * 10 / Frames;
        for (var i = 0; i < samples.Length; i++)
        {
            var loudness = 0.05f + 0.4f * (float)Math.Abs(Math.Sin((i / frame) * rate + seed));
            samples[i] = (float)(random.NextDouble() - 0.5) * loudness;
        }
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        WavWriter.Write(path, samples, SampleRate);
        return path;
    }

    /// <summary>Frame t of a window: a unit vector turning with the frame's mean absolute sample.</summary>
    public static float[] Encode(IReadOnlyList<float[]> windows)
    {
        var frameSamples = windows[0].Length / Frames;
        var result = new float[windows.Count * Frames * Dimension];
        for (var w = 0; w < windows.Count; w++)
        {
            for (var t = 0; t < Frames; t++)
            {
                var level = 0.0;
                for (var i = 0; i < frameSamples; i++) level += Math.Abs(windows[w][t * frameSamples + i]);
                level /= frameSamples;
                var norm = 0.0;
                var v = new double[Dimension];
                for (var i = 0; i < Dimension; i++)
                {
                    v[i] = Math.Cos(level * 6 * (i + 1) + i);
                    norm += v[i] * v[i];
                }
                for (var i = 0; i < Dimension; i++) result[(w * Frames + t) * Dimension + i] = (float)(v[i] / Math.Sqrt(norm));
            }
        }
        return result;
    }

    /// <summary>Adds <paramref name="paths"/> to the index in <paramref name="folder"/> with the fake encoder; returns the plan.</summary>
    public static IndexPlan Add(string folder, IndexSettings settings, params string[] paths)
    {
        using var indexer = AudioIndexer.Open(folder, settings, storageChosen: false, hopChosen: false, _ => { });
        var plan = indexer.Plan(AudioInputs.Expand(paths), paths);
        indexer.Apply(plan.Removed, plan.Touched);
        foreach (var file in plan.ToIndex)
        {
            indexer.Add(file, Encode, 3, AudioDecodeOptions.Default);
        }
        return plan;
    }

    /// <summary>Every file of the index folder with its bytes (the lock files aside).</summary>
    public static SortedDictionary<string, byte[]> Snapshot(string folder) => new(
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !System.IO.Path.GetFileName(f).StartsWith(OutputLock.FileName, StringComparison.Ordinal))
            .ToDictionary(f => System.IO.Path.GetRelativePath(folder, f), File.ReadAllBytes), StringComparer.Ordinal);
}
