using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flam.Synthesis;

/// <summary>JSON settings for synthesis files (recipe, per-mixture records, index cache): stable and readable.</summary>
internal static class SynthesisJson
{
    /// <summary>Indented, camelCase, non-finite numbers allowed (silent files have −∞ loudness).</summary>
    public static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
