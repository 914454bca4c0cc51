using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Flam.Tests.Cluster;

/// <summary>
/// A private, throwaway PostgreSQL server for the cluster tests: Debian's binaries (<c>.ci/run</c> installs the
/// <c>postgresql</c> package), a fresh data folder under the temp folder, loopback only, on a free port; stopped and
/// deleted on Dispose. Run as the <c>postgres</c> user when the tests run as root, since initdb refuses root. Fails (never
/// skips) when PostgreSQL cannot be started.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string _folder;
    private readonly string _bin;
    private readonly bool _asPostgres;

    public PostgresServer()
    {
        _bin = FindBin();
        _asPostgres = Environment.UserName == "root";
        _folder = Path.Combine(Path.GetTempPath(), "flam-tests", "pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        try
        {
            if (_asPostgres)
            {
                Run("chown", ["postgres", _folder]);
            }
            Port = FreePort();
            var data = Path.Combine(_folder, "data");
            RunPg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
            RunPg("pg_ctl", ["-D", data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60", "-o",
                $"-c listen_addresses=127.0.0.1 -p {Port} -k {_folder} -c fsync=off -c max_connections=200", "start"]);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>A new empty database and its connection string.</summary>
    public string NewDatabase()
    {
        var name = "flam_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(Connection("postgres")))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            create.ExecuteNonQuery();
        }
        return Connection(name);
    }

    private string Connection(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=false");

    private static string FindBin()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Where(d => File.Exists(Path.Combine(d, "bin", "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).ToList()
            : [];
        return versions.Count > 0
            ? Path.Combine(versions[0], "bin")
            : throw new InvalidOperationException("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): .ci/run installs Debian's postgresql package.");
    }

    private void RunPg(string tool, string[] arguments)
    {
        var path = Path.Combine(_bin, tool);
        if (_asPostgres)
        {
            Run("runuser", ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            Run(path, arguments);
        }
    }

    private static void Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr} {stdout.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            var data = Path.Combine(_folder, "data");
            if (File.Exists(Path.Combine(data, "postmaster.pid")))
            {
                RunPg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
            }
        }
        catch (InvalidOperationException)
        {
            // Already stopped; the folder goes anyway.
        }
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the temp folder's cleanup rather than hiding the test's outcome.
        }
    }
}
