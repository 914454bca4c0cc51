using Microsoft.Data.Sqlite;

namespace Flam.Index;

/// <summary>One indexed audio file.</summary>
/// <param name="Id">Row id.</param>
/// <param name="Path">The path as given to <c>index add</c> (what search reports).</param>
/// <param name="FullPath">The absolute path: the file's identity.</param>
/// <param name="Size">Bytes when indexed.</param>
/// <param name="ModifiedTicks">Last write time (UTC ticks) when indexed.</param>
/// <param name="Sha256">SHA-256 of the content (hex).</param>
/// <param name="Samples">Length at the index's sample rate.</param>
/// <param name="Segment">The segment holding its windows.</param>
/// <param name="FirstWindow">Its first window's position in the segment.</param>
/// <param name="Windows">Its windows (consecutive, on the index's hop grid).</param>
public sealed record IndexedFile(long Id, string Path, string FullPath, long Size, long ModifiedTicks, string Sha256, long Samples, int Segment, long FirstWindow, int Windows);

/// <summary>A segment: its id and how many windows of it are committed (bytes past them are an interrupted run's and never read).</summary>
public sealed record SegmentRecord(int Id, long Windows);

/// <summary>
/// The index's SQLite database (<c>index.db</c>): settings, files and segments. Written in WAL mode, one transaction per
/// indexed file, so readers see the last committed state and are never blocked by the indexer.
/// </summary>
internal sealed class IndexCatalog : IDisposable
{
    public const string FileName = "index.db";

    private readonly SqliteConnection _connection;
    private readonly string _source;

    private IndexCatalog(SqliteConnection connection, string source)
    {
        _connection = connection;
        _source = source;
    }

    /// <summary>Opens (creating when <paramref name="write"/>) the catalog in <paramref name="folder"/>.</summary>
    public static IndexCatalog Open(string folder, bool write)
    {
        var path = System.IO.Path.Combine(folder, FileName);
        if (!write && !File.Exists(path))
        {
            throw new FlamException($"'{folder}' is not an index (no {FileName}); build one with: flam index add AUDIO... --index {folder}");
        }
        SqliteConnection? connection = null;
        try
        {
            connection = Connect(path, write ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadOnly, immutable: false);
            if (write)
            {
                Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
                Execute(connection, """
                    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS segments(id INTEGER PRIMARY KEY, windows INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS files(
                        id INTEGER PRIMARY KEY, path TEXT NOT NULL, full_path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
                        modified INTEGER NOT NULL, sha256 TEXT NOT NULL, samples INTEGER NOT NULL, segment INTEGER NOT NULL,
                        first_window INTEGER NOT NULL, windows INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS clusters(id INTEGER PRIMARY KEY CHECK (id = 1), trained_windows INTEGER NOT NULL, centroids BLOB NOT NULL);
                    CREATE TABLE IF NOT EXISTS window_clusters(file INTEGER PRIMARY KEY, clusters BLOB NOT NULL);
                    """);
            }
            else
            {
                // Fails here, not at the first query, when the folder's WAL files cannot be made (a read-only folder).
                Execute(connection, "SELECT count(*) FROM meta;");
            }
            return new IndexCatalog(connection, folder);
        }
        catch (SqliteException e) when (!write && InReadOnlyFolder(e))
        {
            // Nobody can be writing there, so the database is opened as immutable.
            connection?.Dispose();
            connection = Connect(path, SqliteOpenMode.ReadOnly, immutable: true);
            return new IndexCatalog(connection, folder);
        }
        catch (SqliteException e)
        {
            connection?.Dispose();
            throw Damaged(folder, e);
        }
    }

    /// <summary>
    /// Whether the catalog in <paramref name="folder"/> has its tables: an indexer that is creating it has made the file
    /// but not yet the tables, and such a folder holds no index yet.
    /// </summary>
    public static bool HasTables(string folder)
    {
        try
        {
            using var connection = Connect(System.IO.Path.Combine(folder, FileName), SqliteOpenMode.ReadOnly, immutable: false);
            return Tables(connection, "meta") > 0;
        }
        catch (SqliteException e) when (InReadOnlyFolder(e))
        {
            // Nobody is creating anything there, so the full open decides.
            return true;
        }
        catch (SqliteException e)
        {
            throw Damaged(folder, e);
        }
    }

