using System.Net;

namespace Flam.Server;

/// <summary>How <c>flam serve</c> listens and what it allows; the CLI's defaults are read from <see cref="Default"/>.</summary>
public sealed record ServerOptions
{
    /// <summary>The defaults: loopback only, no key, 200 MB uploads, one detection at a time.</summary>
    public static ServerOptions Default { get; } = new();

    /// <summary>The index folder searched by <c>/api/search</c> and <c>/api/files</c>; null serves detection and live only.</summary>
    public string? Index { get; init; }

    /// <summary>Addresses Kestrel listens on (<c>;</c>-separated, as ASP.NET Core's <c>--urls</c>); port 0 picks a free port.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5055";

    /// <summary>Key every API and WebSocket request must carry (header <c>X-Api-Key</c> or query <c>key</c>); required off loopback.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Largest upload accepted by <c>/api/detect</c>, in megabytes (10⁶ bytes).</summary>
    public int MaxUploadMegabytes { get; init; } = 200;

    /// <summary>Detections run at once; the others wait in a queue.</summary>
    public int MaxConcurrentDetections { get; init; } = 1;

    /// <summary>Detections waiting for a slot; beyond them requests get 503 with <c>Retry-After</c>.</summary>
    public int MaxQueuedDetections { get; init; } = 8;

    /// <summary>Longest query text accepted, in characters.</summary>
    public int MaxQueryLength { get; init; } = 500;

    /// <summary>Most queries in one request.</summary>
    public int MaxQueries { get; init; } = 16;

    /// <summary>Largest upload in bytes.</summary>
    public long MaxUploadBytes => MaxUploadMegabytes * 1_000_000L;

    /// <summary>The addresses of <see cref="Urls"/>.</summary>
    public IReadOnlyList<string> UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Throws a <see cref="FlamException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (UrlList.Count == 0)
        {
            throw new FlamException("--urls names no address; give one such as http://127.0.0.1:5055.");
        }
        foreach (var url in UrlList)
        {
            if (!IsHttpUrl(url))
            {
                throw new FlamException($"--urls: '{url}' is not an http:// address with a host and port, such as http://127.0.0.1:5055.");
            }
        }
        if (ApiKey is { } key && (key.Length < 16 || key.Any(char.IsWhiteSpace)))
        {
            throw new FlamException("--api-key must be at least 16 characters without spaces (for example: openssl rand -hex 16).");
        }
        if (ApiKey is null && UrlList.FirstOrDefault(url => !IsLoopback(url)) is { } open)
        {
            throw new FlamException($"--urls {open} listens beyond this machine: give --api-key KEY so that only clients holding the key can use the API.");
        }
        if (MaxUploadMegabytes is < 1 or > 100_000)
        {
            throw new FlamException($"--max-upload-mb must be between 1 and 100000, got {MaxUploadMegabytes}.");
        }
        if (MaxConcurrentDetections is < 1 or > 64)
        {
            throw new FlamException($"--max-concurrent-detections must be between 1 and 64, got {MaxConcurrentDetections}.");
        }
        if (MaxQueuedDetections is < 0 or > 10_000)
        {
            throw new FlamException($"--max-queued-detections must be between 0 and 10000, got {MaxQueuedDetections}.");
        }
        if (MaxQueryLength < 1 || MaxQueries < 1)
        {
            throw new FlamException("The query limits must be at least 1.");
        }
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url.Replace("://*", "://any-host", StringComparison.Ordinal).Replace("://+", "://any-host", StringComparison.Ordinal), UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttp && uri.AbsolutePath == "/";

    /// <summary>Whether <paramref name="url"/> binds a loopback address only (127.0.0.0/8, ::1 or localhost).</summary>
    public static bool IsLoopback(string url)
    {
        if (url.Contains("://*", StringComparison.Ordinal) || url.Contains("://+", StringComparison.Ordinal)
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return false;
        }
        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }
}
