using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flam.Server;

/// <summary>The page at <c>/</c> and its scripts and styles, embedded in this assembly (vanilla HTML, CSS and JS: nothing fetched from elsewhere).</summary>
internal static class PageEndpoints
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    /// <summary>Every embedded page file by its name below wwwroot, read once.</summary>
    private static readonly Lazy<Dictionary<string, byte[]>> Files = new(() =>
    {
        var assembly = typeof(PageEndpoints).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource["wwwroot/".Length..]] = copy.ToArray();
        }
        return files;
    });

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Serve("index.html")).ExcludeFromDescription();
        app.MapGet("/static/{name}", (string name) => Serve(name)).ExcludeFromDescription();
    }

    private static IResult Serve(string name) =>
        Files.Value.TryGetValue(name, out var bytes) && Types.TryGetValue(Path.GetExtension(name), out var type)
            ? Results.Bytes(bytes, type)
            : ServerState.NotFound($"There is no page file '{name}'.");
}
