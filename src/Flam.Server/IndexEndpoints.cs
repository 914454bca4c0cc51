using System.Globalization;
using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.Index;
using Flam.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flam.Server;

/// <summary>
/// The indexed archive: <c>/api/search</c> (the JSON <c>flam search --format json</c> prints), <c>/api/search/like</c>,
/// and per file (by id, never by a path from the client) its metadata, audio (HTTP range requests), frame
/// probabilities and spectrogram.
/// </summary>
internal static class IndexEndpoints
{
    /// <summary>Most events returned per query.</summary>
    public const int MaxTop = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", Search)
            .WithSummary("The best moments of described sounds in the index (q repeatable, top, threshold, median): the JSON 'flam search --format json' prints.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/search/like", Like)
            .WithSummary("Moments like the model window of indexed file 'file' from 't' seconds on (cosine similarity), as 'flam search --like'.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/files", List).WithSummary("Every indexed file: id, file (as indexed) and duration.");
        app.MapGet("/api/files/{id:long}", Metadata).WithSummary("One indexed file's metadata.").ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/files/{id:long}/audio", Audio).WithSummary("The file's audio as stored (HTTP range requests supported).").ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/files/{id:long}/frames", Frames)
            .WithSummary("Frame probabilities of queries q over the whole file, from its stored embeddings: the JSON of 'flam detect --frames'.")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/files/{id:long}/spectrogram.png", Spectrogram).RequireRateLimiting(FlamServer.RenderPolicy)
            .WithSummary("The file's log-mel spectrogram as a PNG spanning its whole duration (width, height in pixels), no axes.")
            .Produces(StatusCodes.Status200OK, contentType: "image/png").ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> Search(ServerState state, string[]? q, int? top, double? threshold, int? median, CancellationToken cancel)
    {
        var (request, problem) = Checked(state, q ?? [], top, threshold, median);
        if (problem is not null)
        {
            return problem;
        }
        var (index, queries, options) = request;
        var hits = await Task.Run(() =>
        {
            using var texts = new TextQueryCache(state.Model.Model, state.Model.Tokenizer);
            return ShardSearch.SearchTexts(index.Shards, queries, texts, options, top ?? 50);
        }, cancel);
        return ServerState.Json(SearchReport.ToJson(index.Settings.ModelName, index.Location, [.. hits.OrderByDescending(h => h.Max)]));
    }

    private static async Task<IResult> Like(ServerState state, long file, double? t, int? top, double? threshold, int? median, CancellationToken cancel)
    {
        var (request, problem) = Checked(state, ["like"], top, threshold, median);
        if (problem is not null)
        {
            return problem;
        }
        var (index, _, options) = request;
        if (index.Find(file) is not { } found)
        {
            return UnknownFile(file);
        }
        var seconds = t ?? 0;
        var source = found.Shard.Files[found.File];
        if (!File.Exists(source.FullPath))
        {
            return Missing(source);
        }
        var hits = await Task.Run(() =>
        {
            var encoder = new FrameEmbeddingEncoder(state.Model.Model);
            var direction = AudioExcerpt.ExampleDirection(source.FullPath, seconds, options, encoder.Encode, index.Settings.Dimension, new AudioDecodeOptions());
            var label = source.Path + "@" + seconds.ToString(CultureInfo.InvariantCulture);
            return ShardSearch.Search(index.Shards, search => search.Search(label, direction, search.Similarity(direction), options, top ?? 50), top ?? 50);
        }, cancel);
        return ServerState.Json(SearchReport.ToJson(index.Settings.ModelName, index.Location, hits));
    }

    /// <summary>The index, the queries and the detector settings of a search, or the problem with the request.</summary>
    private static ((ServedIndex Index, string[] Queries, DetectionOptions Options) Value, IResult? Problem) Checked(
        ServerState state, string[] q, int? top, double? threshold, int? median)
    {
        if (state.Index is not { } index)
        {
            return (default, NoIndex());
        }
        var (queries, problem) = state.Queries(q, "q");
        if (problem is not null)
        {
            return (default, problem);
        }
        if (top is < 1 or > MaxTop)
        {
            return (default, ServerState.BadRequest($"'top' must be between 1 and {MaxTop}, got {top}."));
        }
        try
        {
            return ((index, queries, index.Settings.Detection(threshold ?? DetectionOptions.Default.Threshold, median ?? DetectionOptions.Default.MedianFrames)), null);
        }
        catch (FlamException e)
        {
            return (default, ServerState.BadRequest(e.Message));
        }
    }

    private static IResult List(ServerState state)
    {
        if (state.Index is not { } index)
        {
            return NoIndex();
        }
        var files = new JsonArray([.. index.Files.Select(f => (JsonNode?)new JsonObject
        {
            ["id"] = f.Id,
            ["file"] = f.File.Path,
            ["duration"] = Math.Round((double)f.File.Samples / index.Settings.SampleRate, 6),
        })]);
        return ServerState.Json(new JsonObject { ["files"] = files }.ToJsonString());
    }

