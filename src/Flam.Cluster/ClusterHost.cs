using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Flam.Cluster;

/// <summary>How a worker joins the cluster.</summary>
public sealed record WorkerOptions
{
    /// <summary>PostgreSQL connection string of the membership tables.</summary>
    public required string Connection { get; init; }

    /// <summary>The store folder all workers share.</summary>
    public required string Store { get; init; }

    /// <summary>The worker's name, its shard's folder name: stable across restarts, unique in the cluster.</summary>
    public string Name { get; init; } = Environment.MachineName;

    /// <summary>The address other workers and clients reach this one at.</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>Port between workers; 0 picks a free one.</summary>
    public int SiloPort { get; init; }

    /// <summary>Port clients connect to; 0 picks a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary>
    /// Seconds a worker waits for a probed worker's answer; after three missed probes it suspects it, and the cluster
    /// declares it dead (its files go to the others) within a few such periods.
    /// </summary>
    public double ProbeSeconds { get; init; } = 5;

    /// <summary>Throws <see cref="FlamException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (Name.Length == 0 || Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || Name.StartsWith('.'))
        {
            throw new FlamException($"The worker name '{Name}' must be letters, digits, '-', '_' or '.' (it names the worker's shard folder).");
        }
        if (!IPAddress.TryParse(Address, out _))
        {
            throw new FlamException($"--address must be an IP address, got '{Address}'.");
        }
        if (SiloPort is < 0 or > 65535 || GatewayPort is < 0 or > 65535)
        {
            throw new FlamException($"Ports must be 0 (any free one) to 65535, got {SiloPort} and {GatewayPort}.");
        }
        if (!(ProbeSeconds is >= 0.2 and <= 600))
        {
            throw new FlamException($"--probe-seconds must be between 0.2 and 600, got {ProbeSeconds}.");
        }
    }
}

/// <summary>Orleans silos (workers) and clients (submit, search, status) of a Flam cluster.</summary>
public static class ClusterHost
{
    /// <summary>The Orleans cluster and service id: one Flam cluster per database.</summary>
    public const string ClusterId = "flam";

    /// <summary>Runs a worker until <paramref name="cancel"/> (or SIGTERM/Ctrl+C) stops it.</summary>
    public static async Task RunWorkerAsync(WorkerOptions options, ShardEncoderFactory load, Action<string> log, CancellationToken cancel)
    {
        options.Validate();
        Directory.CreateDirectory(Path.Combine(options.Store, ClusterStore.ShardsFolder));
        ClusterSchema.RegisterProvider();
        await ClusterSchema.EnsureCreatedAsync(options.Connection, cancel);
        var address = IPAddress.Parse(options.Address);
        var siloPort = options.SiloPort == 0 ? FreePort(address) : options.SiloPort;
        var gatewayPort = options.GatewayPort == 0 ? FreePort(address) : options.GatewayPort;
        await using var claims = new PostgresFileClaims(options.Connection);
        using var worker = new ShardWorker(options.Store, options.Name, load, claims, log);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        StderrLoggerProvider.Configure(builder.Logging);
        builder.Services.AddSingleton(worker);
        builder.UseOrleans(silo =>
        {
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (ClusterSchema.Invariant, options.Connection));
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId));
            silo.Configure<SiloOptions>(o => o.SiloName = options.Name);
            silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                var probe = TimeSpan.FromSeconds(options.ProbeSeconds);
                o.ProbeTimeout = probe;
                o.TableRefreshTimeout = 2 * probe;
                o.IAmAliveTablePublishTimeout = 2 * probe;
                o.DeathVoteExpirationTimeout = 4 * probe;
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
        });
        using var host = builder.Build();
        await host.StartAsync(cancel);
        log($"{options.Name}: joined cluster '{ClusterId}' ({ClusterSchema.Describe(options.Connection)}) at {address}:{siloPort}, gateway {gatewayPort}; store {worker.Store}");
        try
        {
            await host.WaitForShutdownAsync(cancel);
        }
        catch (OperationCanceledException)
        {
            // Stopping is what was asked.
        }
        await host.StopAsync(CancellationToken.None);
        log($"{options.Name}: left the cluster");
    }

    /// <summary>How long a call (one file) may take before the caller gives up on it and asks again.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromHours(1);

    /// <summary>Connects to the cluster as a client; fails when no worker is up.</summary>
    /// <exception cref="FlamException">The database cannot be reached, or no worker answers.</exception>
    public static async Task<IHost> ConnectAsync(string connection, CancellationToken cancel)
    {
        ClusterSchema.RegisterProvider();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        StderrLoggerProvider.Configure(builder.Logging);
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (ClusterSchema.Invariant, connection));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId));
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancel);
            return host;
        }
        catch (Exception e) when (e is OrleansException or Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            host.Dispose();
            throw new FlamException($"Cannot reach a Flam cluster worker through {ClusterSchema.Describe(connection)}: {e.Message} " +
                "(start one with: flam cluster worker --cluster CONN --store DIR)", e);
        }
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
