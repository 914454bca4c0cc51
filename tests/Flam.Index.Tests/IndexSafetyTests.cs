using System.Diagnostics;
using Flam.Audio;
using Flam.Index;
using Flam.Inference;

namespace Flam.Tests.Index;

/// <summary>Two writers, other models, interrupted and damaged segments, a damaged database and a read-only index.</summary>
public sealed class IndexSafetyTests
{
    private static (TempDirectory Temp, string Audio, string Index) Indexed()
    {
        var temp = FixturePaths.NewTempDirectory();
        IndexTestData.WriteClip(temp["audio/a.wav"], 14, 1);
        IndexTestData.WriteClip(temp["audio/b.wav"], 26, 2);
        IndexTestData.WriteClip(temp["audio/c.wav"], 8, 3);
        IndexTestData.Add(temp["index"], IndexTestData.Settings(), temp["audio"]);
        return (temp, temp["audio"], temp["index"]);
    }

    /// <summary>Every file's events for a fixed direction, as a comparable string.</summary>
    private static string Results(string index)
    {
        using var reader = AudioIndexReader.Open(index);
        var search = new IndexSearch(reader);
        var direction = new float[IndexTestData.Dimension];
        direction[0] = 1;
        var hits = search.Search("q", direction, search.Similarity(direction), reader.Settings.Detection(0.1, 3), 100);
        return string.Join("\n", hits.Select(h => $"{h.File} {h.Onset} {h.Offset} {h.Max} {h.Mean}"));
    }

    [Fact]
    public void Holds_answers_as_the_readers_file_list_does()
    {
        var (temp, _, index) = Indexed();
        using var __ = temp;
        using var reader = AudioIndexReader.Open(index);
        Assert.Equal(3, reader.Files.Count);
        Assert.All(reader.Files, f => Assert.True(AudioIndexReader.Holds(index, f.FullPath, f.Sha256), f.Path));
        var first = reader.Files[0];
        Assert.False(AudioIndexReader.Holds(index, first.FullPath, reader.Files[1].Sha256));
        Assert.False(AudioIndexReader.Holds(index, first.FullPath + ".other", first.Sha256));
    }

    [Fact]
    public void A_folder_whose_database_is_still_being_created_holds_no_index_yet()
    {
        using var temp = FixturePaths.NewTempDirectory();
        // What a reader can find while an indexer creates the index: the database file, without its tables yet.
        Directory.CreateDirectory(temp["index"]);
        File.WriteAllBytes(temp["index/index.db"], []);
        Assert.Null(IndexSettings.Read(temp["index"]));

        // A damaged database is still reported, not taken for one being created.
        File.WriteAllText(temp["index/index.db"], "not a database, but long enough for SQLite to read a header from it");
        Assert.Throws<FlamException>(() => IndexSettings.Read(temp["index"]));
    }

    [Fact]
    public void A_second_indexer_is_refused_while_the_first_holds_the_index()
    {
        var (temp, _, index) = Indexed();
        using var __ = temp;
        using (AudioIndexer.Open(index, IndexTestData.Settings(), false, false, _ => { }))
        {
            var e = Assert.Throws<FlamException>(() => AudioIndexer.Open(index, IndexTestData.Settings(), false, false, _ => { }));
            Assert.Contains("is in use by", e.Message);
            Assert.Contains("flam index add", e.Message);
            Assert.Contains("being written", IndexSummary.Read(index).State);
            Assert.NotEmpty(Results(index)); // readers are not blocked
        }
        Assert.Equal("ok", IndexSummary.Read(index).State);
    }

    [Fact]
    public void Vectors_of_another_model_or_storage_are_refused()
    {
        var (temp, audio, index) = Indexed();
        using var _ = temp;
        var other = Assert.Throws<FlamException>(() => IndexTestData.Add(index, IndexTestData.Settings(modelId: "other-model"), audio));
        Assert.Contains("was built with model fake", other.Message);
        var storage = Assert.Throws<FlamException>(() => AudioIndexer.Open(index, IndexTestData.Settings(VectorStorage.Int8), storageChosen: true, false, _ => { }));
        Assert.Contains("stores float32 vectors; --storage int8", storage.Message);
        var hop = Assert.Throws<FlamException>(() => AudioIndexer.Open(index, IndexTestData.Settings(hop: 5), false, hopChosen: true, _ => { }));
        Assert.Contains("every 10 s; --hop 5", hop.Message);
    }