    // SQLITE_READONLY / SQLITE_CANTOPEN on a read-only open: a read-only folder, where the WAL's shared-memory file cannot be created.
    private static bool InReadOnlyFolder(SqliteException e) => e.SqliteErrorCode is 8 or 14;

    /// <summary>How many of the tables <paramref name="names"/> the database has.</summary>
    private static long Tables(SqliteConnection connection, params string[] names)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({string.Join(", ", names.Select((_, i) => "$t" + i))})";
        for (var i = 0; i < names.Length; i++) command.Parameters.AddWithValue("$t" + i, names[i]);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode, bool immutable)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 };
        if (immutable)
        {
            builder.DataSource = "file:" + Uri.EscapeDataString(path).Replace("%2F", "/", StringComparison.Ordinal) + "?immutable=1";
        }
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        return connection;
    }

    private static FlamException Damaged(string folder, SqliteException e) =>
        new($"The index database '{System.IO.Path.Combine(folder, FileName)}' cannot be used: {e.Message}", e);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SqliteException e)
        {
            throw Damaged(_source, e);
        }
    }

    /// <summary>
    /// Settings, files and segments as last committed, read in one transaction so they belong together.
    /// </summary>
    /// <exception cref="FlamException">Nothing committed yet (names <paramref name="folder"/>).</exception>
    public (IndexSettings Settings, List<IndexedFile> Files, List<SegmentRecord> Segments) Committed(string folder)
    {
        List<IndexedFile> files = [];
        List<SegmentRecord> segments = [];
        Dictionary<string, string> meta = [];
        InTransaction(_ =>
        {
            meta = Meta();
            files = Files();
            segments = Segments();
        });
        if (meta.Count == 0)
        {
            throw new FlamException($"The index '{folder}' is empty: its first 'flam index add' has not committed anything yet.");
        }
        return (IndexSettings.FromMeta(meta, folder), files, segments);
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, committed when it returns.</summary>
    public void InTransaction(Action<SqliteTransaction> work) => Guard(() =>
    {
        using var transaction = _connection.BeginTransaction();
        work(transaction);
        transaction.Commit();
        return 0;
    });

    public Dictionary<string, string> Meta() => Guard(() =>
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT key, value FROM meta";
        using var reader = command.ExecuteReader();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read()) meta[reader.GetString(0)] = reader.GetString(1);
        return meta;
    });

    public void WriteMeta(SqliteTransaction transaction, IReadOnlyDictionary<string, string> meta)
    {
        foreach (var (key, value) in meta)
        {
            Run(transaction, "INSERT OR REPLACE INTO meta(key, value) VALUES ($k, $v)", ("$k", key), ("$v", value));
        }
    }

    public List<SegmentRecord> Segments() => Guard(() =>
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, windows FROM segments ORDER BY id";
        using var reader = command.ExecuteReader();
        var segments = new List<SegmentRecord>();
        while (reader.Read()) segments.Add(new SegmentRecord(reader.GetInt32(0), reader.GetInt64(1)));
        return segments;
    });

    public List<IndexedFile> Files() => Guard(() =>
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, path, full_path, size, modified, sha256, samples, segment, first_window, windows FROM files ORDER BY id";
        using var reader = command.ExecuteReader();
        var files = new List<IndexedFile>();
        while (reader.Read())
        {
            files.Add(new IndexedFile(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5),
                reader.GetInt64(6), reader.GetInt32(7), reader.GetInt64(8), reader.GetInt32(9)));
        }
        return files;
    });

    /// <summary>Whether a committed file has <paramref name="fullPath"/> and <paramref name="sha256"/>: one indexed row, not the file list.</summary>
    public bool Holds(string fullPath, string sha256) => Guard(() =>
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM files WHERE full_path = $p AND sha256 = $s";
        command.Parameters.AddWithValue("$p", fullPath);
        command.Parameters.AddWithValue("$s", sha256);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    });

    public void SetSegmentWindows(SqliteTransaction transaction, int segment, long windows) =>
        Run(transaction, "INSERT INTO segments(id, windows) VALUES ($id, $w) ON CONFLICT(id) DO UPDATE SET windows = $w", ("$id", segment), ("$w", windows));

    public void DeleteFile(SqliteTransaction transaction, string fullPath)
    {
        Run(transaction, "DELETE FROM window_clusters WHERE file IN (SELECT id FROM files WHERE full_path = $p)", ("$p", fullPath));
        Run(transaction, "DELETE FROM files WHERE full_path = $p", ("$p", fullPath));
    }

    /// <summary>
    /// The clusters of the index's frames (<see cref="FrameClusters"/>: centroids and the windows they were trained on)
    /// and the cluster blob of every assigned file (by file id; empty blobs unless <paramref name="blobs"/>), read
    /// together; no centroids when the index is not clustered.
    /// </summary>
    public (byte[]? Centroids, long TrainedWindows, Dictionary<long, byte[]> Assigned) Clusters(bool blobs = true) => Guard(() =>
    {
        byte[]? centroids = null;
        long trained = 0;
        var assigned = new Dictionary<long, byte[]>();
        InTransaction(_ =>
        {
            if (Tables(_connection, "clusters", "window_clusters") < 2)
            {
                return; // made before indexes were clustered, and not written since
            }
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT trained_windows, centroids FROM clusters WHERE id = 1";
            using (var reader = command.ExecuteReader())
            {
                if (!reader.Read())
                {
                    return;
                }
                trained = reader.GetInt64(0);
                centroids = (byte[])reader.GetValue(1);
            }
            command.CommandText = blobs ? "SELECT file, clusters FROM window_clusters" : "SELECT file FROM window_clusters";
            using var rows = command.ExecuteReader();
            while (rows.Read()) assigned[rows.GetInt64(0)] = blobs ? (byte[])rows.GetValue(1) : [];
        });
        return (centroids, trained, assigned);
    });

    /// <summary>Stores new centroids; every file's assignment to the old ones is dropped in the same transaction.</summary>
    public void WriteClusters(SqliteTransaction transaction, byte[] centroids, long trainedWindows)
    {
        Run(transaction, "DELETE FROM window_clusters");
        Run(transaction, "INSERT OR REPLACE INTO clusters(id, trained_windows, centroids) VALUES (1, $t, $c)", ("$t", trainedWindows), ("$c", centroids));
    }

    /// <summary>Stores the cluster blob of file <paramref name="fileId"/>.</summary>
    public void WriteWindowClusters(SqliteTransaction transaction, long fileId, byte[] clusters) =>
        Run(transaction, "INSERT OR REPLACE INTO window_clusters(file, clusters) VALUES ($f, $c)", ("$f", fileId), ("$c", clusters));

    public void InsertFile(SqliteTransaction transaction, IndexedFile file) =>
        Run(transaction, """
            INSERT INTO files(path, full_path, size, modified, sha256, samples, segment, first_window, windows)
            VALUES ($path, $full, $size, $modified, $sha, $samples, $segment, $first, $windows)
            """,
            ("$path", file.Path), ("$full", file.FullPath), ("$size", file.Size), ("$modified", file.ModifiedTicks), ("$sha", file.Sha256),
            ("$samples", file.Samples), ("$segment", file.Segment), ("$first", file.FirstWindow), ("$windows", file.Windows));

    public void UpdateStat(SqliteTransaction transaction, string fullPath, string path, long size, long modified) =>
        Run(transaction, "UPDATE files SET path = $path, size = $size, modified = $modified WHERE full_path = $full",
            ("$path", path), ("$size", size), ("$modified", modified), ("$full", fullPath));

    private void Run(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }

    /// <summary>Moves the WAL's content into the database file (at the end of a run), so the folder is one file plus segments.</summary>
    public void Checkpoint() => Guard(() =>
    {
        Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        return 0;
    });

    public void Dispose() => _connection.Dispose();
}
