using System.Collections.Concurrent;
using System.Reflection;
using Flam.Index;
using Microsoft.AspNetCore.Http;

namespace Flam.Server;

/// <summary>What every request of one server shares: its options, model, index and the folder uploads are decoded from.</summary>
internal sealed class ServerState(ServerOptions options, ServedModel model, SpectrogramRenderer renderer, ServedIndex? index) : IDisposable
{
    /// <summary>Spectrogram PNGs kept at most (each a few tens of kB), so a result list's strips are drawn once.</summary>
    private const int CachedImages = 256;

    private readonly ConcurrentDictionary<(long File, int Width, int Height), byte[]> _images = new();

    public ServerOptions Options { get; } = options;

    public ServedModel Model { get; } = model;

    public SpectrogramRenderer Renderer { get; } = renderer;

    /// <summary>The index (or a cluster's shards) as committed when the server started; null without one.</summary>
    public ServedIndex? Index { get; } = index;

    /// <summary>Uploads go here while they are decoded; the folder is removed when the server stops.</summary>
    public string UploadFolder { get; } = Directory.CreateTempSubdirectory("flam-serve-").FullName;

    /// <summary>Flam's version (the informational version of this assembly).</summary>
    public static string Version { get; } = typeof(ServerState).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The PNG for a key, rendered once while the cache has room.</summary>
    public byte[] Image((long File, int Width, int Height) key, Func<byte[]> render)
    {
        if (_images.TryGetValue(key, out var png))
        {
            return png;
        }
        png = render();
        if (_images.Count < CachedImages)
        {
            _images.TryAdd(key, png);
        }
        return png;
    }

    /// <summary>
    /// The queries of a request, or a 400 problem when there are none, too many, or one is empty or longer than
    /// <see cref="ServerOptions.MaxQueryLength"/>.
    /// </summary>
    public (string[] Queries, IResult? Problem) Queries(IEnumerable<string?> given, string name)
    {
        var queries = given.Select(q => q?.Trim() ?? "").ToArray();
        string? problem = null;
        if (queries.Length == 0)
        {
            problem = $"Give at least one '{name}': a sound described in words.";
        }
        else if (queries.Length > Options.MaxQueries)
        {
            problem = $"At most {Options.MaxQueries} queries per request, got {queries.Length}.";
        }
        else if (queries.FirstOrDefault(q => q.Length == 0) is not null)
        {
            problem = $"A '{name}' is empty.";
        }
        else if (queries.FirstOrDefault(q => q.Length > Options.MaxQueryLength) is { } longest)
        {
            problem = $"A '{name}' has {longest.Length} characters; at most {Options.MaxQueryLength} are accepted.";
        }
        return (queries, problem is null ? null : BadRequest(problem));
    }

    /// <summary>A 400 problem document.</summary>
    public static IResult BadRequest(string detail) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);

    /// <summary>A 404 problem document.</summary>
    public static IResult NotFound(string detail) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    /// <summary>A JSON document already serialised (the exact text the CLI prints).</summary>
    public static IResult Json(string json) => Results.Text(json, "application/json; charset=utf-8");

    public void Dispose()
    {
        Index?.Dispose();
        try
        {
            Directory.Delete(UploadFolder, recursive: true);
        }
        catch (IOException)
        {
            // An upload still being written when the server stops; the temp folder is the system's to clean.
        }
    }
}
