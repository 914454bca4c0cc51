namespace Flam.Model;

/// <summary>
/// The named model configs that <c>--config NAME</c> of every command accepts: JSON files in the
/// <see cref="FlamConfig.FromJson"/> schema (like open_clip's model configs), kept in <c>src/Flam/Model/Presets</c> and
/// embedded in the assembly. A preset's name is its file name without <c>.json</c>; adding a preset is adding a file.
/// </summary>
public static class ModelPresets
{
    private const string ResourcePrefix = "Flam.Model.Presets.";
    private const string ResourceSuffix = ".json";

    private static readonly Lazy<IReadOnlyDictionary<string, FlamConfig>> Presets = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every preset name, in ordinal order.</summary>
    public static IReadOnlyList<string> Names => [.. Presets.Value.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The preset called <paramref name="name"/> (case-insensitive), or null when there is none.</summary>
    public static FlamConfig? Find(string name) => Presets.Value.TryGetValue(name, out var config) ? config : null;

    /// <summary>The preset called <paramref name="name"/>; throws when there is none.</summary>
    /// <exception cref="FlamException">No preset has that name.</exception>
    public static FlamConfig Get(string name) =>
        Find(name) ?? throw new FlamException($"There is no model preset '{name}' (presets: {string.Join(", ", Names)}).");

    private static IReadOnlyDictionary<string, FlamConfig> Load()
    {
        var assembly = typeof(ModelPresets).Assembly;
        var presets = new Dictionary<string, FlamConfig>(StringComparer.OrdinalIgnoreCase);
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal) && r.EndsWith(ResourceSuffix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..^ResourceSuffix.Length];
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            presets[name] = FlamConfig.FromJson(reader.ReadToEnd(), name);
        }
        return presets;
    }
}
