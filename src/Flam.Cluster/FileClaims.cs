using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Flam.Cluster;

/// <summary>
/// One worker at a time per file, across the cluster. Orleans can briefly run two activations of a file's grain (its
/// directory entry was on a worker that died, and the caller asked again), so two workers may be handed the same file.
/// A worker holds the file's claim while it indexes and commits it, and the other, claiming after it, finds the file in
/// the first one's shard.
/// </summary>
public interface IFileClaims
{
    /// <summary>Waits until no other worker holds <paramref name="fullPath"/>, and holds it until the result is disposed.</summary>
    Task<IAsyncDisposable> ClaimAsync(string fullPath, CancellationToken cancel = default);
}

/// <summary>
/// <see cref="IFileClaims"/> as PostgreSQL session-level advisory locks on the membership database: a killed worker's
/// connection closes and its claim ends with it, so a file is never held by a dead worker. One connection per worker,
/// which claims one file at a time: not for concurrent calls.
/// </summary>
public sealed class PostgresFileClaims(string connectionString) : IFileClaims, IAsyncDisposable
{
    private NpgsqlConnection? _connection;

    /// <inheritdoc />
    public async Task<IAsyncDisposable> ClaimAsync(string fullPath, CancellationToken cancel = default)
    {
        var key = Key(fullPath);
        try
        {
            if (_connection is null)
            {
                _connection = new NpgsqlConnection(connectionString);
                await _connection.OpenAsync(cancel);
            }
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", _connection);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync(cancel);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            await DisposeAsync();
            throw new FlamException($"Cannot claim '{fullPath}' in PostgreSQL ({ClusterSchema.Describe(connectionString)}): {e.Message}", e);
        }
        return new Claim(this, key);
    }

    /// <summary>The lock key of a path: the first 8 bytes of its SHA-256 (a collision only makes two files take turns).</summary>
    private static long Key(string fullPath) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(fullPath)));

    private async Task ReleaseAsync(long key)
    {
        if (_connection is null) return;
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", _connection);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A connection that failed has lost its locks with it; the next claim opens a new one.
            await DisposeAsync();
        }
    }

    /// <summary>Closes the connection, which ends every claim it holds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _connection = null;
    }

    private sealed class Claim(PostgresFileClaims owner, long key) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(owner.ReleaseAsync(key));
    }
}
