using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flam.Index;
using Flam.Server;

namespace Flam.Tests.Server;

/// <summary>
/// The HTTP API of a real server on a loopback port: each endpoint, the JSON of /api/detect and /api/search equal to
/// what <c>flam detect</c> and <c>flam search</c> print, range requests, limits, bad input and the security headers.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class ApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private HttpClient Client => server.Client;

    private static MultipartFormDataContent Upload(byte[] audio, string name, params (string Field, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(audio);
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "audio", name);
        foreach (var (field, value) in fields)
        {
            form.Add(new StringContent(value), field);
        }
        return form;
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal); // never a stack trace
        return JsonDocument.Parse(body).RootElement;
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.StartsWith("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Detect_returns_exactly_the_json_flam_detect_prints_with_the_uploaded_name()
    {
        var path = server.Audio[1];
        var cli = await ServerFixture.Cli(["detect", path, "-q", "a bell", "-q", "water running", "--threshold", "0.3", "--median", "5", "--frames", .. FixturePaths.MicroModelArguments()]);
        Assert.True(cli.Code == 0, cli.Err);
        using var response = await Client.PostAsync("/api/detect", Upload(File.ReadAllBytes(path), "my recording.wav",
            ("query", "a bell"), ("query", "water running"), ("threshold", "0.3"), ("median", "5"), ("frames", "true")));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(cli.Out.Replace(JsonEncodedText.Encode(path).ToString(), "my recording.wav", StringComparison.Ordinal), body);
        Assert.Contains("\"probabilities\"", body, StringComparison.Ordinal);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task Search_returns_exactly_the_json_flam_search_prints()
    {
        var cli = await ServerFixture.Cli(["search", "a bell", "birds singing", "--index", server.Index, "--top", "4", "--threshold", "0.2", "--format", "json"]);
        Assert.True(cli.Code == 0, cli.Err);
        using var response = await Client.GetAsync("/api/search?q=a%20bell&q=birds%20singing&top=4&threshold=0.2");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(cli.Out, body);
        Assert.NotEmpty(JsonDocument.Parse(body).RootElement.GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task Shards_served_as_one_index_answer_as_the_single_index_does()
    {
        // The fixture's files split over two shards (as cluster workers write them), built like the fixture's index.
        string[] Shard(string name, params string[] audio) => ["index", "add", .. audio, "--index", server.Temp(name), "--storage", "float32", "--hop", "5", .. FixturePaths.MicroModelArguments()];
        foreach (var add in new[] { Shard("shard-a", server.Audio[1]), Shard("shard-b", server.Audio[0], server.Audio[2]) })
        {
            var result = await ServerFixture.Cli(add);
            Assert.True(result.Code == 0, result.Err);
        }
        var shards = new ServedIndex("shards", [AudioIndexReader.Open(server.Temp("shard-a")), AudioIndexReader.Open(server.Temp("shard-b"))]);
        var (app, client) = await server.Start(ServerFixture.Options(null), shards);
        await using var _ = app;
        using var __ = client;

        const string Query = "/api/search?q=a%20bell&q=birds%20singing&top=4&threshold=0.2";
        var single = JsonNode.Parse(await Client.GetStringAsync(Query))!;
        var merged = JsonNode.Parse(await client.GetStringAsync(Query))!;
        Assert.Equal("shards", merged["index"]!.GetValue<string>());
        Assert.NotEmpty(single["results"]!.AsArray());
        Assert.Equal(single["results"]!.ToJsonString(), merged["results"]!.ToJsonString());

        // Every file of both shards is listed once, with ids that lead to its own metadata and audio.
        var files = JsonDocument.Parse(await client.GetStringAsync("/api/files")).RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(server.Audio.Order(StringComparer.Ordinal), files.Select(f => f.GetProperty("file").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(files.Count, files.Select(f => f.GetProperty("id").GetInt64()).Distinct().Count());
        foreach (var file in files)
        {
            var id = file.GetProperty("id").GetInt64();
            var meta = JsonDocument.Parse(await client.GetStringAsync($"/api/files/{id}")).RootElement;
            Assert.Equal(file.GetProperty("file").GetString(), meta.GetProperty("file").GetString());
            Assert.Equal(id, meta.GetProperty("id").GetInt64());
            Assert.Equal(await File.ReadAllBytesAsync(file.GetProperty("file").GetString()!), await client.GetByteArrayAsync($"/api/files/{id}/audio"));
        }
        var info = JsonDocument.Parse(await client.GetStringAsync("/api/info")).RootElement.GetProperty("index");
        Assert.Equal(2, info.GetProperty("shards").GetInt32());
        Assert.Equal(3, info.GetProperty("files").GetInt32());
    }

    [Fact]
    public async Task Files_list_metadata_frames_like_and_spectrogram_describe_the_indexed_files()
    {
        var files = JsonDocument.Parse(await Client.GetStringAsync("/api/files")).RootElement.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(server.Audio, files.Select(f => f.GetProperty("file").GetString()));
        var id = files[2].GetProperty("id").GetInt64();
        var meta = JsonDocument.Parse(await Client.GetStringAsync($"/api/files/{id}")).RootElement;
        Assert.Equal(16.0, meta.GetProperty("duration").GetDouble(), 6);
        Assert.Equal(new FileInfo(server.Audio[2]).Length, meta.GetProperty("size").GetInt64());

        // Frames from the stored float32 embeddings equal 'flam detect --frames' with the index's hop.
        var cli = await ServerFixture.Cli(["detect", server.Audio[2], "-q", "a bell", "-q", "a dog", "--hop", "5", "--frames", .. FixturePaths.MicroModelArguments()]);
        var expected = JsonDocument.Parse(cli.Out).RootElement.GetProperty("files")[0].GetProperty("queries");
        var frames = JsonDocument.Parse(await Client.GetStringAsync($"/api/files/{id}/frames?q=a%20bell&q=a%20dog")).RootElement.GetProperty("files")[0].GetProperty("queries");
        Assert.Equal(2, frames.GetArrayLength());
        for (var q = 0; q < 2; q++)
        {
            var want = expected[q].GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
            var got = frames[q].GetProperty("probabilities").EnumerateArray().Select(p => p.GetDouble()).ToArray();
            Assert.Equal(want.Length, got.Length);
            Assert.All(want.Zip(got), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 1e-4, $"{pair.First} vs {pair.Second}"));
        }

        var like = JsonDocument.Parse(await Client.GetStringAsync($"/api/search/like?file={id}&t=1&top=3")).RootElement.GetProperty("results");
        Assert.InRange(like.GetArrayLength(), 1, 3);
        Assert.Equal(server.Audio[2] + "@1", like[0].GetProperty("query").GetString());

        using var png = await Client.GetAsync($"/api/files/{id}/spectrogram.png?width=320&height=48");
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        var bytes = await png.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        Assert.Equal(320, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(48, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public async Task Audio_answers_range_requests_with_206_and_the_requested_bytes()
    {
        var files = JsonDocument.Parse(await Client.GetStringAsync("/api/files")).RootElement.GetProperty("files");
        var id = files[0].GetProperty("id").GetInt64();
        var original = File.ReadAllBytes(server.Audio[0]);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/files/{id}/audio");
        request.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal($"bytes 1000-1999/{original.Length}", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(original[1000..2000], await response.Content.ReadAsByteArrayAsync());
        AssertSecurityHeaders(response);

        using var whole = await Client.GetAsync($"/api/files/{id}/audio");
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
        Assert.Equal(original, await whole.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Health_info_and_openapi_describe_the_server()
    {
        Assert.Equal("ok", JsonDocument.Parse(await Client.GetStringAsync("/api/health")).RootElement.GetProperty("status").GetString());
        var info = JsonDocument.Parse(await Client.GetStringAsync("/api/info")).RootElement;
        Assert.Equal(server.Model.Name, info.GetProperty("model").GetString());
        Assert.Equal(3, info.GetProperty("index").GetProperty("files").GetInt32());
        Assert.False(string.IsNullOrEmpty(info.GetProperty("version").GetString()));
        var openApi = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/detect", "/api/search", "/api/search/like", "/api/files/{id}/audio", "/api/files/{id}/frames", "/api/info" })
        {
            Assert.True(openApi.TryGetProperty(path, out _), $"OpenAPI lacks {path}");
        }
    }

    [Fact]
    public async Task An_unknown_file_id_is_404_and_paths_are_never_accepted()
    {
        foreach (var url in new[] { "/api/files/987654", "/api/files/987654/audio", "/api/files/987654/frames?q=x", "/api/files/987654/spectrogram.png",
            "/api/search/like?file=987654", "/api/files/..%2F..%2Fetc%2Fpasswd/audio" })
        {
            using var response = await Client.GetAsync(url);
            await Problem(response, HttpStatusCode.NotFound);
            AssertSecurityHeaders(response);
        }
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_413()
    {
        using var response = await Client.PostAsync("/api/detect", Upload(new byte[1_200_000], "big.wav", ("query", "a bell")));
        var problem = await Problem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("1 MB", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        AssertSecurityHeaders(response);
    }

    [Fact]
    public async Task An_upload_that_is_not_audio_is_422_with_the_decoders_message_naming_the_upload()
    {
        using var response = await Client.PostAsync("/api/detect", Upload(Encoding.UTF8.GetBytes("this is not a recording, just text"), "notes.wav", ("query", "a bell")));
        var detail = (await Problem(response, HttpStatusCode.UnprocessableEntity)).GetProperty("detail").GetString()!;
        Assert.Contains("notes.wav", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("flam-serve-", detail, StringComparison.Ordinal); // the server's temp path stays private
    }

    [Fact]
    public async Task Queries_that_are_missing_empty_or_too_long_are_400()
    {
        var audio = File.ReadAllBytes(server.Audio[0]);
        using var none = await Client.PostAsync("/api/detect", Upload(audio, "a.wav"));
        await Problem(none, HttpStatusCode.BadRequest);
        using var tooLong = await Client.PostAsync("/api/detect", Upload(audio, "a.wav", ("query", new string('x', 501))));
        Assert.Contains("at most 500", (await Problem(tooLong, HttpStatusCode.BadRequest)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var search = await Client.GetAsync("/api/search?q=" + new string('y', 501));
        await Problem(search, HttpStatusCode.BadRequest);
        using var empty = await Client.GetAsync("/api/search");
        await Problem(empty, HttpStatusCode.BadRequest);
        using var threshold = await Client.PostAsync("/api/detect", Upload(audio, "a.wav", ("query", "a bell"), ("threshold", "lots")));
        await Problem(threshold, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task With_every_detection_slot_busy_and_the_queue_full_a_detection_is_503_with_retry_after()
    {
        // The first upload holds the only slot while its body is still arriving; the queue holds none. On a loaded
        // machine the slow upload may reach the limiter after the second one: then the second simply ran, and the
        // scenario is tried again with more time for the first to take its slot.
        for (var attempt = 1; ; attempt++)
        {
            var release = new TaskCompletionSource();
            var slow = new MultipartFormDataContent
            {
                { new StringContent("a bell"), "query" },
                { new SlowContent(File.ReadAllBytes(server.Audio[0]), release.Task), "audio", "slow.wav" },
            };
            var first = Client.PostAsync("/api/detect", slow);
            await Task.Delay(500 * attempt);
            using var second = await Client.PostAsync("/api/detect", Upload(File.ReadAllBytes(server.Audio[0]), "b.wav", ("query", "a bell")));
            release.SetResult();
            using var done = await first;
            if (second.StatusCode != HttpStatusCode.OK || attempt == 4)
            {
                await Problem(second, HttpStatusCode.ServiceUnavailable);
                Assert.Equal(TimeSpan.FromSeconds(FlamServer.RetryAfterSeconds), second.Headers.RetryAfter?.Delta);
                Assert.Equal(HttpStatusCode.OK, done.StatusCode);
                return;
            }
        }
    }

    [Fact]
    public async Task Security_headers_are_on_the_page_and_on_errors()
    {
        using var page = await Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        AssertSecurityHeaders(page);
        using var missing = await Client.GetAsync("/no/such/thing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        AssertSecurityHeaders(missing);
    }

    [Fact]
    public async Task With_an_api_key_requests_without_it_or_with_a_wrong_one_are_401()
    {
        var (app, client) = await server.Start(ServerFixture.Options(server.Index) with { ApiKey = "0123456789abcdef0123" });
        await using var _ = app;
        using var __ = client;
        using var none = await client.GetAsync("/api/info");
        await Problem(none, HttpStatusCode.Unauthorized);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/info") { Headers = { { FlamServer.ApiKeyHeader, "0123456789abcdef0124" } } };
        await Problem(await client.SendAsync(wrong), HttpStatusCode.Unauthorized);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/info") { Headers = { { FlamServer.ApiKeyHeader, "0123456789abcdef0123" } } };
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(right)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health?key=0123456789abcdef0123")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode); // the page itself holds no data
    }

    [Fact]
    public async Task Live_scores_the_zero_padded_last_window_every_hop_and_reports_threshold_crossings()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(new Uri(Client.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "api/live"), CancellationToken.None);
        string[] queries = ["a bell", "rain"];
        await SendText(socket, JsonSerializer.Serialize(new { sampleRate = 16000, format = "s16le", queries, threshold = 0.001 }));
        var ready = await ReceiveJson(socket);
        Assert.Equal("ready", ready.GetProperty("type").GetString());
        Assert.Equal(0.625, ready.GetProperty("hop_seconds").GetDouble(), 9);

        // Three hops of 10 000 samples (0.625 s at 16 kHz), each one binary message: one scoring each.
        var audio = ServerFixture.Recording(30000.0 / 16000, 16000, seed: 9);
        var pcm = audio.Select(x => (short)Math.Round(x * 32767)).ToArray();
        var messages = new List<JsonElement>();
        for (var hop = 0; hop < 3; hop++)
        {
            var bytes = new byte[20000];
            for (var i = 0; i < 10000; i++) BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), pcm[hop * 10000 + i]);
            await socket.SendAsync(bytes, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
            do
            {
                messages.Add(await ReceiveJson(socket));
            }
            while (messages[^1].GetProperty("type").GetString() != "frames" || messages.Count(m => m.GetProperty("type").GetString() == "frames") <= hop);
        }
        var frames = messages.Where(m => m.GetProperty("type").GetString() == "frames").ToList();
        Assert.Equal([0, 0.625, 1.25], frames.Select(f => f.GetProperty("t").GetDouble()));
        // Every frame is above 0.001: each query starts once, at 0 s, and never stops.
        var events = messages.Where(m => m.GetProperty("type").GetString() == "event").ToList();
        Assert.Equal(queries, events.Select(e => e.GetProperty("query").GetString()));
        Assert.All(events, e => Assert.Equal(("start", 0.0), (e.GetProperty("state").GetString(), e.GetProperty("t").GetDouble())));

        // The last message holds the two newest frames of the model window ending now: zeros, then all 30 000 samples.
        var window = new float[160000];
        for (var i = 0; i < 30000; i++) window[130000 + i] = pcm[i] / 32768f;
        using var scorer = new Flam.Inference.FlamFrameScorer(server.Model.Model, server.Model.Tokenizer);
        var expected = scorer.Score([Flam.Audio.Resampler.Resample(window, 16000, 48000)], queries);
        var frameCount = expected.GetLength(2);
        for (var q = 0; q < 2; q++)
        {
            var got = frames[2].GetProperty("probabilities").GetProperty(queries[q]).EnumerateArray().Select(p => p.GetDouble()).ToArray();
            Assert.Equal(2, got.Length);
            Assert.Equal(expected[0, q, frameCount - 2], got[0], 4);
            Assert.Equal(expected[0, q, frameCount - 1], got[1], 4);
        }
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task Live_refuses_a_bad_first_message_with_an_error()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(new Uri(Client.BaseAddress!.ToString().Replace("http://", "ws://", StringComparison.Ordinal) + "api/live"), CancellationToken.None);
        await SendText(socket, JsonSerializer.Serialize(new { sampleRate = 16000, format = "mp3", queries = new[] { "a bell" } }));
        var error = await ReceiveJson(socket);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Contains("'format'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var buffer = new byte[256];
        Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Close, (await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType);
    }

    private static Task SendText(System.Net.WebSockets.WebSocket socket, string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);

    private static async Task<JsonElement> ReceiveJson(System.Net.WebSockets.WebSocket socket)
    {
        var buffer = new byte[1 << 16];
        using var text = new MemoryStream();
        System.Net.WebSockets.WebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
            text.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);
        return JsonDocument.Parse(text.ToArray()).RootElement.Clone();
    }

    [Theory]
    [InlineData("http://0.0.0.0:5055")]
    [InlineData("http://*:5055")]
    [InlineData("http://192.168.1.20:5055")]
    [InlineData("http://127.0.0.1:5055;http://example.org:80")]
    public void Listening_beyond_loopback_without_an_api_key_is_refused(string urls)
    {
        var e = Assert.Throws<FlamException>(() => (ServerOptions.Default with { Urls = urls }).Validate());
        Assert.Contains("--api-key", e.Message, StringComparison.Ordinal);
        (ServerOptions.Default with { Urls = urls, ApiKey = "0123456789abcdef" }).Validate();
        (ServerOptions.Default with { Urls = "http://localhost:5055;http://[::1]:5056" }).Validate();
    }

    [Fact]
    public async Task Flam_serve_refuses_to_listen_beyond_loopback_without_a_key_before_loading_anything()
    {
        var run = await ServerFixture.Cli(["serve", "--urls", "http://0.0.0.0:5999", "--index", server.Index]);
        Assert.Equal(1, run.Code);
        Assert.StartsWith("error: --urls http://0.0.0.0:5999 listens beyond this machine: give --api-key", run.Err, StringComparison.Ordinal);
    }

    /// <summary>Content whose second half is sent only when <paramref name="release"/> completes.</summary>
    private sealed class SlowContent(byte[] bytes, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync(bytes.AsMemory(bytes.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
