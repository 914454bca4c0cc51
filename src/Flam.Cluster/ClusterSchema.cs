using System.Data.Common;
using Npgsql;

namespace Flam.Cluster;

/// <summary>
/// The PostgreSQL tables Orleans' ADO.NET clustering provider works on: its query table (<c>OrleansQuery</c>, which the
/// provider reads by that name) and Flam's membership tables. The provider issues only the queries stored there, so
/// they are the whole contract: parameter names and result columns are the provider's, the SQL is Flam's. Every worker
/// creates what is missing when it starts, under an advisory lock, so a fresh database needs no setup step.
/// </summary>
public static class ClusterSchema
{
    /// <summary>The ADO.NET invariant name the provider looks Npgsql up by.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>Makes Npgsql known to <see cref="DbProviderFactories"/> under <see cref="Invariant"/> (idempotent).</summary>
    public static void RegisterProvider() => DbProviderFactories.RegisterFactory(Invariant, NpgsqlFactory.Instance);

    // The membership version row is bumped by every change; a change whose version is stale changes nothing and
    // returns 0 rows, which Orleans takes as "read again and retry" (its optimistic membership protocol).
    private const string Tables = """
        CREATE TABLE IF NOT EXISTS OrleansQuery (
            QueryKey varchar(64) NOT NULL PRIMARY KEY,
            QueryText varchar(8000) NOT NULL);
        CREATE TABLE IF NOT EXISTS flam_membership_version (
            deployment_id varchar(150) NOT NULL PRIMARY KEY,
            stamp timestamptz(3) NOT NULL DEFAULT now(),
            version integer NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS flam_membership (
            deployment_id varchar(150) NOT NULL REFERENCES flam_membership_version (deployment_id),
            address varchar(45) NOT NULL,
            port integer NOT NULL,
            generation integer NOT NULL,
            silo_name varchar(150) NOT NULL,
            host_name varchar(150) NOT NULL,
            status integer NOT NULL,
            proxy_port integer NULL,
            suspect_times varchar(8000) NULL,
            start_time timestamptz(3) NOT NULL,
            i_am_alive_time timestamptz(3) NOT NULL,
            PRIMARY KEY (deployment_id, address, port, generation));
        """;

    private const string SiloKey = "deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation";

    private const string MemberColumns = """
        v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation, m.silo_name AS SiloName,
        m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort, m.suspect_times AS SuspectTimes,
        m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime, v.version AS Version
        """;

    /// <summary>The provider's query keys and Flam's SQL for them.</summary>
    internal static IReadOnlyDictionary<string, string> Queries { get; } = new Dictionary<string, string>
    {
        ["UpdateIAmAlivetimeKey"] = $"UPDATE flam_membership SET i_am_alive_time = @IAmAliveTime WHERE {SiloKey};",
        ["InsertMembershipVersionKey"] = """
            WITH inserted AS (INSERT INTO flam_membership_version (deployment_id) VALUES (@DeploymentId) ON CONFLICT DO NOTHING RETURNING 1)
            SELECT count(*)::integer AS row_count FROM inserted;
            """,
        // The version row is bumped only when the silo is new, and the row is inserted only when the bump happened.
        ["InsertMembershipKey"] = $"""
            WITH bumped AS (
                UPDATE flam_membership_version SET version = version + 1, stamp = now()
                WHERE deployment_id = @DeploymentId AND version = @Version
                  AND NOT EXISTS (SELECT 1 FROM flam_membership WHERE {SiloKey})
                RETURNING 1),
            inserted AS (
                INSERT INTO flam_membership (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
                    start_time, i_am_alive_time)
                SELECT @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime,
                    @IAmAliveTime FROM bumped
                ON CONFLICT DO NOTHING
                RETURNING 1)
            SELECT count(*)::integer AS row_count FROM inserted;
            """,
        ["UpdateMembershipKey"] = $"""
            WITH bumped AS (
                UPDATE flam_membership_version SET version = version + 1, stamp = now()
                WHERE deployment_id = @DeploymentId AND version = @Version
                  AND EXISTS (SELECT 1 FROM flam_membership WHERE {SiloKey})
                RETURNING 1),
            updated AS (
                UPDATE flam_membership SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
                WHERE {SiloKey} AND EXISTS (SELECT 1 FROM bumped)
                RETURNING 1)
            SELECT count(*)::integer AS row_count FROM updated;
            """,
        ["MembershipReadRowKey"] = $"""
            SELECT {MemberColumns}
            FROM flam_membership_version v LEFT JOIN flam_membership m ON m.deployment_id = v.deployment_id
                AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
            WHERE v.deployment_id = @DeploymentId;
            """,
        ["MembershipReadAllKey"] = $"""
            SELECT {MemberColumns}
            FROM flam_membership_version v LEFT JOIN flam_membership m ON m.deployment_id = v.deployment_id
            WHERE v.deployment_id = @DeploymentId;
            """,
        ["DeleteMembershipTableEntriesKey"] = """
            DELETE FROM flam_membership WHERE deployment_id = @DeploymentId;
            DELETE FROM flam_membership_version WHERE deployment_id = @DeploymentId;
            """,
        ["GatewaysQueryKey"] = """
            SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation FROM flam_membership
            WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
            """,
        // Status 3 is Active: only rows of silos that stopped or died and went silent long ago are removed.
        ["CleanupDefunctSiloEntriesKey"] = """
            DELETE FROM flam_membership WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status <> 3;
            """,
    };

    /// <summary>Creates the tables and (re)writes the queries, in one transaction that concurrent workers take turns at.</summary>
    /// <exception cref="FlamException">The database cannot be reached or written.</exception>
    public static async Task EnsureCreatedAsync(string connectionString, CancellationToken cancel = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancel);
            await using var transaction = await connection.BeginTransactionAsync(cancel);
            await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7239104512);\n" + Tables, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancel);
            }
            foreach (var (key, text) in Queries)
            {
                await using var upsert = new NpgsqlCommand(
                    "INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES (@key, @text) ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;",
                    connection, transaction);
                upsert.Parameters.AddWithValue("key", key);
                upsert.Parameters.AddWithValue("text", text);
                await upsert.ExecuteNonQueryAsync(cancel);
            }
            await transaction.CommitAsync(cancel);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException)
        {
            throw new FlamException($"Cannot set up the cluster tables in PostgreSQL ({Describe(connectionString)}): {e.Message}", e);
        }
    }

    /// <summary>The connection string without its password, for messages.</summary>
    public static string Describe(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { Password = null };
            return $"host {builder.Host}, port {builder.Port}, database {builder.Database ?? builder.Username}";
        }
        catch (ArgumentException)
        {
            return "an unreadable connection string";
        }
    }
}
