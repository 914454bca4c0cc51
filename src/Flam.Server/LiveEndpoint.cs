using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flam.Audio;
using Flam.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Flam.Server;

/// <summary>What a live client asks for in its first message.</summary>
/// <param name="SampleRate">Rate of the PCM it sends.</param>
/// <param name="Float">True for <c>f32le</c>, false for <c>s16le</c>; mono.</param>
/// <param name="Queries">The sounds to listen for.</param>
/// <param name="Threshold">Probability above which a sound is on.</param>
/// <param name="HopFrames">Model frames between two scorings.</param>
internal sealed record LiveRequest(int SampleRate, bool Float, string[] Queries, double Threshold, int HopFrames);

/// <summary>
/// <c>WS /api/live</c>: the client sends <c>{"sampleRate", "format": "s16le"|"f32le", "queries": [...]}</c> (optionally
/// <c>"threshold"</c> and <c>"hopFrames"</c>), then binary mono PCM. Every hop (by default two model frames, 0.625 s) the
/// server scores the last model window of audio (zero-padded at the start until one has arrived), sends the new
/// frames' probabilities as <c>{"type": "frames", "t", "frame_seconds", "probabilities": {query: [...]}}</c> and each
/// crossing of the threshold as <c>{"type": "event", "query", "state": "start"|"stop", "t"}</c>.
/// </summary>
internal static class LiveEndpoint
{
    /// <summary>Live sessions at once; more get 503.</summary>
    public const int MaxSessions = 4;

    /// <summary>Default model frames between scorings: latency is at most this plus one scoring.</summary>
    public const int DefaultHopFrames = 2;

    private static int _sessions;

    public static void Map(IEndpointRouteBuilder app) =>
        app.Map("/api/live", Live).WithSummary("Live detection over a WebSocket (see docs/serve.md).");

    private static async Task<IResult> Live(HttpContext context, ServerState state)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return ServerState.BadRequest("/api/live is a WebSocket: connect with ws://.../api/live.");
        }
        if (Interlocked.Increment(ref _sessions) > MaxSessions)
        {
            Interlocked.Decrement(ref _sessions);
            context.Response.Headers.RetryAfter = FlamServer.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Busy", detail: $"{MaxSessions} live sessions are running.");
        }
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await RunSession(state, socket, context.RequestAborted);
            return Results.Empty;
        }
        finally
        {
            Interlocked.Decrement(ref _sessions);
        }
    }

    private static async Task RunSession(ServerState state, WebSocket socket, CancellationToken cancel)
    {
        var buffer = new byte[1 << 16];
        var first = await ReceiveText(socket, buffer, cancel);
        if (first is null)
        {
            return;
        }
        var (request, error) = Parse(state, first);
        if (request is null)
        {
            await Send(socket, new JsonObject { ["type"] = "error", ["message"] = error }, cancel);
            await socket.CloseAsync(WebSocketCloseStatus.InvalidPayloadData, "bad first message", cancel);
            return;
        }
        using var scorer = new FlamFrameScorer(state.Model.Model, state.Model.Tokenizer);
        try
        {
            scorer.PrepareQueries(request.Queries);
        }
        catch (FlamException e)
        {
            await Send(socket, new JsonObject { ["type"] = "error", ["message"] = e.Message }, cancel);
            await socket.CloseAsync(WebSocketCloseStatus.InvalidPayloadData, "bad query", cancel);
            return;
        }
        var listener = new LiveListener(DetectionOptions.Default.ForModel(state.Model.Model.Config.Audio), request, scorer);
        await Send(socket, new JsonObject { ["type"] = "ready", ["frame_seconds"] = listener.Options.FrameSeconds, ["hop_seconds"] = listener.HopSeconds }, cancel);
        var pending = new List<byte>();
        var bytesPerSample = request.Float ? 4 : 2;
        while (socket.State == WebSocketState.Open)
        {
            var received = await socket.ReceiveAsync(buffer, cancel);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cancel);
                break;
            }
            if (received.MessageType != WebSocketMessageType.Binary)
            {
                continue;
            }
            pending.AddRange(buffer.AsSpan(0, received.Count));
            var whole = pending.Count / bytesPerSample * bytesPerSample;
            var samples = Decode(pending.GetRange(0, whole).ToArray(), request.Float);
            pending.RemoveRange(0, whole);
            foreach (var message in await Task.Run(() => listener.Add(samples), cancel))
            {
                await Send(socket, message, cancel);
            }
        }
    }

    /// <summary>The first message as a request, or why it cannot be one.</summary>
    internal static (LiveRequest? Request, string Error) Parse(ServerState state, string text)
    {
        try
        {
            var json = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not an object");
            var rate = json["sampleRate"]?.GetValue<int>() ?? 0;
            if (rate is < 8000 or > 192_000)
            {
                return (null, $"'sampleRate' must be between 8000 and 192000, got {rate}.");
            }
            var format = json["format"]?.GetValue<string>();
            if (format is not ("s16le" or "f32le"))
            {
                return (null, $"'format' must be \"s16le\" or \"f32le\", got \"{format}\".");
            }
            var (queries, problem) = state.Queries((json["queries"] as JsonArray ?? []).Select(q => q?.GetValue<string>()), "queries");
            if (problem is not null)
            {
                return (null, $"'queries' must hold 1 to {state.Options.MaxQueries} texts of at most {state.Options.MaxQueryLength} characters.");
            }
            var threshold = json["threshold"]?.GetValue<double>() ?? DetectionOptions.Default.Threshold;
            var hop = json["hopFrames"]?.GetValue<int>() ?? DefaultHopFrames;
            if (!(threshold is > 0 and < 1) || hop is < 1 or > 32)
            {
                return (null, "'threshold' must be between 0 and 1 and 'hopFrames' between 1 and 32.");
            }
            return (new LiveRequest(rate, format == "f32le", queries, threshold, hop), "");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return (null, "The first message must be JSON: {\"sampleRate\": 16000, \"format\": \"f32le\", \"queries\": [\"a dog barking\"]}; " + e.Message);
        }
    }

    private static float[] Decode(byte[] bytes, bool isFloat)
    {
        var samples = new float[bytes.Length / (isFloat ? 4 : 2)];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = isFloat
                ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i))
                : BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(2 * i)) / 32768f;
        }
        return samples;
    }

    private static async Task<string?> ReceiveText(WebSocket socket, byte[] buffer, CancellationToken cancel)
    {
        var text = new MemoryStream();
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancel);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            text.Write(buffer, 0, received.Count);
            if (text.Length > buffer.Length)
            {
                return "";
            }
            if (received.EndOfMessage)
            {
                return Encoding.UTF8.GetString(text.ToArray());
            }
        }
    }

    private static Task Send(WebSocket socket, JsonObject message, CancellationToken cancel) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, cancel);
}

