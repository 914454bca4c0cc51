using Flam.Evaluation;
using Flam.IO;

namespace Flam.Inference.Evaluation;

/// <summary>
/// Zero-shot classification of manifest clips with class names as text queries: which clips belong to which class
/// (a clip's class is its first tag that names one, ignoring case), the prompts, and accuracy from the clip × class
/// similarities (<see cref="ClipTextSimilarity"/>).
/// </summary>
public static class ZeroShotClassifier
{
    /// <summary>The distinct first tags of the clips (ignoring case), in order of first appearance.</summary>
    public static string[] ClassesFromTags(IEnumerable<ManifestEntry> entries) =>
        [.. entries.Where(e => e.Tags.Count > 0).Select(e => e.Tags[0].Trim()).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The clips with a tag naming one of <paramref name="classes"/>, each with the index of its class.</summary>
    public static List<(ManifestEntry Entry, int Class)> Label(IEnumerable<ManifestEntry> entries, IReadOnlyList<string> classes)
    {
        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.OrdinalIgnoreCase);
        return entries
            .Select(e => (Entry: e, Class: e.Tags.Select(t => index.TryGetValue(t.Trim(), out var k) ? k : -1).FirstOrDefault(k => k >= 0, -1)))
            .Where(p => p.Class >= 0).ToList();
    }

    /// <summary>The text query of each class: <paramref name="template"/> with <c>{0}</c> replaced by the class name.</summary>
    public static string[] Prompts(IEnumerable<string> classes, string template) =>
        [.. classes.Select(c => template.Replace("{0}", c, StringComparison.Ordinal))];

    /// <summary>
    /// Top-1 accuracy of each class over its clips (NaN for a class without clips), from the clip × class
    /// <paramref name="logits"/> (row-major) and the true class of each clip.
    /// </summary>
    public static List<(string Class, int Clips, double Accuracy)> PerClassTop1(double[] logits, IReadOnlyList<string> classes, int[] truth) =>
        [.. classes.Select((name, k) =>
        {
            int[] rows = [.. Enumerable.Range(0, truth.Length).Where(r => truth[r] == k)];
            if (rows.Length == 0) return (name, 0, double.NaN);
            double[] subset = [.. rows.SelectMany(r => logits.AsSpan(r * classes.Count, classes.Count).ToArray())];
            return (name, rows.Length, ZeroShotMetrics.TopKAccuracy(subset, classes.Count, [.. rows.Select(_ => k)], 1)[0]);
        })];
}
