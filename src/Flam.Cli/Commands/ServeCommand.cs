using System.CommandLine;
using Flam.Cli.Plots;
using Flam.Index;
using Flam.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Flam.Cli.Commands;

/// <summary>
/// <c>flam serve</c>: the HTTP API, the live WebSocket and the web page (search an index, inspect and play its files,
/// detect in uploads, listen to the microphone) from one local process; loopback unless an API key is given.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var index = new Option<string?>("--index") { Description = "An index folder (built with 'flam index add') to search and play; without it only detection and live listening are served." };
        var cluster = ClusterCommand.ConnectionOption(required: false);
        cluster.Description = "Instead of --index: serve every shard of this cluster (PostgreSQL connection string) as one index.";
        var urls = CliOptions.Opt("--urls", "Addresses to listen on, ';'-separated. Anything but loopback needs --api-key.", ServerOptions.Default.Urls);
        var apiKey = new Option<string?>("--api-key") { Description = "Key every API and WebSocket request must carry (header X-Api-Key, or ?key=); at least 16 characters. Required off loopback." };
        var maxUpload = CliOptions.Opt("--max-upload-mb", "Largest upload to /api/detect in MB; larger ones get 413.", ServerOptions.Default.MaxUploadMegabytes);
        var concurrent = CliOptions.Opt("--max-concurrent-detections", "Uploads detected at once; the others wait in a queue.", ServerOptions.Default.MaxConcurrentDetections);
        var queued = CliOptions.Opt("--max-queued-detections", "Uploads waiting for a slot; beyond them clients get 503 with Retry-After.", ServerOptions.Default.MaxQueuedDetections);
        var model = new ModelChoice();
        var command = new Command("serve", "Serve an HTTP API and a web page: search an index, inspect and play its files, detect in uploads, listen live.")
        {
            index, cluster, urls, apiKey, maxUpload, concurrent, queued,
        };
        model.AddTo(command);
        command.SetAction(async (parse, cancel) =>
        {
            var options = ServerOptions.Default with
            {
                Index = parse.GetValue(index),
                Urls = parse.GetValue(urls)!,
                ApiKey = parse.GetValue(apiKey),
                MaxUploadMegabytes = parse.GetValue(maxUpload),
                MaxConcurrentDetections = parse.GetValue(concurrent),
                MaxQueuedDetections = parse.GetValue(queued),
            };
            return await Run(options, parse.GetValue(cluster), parse.GetValue(model.Checkpoint), parse.GetValue(model.Config), parse.GetValue(model.Tokenizer),
                parse.GetValue(model.Device)!, parse.GetValue(model.Precision)!, parse.InvocationConfiguration.Output, cancel);
        });
        return command;
    }

    private static async Task<int> Run(ServerOptions options, string? cluster, string? checkpoint, string? config, string? tokenizer, string device, string precision,
        TextWriter stdout, CancellationToken cancel)
    {
        options.Validate();
        if (cluster is not null && options.Index is not null)
        {
            throw new FlamException("Give either --index DIR (one index) or --cluster CONN (every shard of a cluster), not both.");
        }
        // A cluster's shards are read from the store its workers share and served as one index.
        ServedIndex? shards = null;
        if (cluster is not null)
        {
            var (store, readers) = await ClusterCommand.OpenShards(cluster, cancel);
            shards = new ServedIndex(store, readers);
        }
        try
        {
            return await Run(options, shards, checkpoint, config, tokenizer, device, precision, stdout, cancel);
        }
        finally
        {
            // The server disposes it too when it was built; closing twice is harmless.
            shards?.Dispose();
        }
    }

    private static async Task<int> Run(ServerOptions options, ServedIndex? shards, string? checkpoint, string? config, string? tokenizer, string device,
        string precision, TextWriter stdout, CancellationToken cancel)
    {
        // With an index, its own model (as 'flam search' does): text queries must land in the space its frames were stored in.
        var location = shards?.Location ?? options.Index;
        var settings = shards?.Settings ?? (options.Index is null ? null : IndexSettings.Read(options.Index)
            ?? throw new FlamException($"'{options.Index}' is not an index; build one with: flam index add AUDIO... --index {options.Index}"));
        using var loaded = settings is null
            ? ModelChoice.Load(checkpoint, config, tokenizer, device, precision)
            : ModelChoice.LoadForIndex(settings, location!, checkpoint, config, tokenizer, device);
        var served = new ServedModel(loaded.Bundle.Name, loaded.Model, loaded.Tokenizer, loaded.Precision);
        await using var app = FlamServer.Build(options, served, SpectrogramPlot.StripPng, shards);
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException e)
        {
            throw new FlamException($"Cannot listen on {options.Urls}: {e.Message}", e);
        }
        stdout.WriteLine($"flam serve: listening on {string.Join(", ", app.Urls)} (model {served.Name}{(settings is null ? "" : $", index {location}")}); Ctrl+C stops");
        try
        {
            // The host stops on Ctrl+C and SIGTERM (its console lifetime); the command's token is the other way out.
            await app.WaitForShutdownAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            await app.StopAsync(CancellationToken.None);
        }
        return 0;
    }
}