/// <summary>
/// The state of one live session: the last model window of audio at the client's rate (a ring), the time scored so far
/// and whether each query is on. <see cref="Add"/> returns the messages due after new samples.
/// </summary>
internal sealed class LiveListener(DetectionOptions options, LiveRequest request, IFrameScorer scorer)
{
    private readonly float[] _ring = new float[(int)Math.Ceiling(options.WindowSeconds * request.SampleRate)];
    private readonly bool[] _on = new bool[request.Queries.Length];
    private long _received;
    private long _scoredUntil;

    public DetectionOptions Options { get; } = options;

    public double HopSeconds => request.HopFrames * Options.FrameSeconds;

    private long HopSamples => (long)Math.Round(HopSeconds * request.SampleRate);

    public List<JsonObject> Add(ReadOnlySpan<float> samples)
    {
        foreach (var sample in samples)
        {
            _ring[_received++ % _ring.Length] = sample;
        }
        var messages = new List<JsonObject>();
        if (_received - _scoredUntil >= HopSamples)
        {
            messages.AddRange(Score());
        }
        return messages;
    }

    /// <summary>Scores the window ending now and reports the frames that began since the last scoring.</summary>
    private List<JsonObject> Score()
    {
        // The window, oldest sample first, zero-padded at the start while less than a window has arrived.
        var window = new float[_ring.Length];
        var have = (int)Math.Min(_received, _ring.Length);
        for (var i = 0; i < have; i++)
        {
            window[_ring.Length - have + i] = _ring[(_received - have + i) % _ring.Length];
        }
        var resampled = request.SampleRate == Options.SampleRate ? window : Resampler.Resample(window, request.SampleRate, Options.SampleRate);
        var input = new float[Options.WindowSamples];
        var take = Math.Min(resampled.Length, input.Length);
        resampled.AsSpan(resampled.Length - take).CopyTo(input.AsSpan(input.Length - take));
        var scores = scorer.Score([input], request.Queries);

        var now = (double)_received / request.SampleRate;
        var frames = Options.FramesPerWindow;
        var fresh = (int)Math.Clamp(Math.Ceiling((now - (double)_scoredUntil / request.SampleRate) / Options.FrameSeconds), 1, frames);
        _scoredUntil = _received;
        var firstTime = now - fresh * Options.FrameSeconds;
        var probabilities = new JsonObject();
        var messages = new List<JsonObject>();
        for (var q = 0; q < request.Queries.Length; q++)
        {
            var values = new JsonArray();
            for (var k = frames - fresh; k < frames; k++)
            {
                var p = scores[0, q, k];
                values.Add(Math.Round(p, 4));
                var t = Math.Round(Math.Max(0, firstTime + (k - frames + fresh) * Options.FrameSeconds), 4);
                if (p > request.Threshold != _on[q])
                {
                    _on[q] = !_on[q];
                    messages.Add(new JsonObject { ["type"] = "event", ["query"] = request.Queries[q], ["state"] = _on[q] ? "start" : "stop", ["t"] = t, ["probability"] = Math.Round(p, 4) });
                }
            }
            probabilities[request.Queries[q]] = values;
        }
        messages.Insert(0, new JsonObject
        {
            ["type"] = "frames",
            ["t"] = Math.Round(Math.Max(0, firstTime), 4),
            ["frame_seconds"] = Options.FrameSeconds,
            ["probabilities"] = probabilities,
        });
        return messages;
    }
}
