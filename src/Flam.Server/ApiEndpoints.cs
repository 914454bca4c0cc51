using System.Globalization;
using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Flam.Server;

/// <summary><c>POST /api/detect</c> (an upload, detected without indexing), <c>GET /api/health</c> and <c>GET /api/info</c>.</summary>
internal static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/detect", Detect).RequireRateLimiting(FlamServer.DetectPolicy)
            .WithSummary("Detect described sounds in an uploaded audio file (multipart: audio, query..., threshold, median, frames): the JSON 'flam detect' prints.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/api/health", () => Results.Json(new { status = "ok" })).WithSummary("Liveness: {\"status\": \"ok\"}.");
        app.MapGet("/api/info", Info).WithSummary("The model, the index's size, the limits and Flam's version.");
    }

    private static IResult Info(ServerState state)
    {
        var index = state.Index;
        var json = new JsonObject
        {
            ["version"] = ServerState.Version,
            ["model"] = state.Model.Name,
            ["precision"] = state.Model.Precision,
            ["index"] = index is null ? null : new JsonObject
            {
                ["folder"] = index.Location,
                ["shards"] = index.Shards.Count,
                ["model"] = index.Settings.ModelName,
                ["files"] = index.Shards.Sum(s => s.Files.Count),
                ["windows"] = index.Shards.Sum(s => s.Windows),
                ["hours"] = Math.Round(index.Shards.Sum(s => s.Files.Sum(f => (double)f.Samples)) / index.Settings.SampleRate / 3600, 4),
                ["storage"] = index.Settings.Storage.ToString().ToLowerInvariant(),
            },
            ["limits"] = new JsonObject
            {
                ["max_upload_mb"] = state.Options.MaxUploadMegabytes,
                ["max_concurrent_detections"] = state.Options.MaxConcurrentDetections,
                ["max_queued_detections"] = state.Options.MaxQueuedDetections,
                ["max_query_length"] = state.Options.MaxQueryLength,
                ["max_queries"] = state.Options.MaxQueries,
            },
            ["frame_seconds"] = DetectionOptions.Default.ForModel(state.Model.Model.Config.Audio).FrameSeconds,
            ["threshold"] = DetectionOptions.Default.Threshold,
        };
        return ServerState.Json(json.ToJsonString());
    }

    private static async Task<IResult> Detect(HttpContext context, ServerState state)
    {
        if (!context.Request.HasFormContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send multipart/form-data with the audio file in the field 'audio' and one field 'query' per sound.");
        }
        if (context.Request.ContentLength > state.Options.MaxUploadBytes + FlamServer.FormOverheadBytes)
        {
            return TooLarge(state);
        }
        IFormCollection form;
        try
        {
            context.Features.Set<IFormFeature>(new FormFeature(context.Request, new FormOptions { MultipartBodyLengthLimit = state.Options.MaxUploadBytes + FlamServer.FormOverheadBytes }));
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(state);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return TooLarge(state);
        }
        catch (InvalidDataException e)
        {
            return ServerState.BadRequest("The form could not be read: " + e.Message);
        }
        var upload = form.Files.GetFile("audio");
        if (upload is null)
        {
            return ServerState.BadRequest("The form has no file field 'audio'.");
        }
        if (upload.Length > state.Options.MaxUploadBytes)
        {
            return TooLarge(state);
        }
        var (queries, problem) = state.Queries(form["query"], "query");
        if (problem is not null)
        {
            return problem;
        }
        DetectionOptions options;
        bool frames;
        try
        {
            options = DetectionOptions.Default.ForModel(state.Model.Model.Config.Audio) with
            {
                Threshold = Number(form, "threshold", DetectionOptions.Default.Threshold),
                MedianFrames = (int)Number(form, "median", DetectionOptions.Default.MedianFrames),
            };
            options.Validate();
            frames = form["frames"].FirstOrDefault() is { } f && f is "true" or "1" or "on";
        }
        catch (FlamException e)
        {
            return ServerState.BadRequest(e.Message);
        }

        // The name as the client gave it, without any folders; the file on disk keeps its extension for the decoders.
        var name = Path.GetFileName(upload.FileName.Replace('\\', '/'));
        if (name.Length == 0)
        {
            name = "upload";
        }
        var path = Path.Combine(state.UploadFolder, Guid.NewGuid().ToString("N") + Path.GetExtension(name));
        try
        {
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await upload.CopyToAsync(file, context.RequestAborted);
            }
            var result = await Task.Run(() =>
            {
                using var scorer = new FlamFrameScorer(state.Model.Model, state.Model.Tokenizer);
                try
                {
                    scorer.PrepareQueries(queries);
                }
                catch (FlamException e)
                {
                    throw new BadQueryException(e.Message);
                }
                return new SoundEventDetector(scorer, options).DetectFile(path, queries, decode: new AudioDecodeOptions());
            }, context.RequestAborted);
            return ServerState.Json(DetectionReport.ToJson(state.Model.Name, [result with { Source = name }], frames));
        }
        catch (BadQueryException e)
        {
            return ServerState.BadRequest(e.Message);
        }
        catch (FlamException e)
        {
            // The decoder names the file it read: the client knows it by its own name.
            return Results.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Unprocessable audio",
                detail: e.Message.Replace(path, name, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IResult TooLarge(ServerState state) => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Upload too large",
        detail: $"Uploads are limited to {state.Options.MaxUploadMegabytes} MB (--max-upload-mb).");

    private static double Number(IFormCollection form, string field, double fallback)
    {
        var text = form[field].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new FlamException($"'{field}' must be a number, got '{text}'.");
    }

    /// <summary>A query the tokenizer refused: the client's mistake (400), not the audio's (422).</summary>
    private sealed class BadQueryException(string message) : Exception(message);
}