    [Fact]
    public void An_uncommitted_tail_is_ignored_by_readers_and_cut_by_the_next_indexer()
    {
        var (temp, audio, index) = Indexed();
        using var _ = temp;
        var expected = Results(index);
        var committed = IndexTestData.Snapshot(index);
        // What a run killed between appending and committing leaves: bytes past the committed windows, a segment without a row.
        foreach (var name in new[] { "000001.frames", "000001.keys", "000002.frames" })
        {
            using var stream = new FileStream(Path.Combine(index, "segments", name), FileMode.Append);
            stream.Write(new byte[5000]);
        }
        Assert.Equal(expected, Results(index));
        Assert.Contains("interrupted", IndexSummary.Read(index).State);
        IndexTestData.Add(index, IndexTestData.Settings(), audio);
        var repaired = IndexTestData.Snapshot(index);
        Assert.Equal(committed.Keys.Where(k => k.StartsWith("segments", StringComparison.Ordinal)), repaired.Keys.Where(k => k.StartsWith("segments", StringComparison.Ordinal)));
        Assert.Equal(committed["segments/000001.frames"], repaired["segments/000001.frames"]);
        Assert.Equal(committed["segments/000001.keys"], repaired["segments/000001.keys"]);
        Assert.Equal(expected, Results(index));
    }

    [Fact]
    public void A_truncated_segment_is_reported_and_the_next_add_indexes_the_lost_files_again()
    {
        var (temp, audio, index) = Indexed();
        using var _ = temp;
        var expected = Results(index);
        var frames = Path.Combine(index, "segments", "000001.frames");
        using (var stream = new FileStream(frames, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }
        var e = Assert.Throws<FlamException>(() => AudioIndexReader.Open(index));
        Assert.Contains($"'{frames}' is truncated", e.Message);
        Assert.Contains("flam index add", e.Message);
        Assert.StartsWith("damaged", IndexSummary.Read(index).State);

        var notes = new List<string>();
        using (var indexer = AudioIndexer.Open(index, IndexTestData.Settings(), false, false, notes.Add))
        {
            var plan = indexer.Plan(AudioInputs.Expand([audio]), [audio]);
            Assert.Equal(["b.wav", "c.wav"], plan.ToIndex.Select(f => f.Input.RelativeName)); // a.wav's windows survived
            foreach (var file in plan.ToIndex) indexer.Add(file, IndexTestData.Encode, 2, AudioDecodeOptions.Default);
        }
        Assert.Contains("2 file(s) lost their vectors", Assert.Single(notes));
        Assert.Equal(expected, Results(index));
    }

    [Fact]
    public void A_damaged_database_is_a_clear_error()
    {
        var (temp, _, index) = Indexed();
        using var __ = temp;
        File.WriteAllBytes(Path.Combine(index, "index.db"), new byte[8192]);
        var e = Assert.Throws<FlamException>(() => AudioIndexReader.Open(index));
        Assert.Contains("index.db' cannot be used", e.Message);
    }

    [Fact]
    public void A_read_only_index_is_searched_and_refuses_additions()
    {
        var (temp, audio, index) = Indexed();
        using var _ = temp;
        var expected = Results(index);
        // The tests run as root, whom permission bits do not stop; an immutable folder stops everyone.
        Chattr("+i", index);
        try
        {
            Assert.Equal(expected, Results(index));
            Assert.Equal("ok", IndexSummary.Read(index).State);
            var e = Assert.Throws<FlamException>(() => IndexTestData.Add(index, IndexTestData.Settings(), audio));
            Assert.Contains($"Cannot write to the output folder '{index}'", e.Message);
        }
        finally
        {
            Chattr("-i", index);
        }
        Assert.Equal(expected, Results(index));
    }

    private static void Chattr(string flag, string path)
    {
        using var process = Process.Start("chattr", [flag, path]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public void An_index_of_another_layout_version_is_refused_with_its_version()
    {
        var (temp, _, index) = Indexed();
        using var __ = temp;
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(index, "index.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE meta SET value = '1' WHERE key = 'format'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        var e = Assert.Throws<FlamException>(() => AudioIndexReader.Open(index));
        Assert.Contains("layout version 1", e.Message);
        Assert.Contains($"reads version {IndexSettings.FormatVersion}", e.Message);
    }
}
