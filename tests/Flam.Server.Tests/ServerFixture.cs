using System.Net.Http.Headers;
using Flam.Audio;
using Flam.Cli;
using Flam.Cli.Plots;
using Flam.Model;
using Flam.Server;
using Flam.Tests.Index;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Flam.Tests.Server;

/// <summary>
/// A real <c>flam serve</c> on a random loopback port, in this process: the micro fixture model, and an index (float32,
/// 5 s hop) of three short recordings built with <c>flam index add</c>. Disposed (server, model, files) after its tests.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly TempDirectory _temp = FixturePaths.NewTempDirectory();
    private FlamModel? _model;

    public string Index => _temp["index"];

    /// <summary>The indexed recordings (full paths), in the order they were indexed.</summary>
    public List<string> Audio { get; } = [];

    public ServedModel Model { get; private set; } = null!;

    public WebApplication App { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The options the shared server runs with: small limits so that each can be hit.</summary>
    public static ServerOptions Options(string? index) => ServerOptions.Default with
    {
        Index = index,
        Urls = "http://127.0.0.1:0",
        MaxUploadMegabytes = 1,
        MaxConcurrentDetections = 1,
        MaxQueuedDetections = 0,
    };

    public string Temp(string name) => _temp[name];

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_temp["audio"]);
        for (var i = 0; i < 3; i++)
        {
            var path = _temp[$"audio/take{i}.wav"];
            WavWriter.Write(path, Recording(6 + 5 * i, 16000, seed: i), 16000);
            Audio.Add(path);
        }
        var micro = FixturePaths.MicroModelArguments();
        var add = await Cli(["index", "add", .. Audio, "--index", Index, "--storage", "float32", "--hop", "5", .. micro]);
        Assert.True(add.Code == 0, add.Err);

        var bundle = ModelBundle.Resolve(micro[1], micro[3], micro[5]);
        _model = bundle.LoadModel();
        Model = new ServedModel(bundle.Name, _model, bundle.LoadTokenizer(_model), "fp32");
        (App, Client) = await Start(Options(Index));
    }

    /// <summary>
    /// Starts a server with <paramref name="options"/> (and <paramref name="index"/>, if given) on the fixture's model; returns
    /// it and a client for its address.
    /// </summary>
    public async Task<(WebApplication App, HttpClient Client)> Start(ServerOptions options, ServedIndex? index = null)
    {
        var app = FlamServer.Build(options, Model, SpectrogramPlot.StripPng, index);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return (app, client);
    }

    /// <summary>Quiet noise with a few loud tone bursts whose places depend on <paramref name="seed"/>.</summary>
    public static float[] Recording(double seconds, int rate, int seed)
    {
        var random = new Random(seed);
        var samples = new float[(int)(seconds * rate)];
        var bursts = Enumerable.Range(0, 3).Select(_ => random.Next(samples.Length)).ToArray();
        for (var s = 0; s < samples.Length; s++)
        {
            var loud = bursts.Any(b => Math.Abs(s - b) < rate / 2);
            samples[s] = (float)((random.NextDouble() - 0.5) * 0.1 + (loud ? 0.6 * Math.Sin(2 * Math.PI * (300 + 200 * seed) * s / rate) : 0));
        }
        return samples;
    }

    /// <summary>Runs <c>flam</c> in this process.</summary>
    public static async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await FlamApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        _model?.Dispose();
        _temp.Dispose();
    }
}
