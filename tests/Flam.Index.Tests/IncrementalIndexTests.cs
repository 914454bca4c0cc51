using Flam.Index;

namespace Flam.Tests.Index;

/// <summary><c>index add</c> again: unchanged files are skipped, touched ones re-hashed only, changed ones re-encoded, deleted ones dropped.</summary>
public sealed class IncrementalIndexTests
{
    private static (TempDirectory Temp, string Audio, string Index) ThreeClips()
    {
        var temp = FixturePaths.NewTempDirectory();
        IndexTestData.WriteClip(temp["audio/a.wav"], 4, 1);
        IndexTestData.WriteClip(temp["audio/sub/b.wav"], 14, 2);
        IndexTestData.WriteClip(temp["audio/c.wav"], 21, 3);
        return (temp, temp["audio"], temp["index"]);
    }

    [Fact]
    public void A_second_add_of_the_same_folder_encodes_nothing()
    {
        var (temp, audio, index) = ThreeClips();
        using var _ = temp;
        var first = IndexTestData.Add(index, IndexTestData.Settings(), audio);
        Assert.Equal(["a.wav", "c.wav", "sub/b.wav"], first.ToIndex.Select(f => f.Input.RelativeName));
        var before = IndexTestData.Snapshot(index)["segments/000001.frames"];
        var second = IndexTestData.Add(index, IndexTestData.Settings(), audio);
        Assert.Empty(second.ToIndex);
        Assert.Equal(3, second.Unchanged);
        Assert.Equal(before, IndexTestData.Snapshot(index)["segments/000001.frames"]);
        using var reader = AudioIndexReader.Open(index);
        Assert.Equal(3, reader.Files.Count);
        Assert.Equal(1 + 2 + 3, reader.Windows); // ⌈4/10⌉, ⌈14/10⌉, ⌈21/10⌉ windows at a 10 s hop
        Assert.Equal(Path.Combine(audio, "sub/b.wav"), reader.Files.Single(f => f.FullPath.EndsWith("b.wav", StringComparison.Ordinal)).Path);
    }

    [Fact]
    public void Touched_files_are_rehashed_changed_ones_reencoded_and_deleted_ones_dropped()
    {
        var (temp, audio, index) = ThreeClips();
        using var _ = temp;
        IndexTestData.Add(index, IndexTestData.Settings(), audio);
        File.SetLastWriteTimeUtc(temp["audio/a.wav"], DateTime.UtcNow.AddMinutes(5)); // same content, new time
        IndexTestData.WriteClip(temp["audio/sub/b.wav"], 14, 99); // same size, new content
        File.SetLastWriteTimeUtc(temp["audio/sub/b.wav"], DateTime.UtcNow.AddMinutes(7));
        File.Delete(temp["audio/c.wav"]);

        var plan = IndexTestData.Add(index, IndexTestData.Settings(), audio);
        Assert.Equal(["a.wav"], plan.Touched.Select(f => f.Input.RelativeName));
        Assert.Equal(["sub/b.wav"], plan.ToIndex.Select(f => f.Input.RelativeName));
        Assert.Equal([temp["audio/c.wav"]], plan.Removed.Select(f => f.Path));
        Assert.Equal(0, plan.Unchanged);

        using var reader = AudioIndexReader.Open(index);
        Assert.Equal(["a.wav", "b.wav"], reader.Files.Select(f => Path.GetFileName(f.Path)).Order());
        var summary = IndexSummary.Read(index);
        Assert.Equal(1 + 2, summary.Windows);
        Assert.Equal(2 + 3, summary.UnusedWindows); // b's old windows and c's
        Assert.Equal("ok", summary.State);

        // The re-encoded file gives the vectors of a fresh index of the same audio.
        using var fresh = FixturePaths.NewTempDirectory();
        IndexTestData.Add(fresh.Path, IndexTestData.Settings(), temp["audio/sub/b.wav"]);
        using var freshReader = AudioIndexReader.Open(fresh.Path);
        Assert.Equal(freshReader.Embeddings(0), reader.Embeddings(reader.Files.ToList().FindIndex(f => f.Path.EndsWith("b.wav", StringComparison.Ordinal))));
    }

    [Fact]
    public void A_file_that_is_not_there_fails_alone()
    {
        var (temp, audio, index) = ThreeClips();
        using var _ = temp;
        var plan = IndexTestData.Add(index, IndexTestData.Settings(), audio, temp["nowhere.wav"]);
        Assert.Equal(3, plan.ToIndex.Count);
        var failed = Assert.Single(plan.Failed);
        Assert.Equal(temp["nowhere.wav"], failed.Input.Path);
        Assert.Equal("no such file", failed.Reason);
    }
}
