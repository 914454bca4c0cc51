using Flam.Cluster;

namespace Flam.Tests.Cluster;

/// <summary>
/// <see cref="PostgresFileClaims"/> on a private PostgreSQL server: one holder per file across connections (workers),
/// and a claim that ends with its holder's connection, as when a worker is killed.
/// </summary>
public sealed class FileClaimsTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_claimed_file_waits_for_its_holder_and_other_files_do_not()
    {
        var connection = postgres.NewDatabase();
        await using var first = new PostgresFileClaims(connection);
        await using var second = new PostgresFileClaims(connection);
        await using var third = new PostgresFileClaims(connection);
        var held = await first.ClaimAsync("/audio/a.wav");

        var waiting = second.ClaimAsync("/audio/a.wav");
        await using (await third.ClaimAsync("/audio/b.wav").WaitAsync(Long))
        {
            // Another file is claimed at once while a.wav's claim is still waiting, so the wait is the lock's, not the server's.
        }
        Assert.False(waiting.IsCompleted, "a second worker got a file another worker holds");

        await held.DisposeAsync();
        await (await waiting.WaitAsync(Long)).DisposeAsync();
    }

    [Fact]
    public async Task A_claim_ends_with_its_holders_connection()
    {
        var connection = postgres.NewDatabase();
        var killed = new PostgresFileClaims(connection);
        await using var survivor = new PostgresFileClaims(connection);
        _ = await killed.ClaimAsync("/audio/a.wav");
        var waiting = survivor.ClaimAsync("/audio/a.wav");

        // Never released: the holder's session ends, as a killed worker's does.
        await killed.DisposeAsync();
        await (await waiting.WaitAsync(Long)).DisposeAsync();
    }

    [Fact]
    public async Task A_worker_that_cannot_claim_a_file_reports_it_failed_with_the_reason_and_indexes_nothing()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var loads = 0;
        var unreachable = new PostgresFileClaims("Host=127.0.0.1;Port=1;Username=nobody;Timeout=2");
        using var worker = new ShardWorker(temp, "w1", _ => throw new InvalidOperationException($"model loaded ({++loads})"), unreachable, _ => { });
        var model = new ShardModel(null, null, null, "float32", "int8", false, null, 8);

        var outcome = await worker.IndexAsync(Path.Combine(temp, "a.wav"), model);

        Assert.Equal(FileState.Failed, outcome.State);
        Assert.Contains("Cannot claim", outcome.Reason);
        Assert.Equal(0, loads);
    }
}
