using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Flam.Index;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flam.Server;

/// <summary>
/// <c>flam serve</c>: one Kestrel process serving the HTTP API (<c>/api/…</c>, described at <c>/openapi/v1.json</c>),
/// the live WebSocket (<c>/api/live</c>) and the page at <c>/</c>. Errors are RFC 9457 problem documents, never stack
/// traces; every response carries the security headers; with an API key every API request must carry it.
/// </summary>
public static class FlamServer
{
    /// <summary>Rate-limiter policy of the model-heavy endpoints (uploads, live sessions).</summary>
    internal const string DetectPolicy = "detect";

    /// <summary>Rate-limiter policy of spectrogram rendering.</summary>
    internal const string RenderPolicy = "render";

    /// <summary>Seconds a client is told to wait when the detection queue is full.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>Header that carries the API key (the query parameter <c>key</c> works too, for audio elements and WebSockets).</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// Builds the server (not started): <paramref name="options"/> are validated, the index (if any) is opened as last committed.
    /// The caller owns <paramref name="model"/> and disposes the returned application before it; the application owns
    /// <paramref name="index"/> (given instead of <see cref="ServerOptions.Index"/>, e.g. a cluster's shards).
    /// </summary>
    public static WebApplication Build(ServerOptions options, ServedModel model, SpectrogramRenderer renderer, ServedIndex? index = null)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            // Production always: the developer exception page would show stack traces.
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls([.. options.UrlList]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + FormOverheadBytes;
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<FlamExceptionHandler>();
        builder.Services.AddOpenApi();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            limiter.OnRejected = async (context, cancel) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy",
                    detail: $"Every slot for this kind of request is taken and its queue is full (uploads: {options.MaxConcurrentDetections} running, {options.MaxQueuedDetections} waiting); try again in {RetryAfterSeconds} s.")
                    .ExecuteAsync(context.HttpContext);
            };
            limiter.AddConcurrencyLimiter(DetectPolicy, c =>
            {
                c.PermitLimit = options.MaxConcurrentDetections;
                c.QueueLimit = options.MaxQueuedDetections;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            limiter.AddConcurrencyLimiter(RenderPolicy, c =>
            {
                c.PermitLimit = 2;
                c.QueueLimit = 64;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
        });
        var state = new ServerState(options, model, renderer, index ?? (options.Index is null ? null : ServedIndex.Open(options.Index)));
        // Created by a factory, so the container disposes it (index mappings, upload folder) with the application.
        builder.Services.AddSingleton(_ => state);

        var app = builder.Build();
        _ = app.Services.GetRequiredService<ServerState>(); // resolved once, so the container owns and disposes it
        app.Use(SecurityHeaders);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (options.ApiKey is { } key)
        {
            app.Use(RequireApiKey(key));
        }
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        app.UseRateLimiter();
        app.MapOpenApi();
        ApiEndpoints.Map(app);
        IndexEndpoints.Map(app);
        LiveEndpoint.Map(app);
        PageEndpoints.Map(app);
        return app;
    }

    /// <summary>Room for the multipart framing and the small form fields around an upload of the largest size.</summary>
    internal const long FormOverheadBytes = 1 << 20;

    /// <summary>Headers every response carries, errors included (set when the response starts, after any handler cleared them).</summary>
    private static Task SecurityHeaders(HttpContext context, Func<Task> next)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            headers["Cross-Origin-Resource-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        return next();
    }

    /// <summary>
    /// Refuses API, OpenAPI and WebSocket requests without the key (401). Both sides are hashed first, so the
    /// constant-time comparison does not even reveal the key's length.
    /// </summary>
    private static Func<HttpContext, Func<Task>, Task> RequireApiKey(string key)
    {
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return async (context, next) =>
        {
            var path = context.Request.Path;
            if (path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi"))
            {
                string? given = context.Request.Headers[ApiKeyHeader];
                given ??= context.Request.Query["key"];
                if (given is null || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), expected))
                {
                    await Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key required",
                        detail: $"This server needs its API key in the {ApiKeyHeader} header (or the query parameter 'key').").ExecuteAsync(context);
                    return;
                }
            }
            await next();
        };
    }

    /// <summary>Bad input found deep inside Flam (a <see cref="FlamException"/>) becomes a 422 problem with its message; nothing else is shown.</summary>
    private sealed class FlamExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var status = exception is FlamException ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status500InternalServerError;
            httpContext.Response.StatusCode = status;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails =
                {
                    Status = status,
                    Title = exception is FlamException ? "Unprocessable input" : "Internal error",
                    Detail = exception is FlamException ? exception.Message : "The server failed; see its log.",
                },
            });
        }
    }
}