    private static IResult Metadata(ServerState state, long id)
    {
        var (index, f, problem) = Lookup(state, id);
        if (problem is not null)
        {
            return problem;
        }
        var file = index.Files[f];
        return ServerState.Json(new JsonObject
        {
            ["id"] = id,
            ["file"] = file.Path,
            ["duration"] = Math.Round((double)file.Samples / index.Settings.SampleRate, 6),
            ["size"] = file.Size,
            ["sha256"] = file.Sha256,
            ["windows"] = file.Windows,
            ["frame_seconds"] = index.Settings.FrameSeconds,
            ["available"] = File.Exists(file.FullPath),
        }.ToJsonString());
    }

    private static IResult Audio(ServerState state, long id)
    {
        var (index, f, problem) = Lookup(state, id);
        if (problem is not null)
        {
            return problem;
        }
        var file = index.Files[f];
        return File.Exists(file.FullPath)
            ? Results.File(file.FullPath, ContentType(file.FullPath), Path.GetFileName(file.Path), enableRangeProcessing: true)
            : Missing(file);
    }

    private static async Task<IResult> Frames(ServerState state, long id, string[]? q, double? threshold, int? median, CancellationToken cancel)
    {
        var (request, problem) = Checked(state, q ?? [], null, threshold, median);
        if (problem is not null)
        {
            return problem;
        }
        var (served, queries, options) = request;
        if (served.Find(id) is not (var index, var f))
        {
            return UnknownFile(id);
        }
        var result = await Task.Run(() =>
        {
            using var texts = new TextQueryCache(state.Model.Model, state.Model.Tokenizer);
            texts.Prepare(queries);
            var search = new IndexSearch(index);
            var perQuery = queries.Distinct(StringComparer.Ordinal).Select(query => search.Detect(f, query,
                (embeddings, windows) => texts.Score(embeddings, windows, index.Settings.FramesPerWindow, [query]), options)).ToList();
            return perQuery[0] with { Queries = [.. perQuery.SelectMany(r => r.Queries)] };
        }, cancel);
        return ServerState.Json(DetectionReport.ToJson(index.Settings.ModelName, [result], frames: true));
    }

    private static async Task<IResult> Spectrogram(ServerState state, long id, int? width, int? height, CancellationToken cancel)
    {
        var (index, f, problem) = Lookup(state, id);
        if (problem is not null)
        {
            return problem;
        }
        var (w, h) = (width ?? 800, height ?? 64);
        if (w is < 16 or > 4096 || h is < 8 or > 1024)
        {
            return ServerState.BadRequest($"'width' must be 16..4096 and 'height' 8..1024 pixels, got {w} x {h}.");
        }
        var file = index.Files[f];
        if (!File.Exists(file.FullPath))
        {
            return Missing(file);
        }
        var png = await Task.Run(() => state.Image((id, w, h), () => Render(state, file.FullPath, w, h)), cancel);
        return Results.Bytes(png, "image/png");
    }

    /// <summary>Decodes a file in blocks, computes its FLAM log-mel and renders it.</summary>
    internal static byte[] Render(ServerState state, string path, int width, int height)
    {
        const int Block = 1 << 18;
        using var frontEnd = new LogMelSpectrogram(LogMelOptions.Flam);
        var options = frontEnd.Options;
        var blocks = AudioFile.Windows(path, Block, Block, options.SampleRate, new AudioDecodeOptions()).Select(w => (ReadOnlyMemory<float>)w.Samples.AsMemory(0, w.Valid));
        using var logMel = frontEnd.Transform(blocks);
        return state.Renderer(logMel.data<float>().ToArray(), (int)logMel.shape[0], options.MelBins, (double)options.HopLength / options.SampleRate, width, height);
    }

    /// <summary>The shard holding file <paramref name="id"/> and its position there, or the 404 problem when either is missing.</summary>
    private static (AudioIndexReader Index, int File, IResult? Problem) Lookup(ServerState state, long id) =>
        state.Index is not { } index ? (null!, -1, NoIndex())
        : index.Find(id) is var (shard, f) ? (shard, f, null)
        : (null!, -1, UnknownFile(id));

    /// <summary>The media type browsers need to play a file, from its extension.</summary>
    private static string ContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".wav" => "audio/wav",
        ".flac" => "audio/flac",
        ".mp3" => "audio/mpeg",
        ".ogg" or ".oga" or ".opus" => "audio/ogg",
        ".m4a" or ".mp4" or ".aac" => "audio/mp4",
        ".webm" => "audio/webm",
        _ => "application/octet-stream",
    };

    private static IResult NoIndex() => ServerState.NotFound("This server has no index; start it with 'flam serve --index DIR' (built with 'flam index add').");

    private static IResult UnknownFile(long id) => ServerState.NotFound($"No indexed file has id {id}; GET /api/files lists them.");

    private static IResult Missing(IndexedFile file) =>
        ServerState.NotFound($"'{file.Path}' was indexed but is no longer there; run 'flam index add' again to update the index.");
}
