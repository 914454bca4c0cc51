using Flam.Audio;

namespace Flam.Tests.Audio;

/// <summary>Folder expansion of audio paths: recursion, ordinal order, skipped hidden and non-audio files.</summary>
public sealed class AudioInputsTests
{
    /// <summary>Creates the files (contents do not matter: expansion never opens them) below a fresh folder.</summary>
    private static TempDirectory Tree(params string[] files)
    {
        var root = FixturePaths.NewTempDirectory();
        foreach (var file in files)
        {
            var path = Path.Combine(root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, [1]);
        }
        return root;
    }

    [Fact]
    public void Folder_gives_its_audio_files_recursively_in_ordinal_order()
    {
        using var root = Tree("b.wav", "B.flac", "a/z.mp3", "a/Y.OGG", "a_b.wav", "c/d/e.opus", "10.wav", "9.wav");
        var inputs = AudioInputs.Expand([root]);
        // Ordinal, by UTF-16 code: '/' < digits < upper case < '_' < lower case; "10" before "9".
        string[] expected = ["10.wav", "9.wav", "B.flac", "a/Y.OGG", "a/z.mp3", "a_b.wav", "b.wav", "c/d/e.opus"];
        Assert.Equal(expected, inputs.Files.Select(f => f.RelativeName));
        Assert.Equal(expected.Select(name => Path.Combine(root, name)), inputs.Files.Select(f => f.Path));
        Assert.Equal((0, 0), (inputs.SkippedHidden, inputs.SkippedNotAudio));
        Assert.Null(inputs.SkippedSummary);
    }

    [Fact]
    public void Hidden_entries_and_other_files_are_skipped_and_counted()
    {
        using var root = Tree("keep.wav", ".hidden.wav", ".cache/inside.wav", ".cache/more.wav", "notes.txt", "sub/cover.jpg", "sub/keep2.flac", "sub/.DS_Store");
        var inputs = AudioInputs.Expand([root]);
        Assert.Equal(["keep.wav", "sub/keep2.flac"], inputs.Files.Select(f => f.RelativeName));
        Assert.Equal(3, inputs.SkippedHidden); // .hidden.wav, .cache (once), sub/.DS_Store
        Assert.Equal(2, inputs.SkippedNotAudio); // notes.txt, sub/cover.jpg
        Assert.Equal("skipped 5 file(s) in the given folder(s): 3 hidden, 2 not audio by extension", inputs.SkippedSummary);
    }

    [Fact]
    public void Files_are_kept_as_given_in_order_and_each_file_only_once()
    {
        using var root = Tree("x.wav", "y.wav", "raw.pcm");
        var x = Path.Combine(root, "x.wav");
        var raw = Path.Combine(root, "raw.pcm");
        var missing = Path.Combine(root, "missing.wav");
        var inputs = AudioInputs.Expand([raw, x, missing, root]);
        Assert.Equal([raw, x, missing, Path.Combine(root, "y.wav")], inputs.Files.Select(f => f.Path));
        Assert.Equal(["raw.pcm", "x.wav", "missing.wav", "y.wav"], inputs.Files.Select(f => f.RelativeName));
        Assert.Equal(1, inputs.SkippedNotAudio); // raw.pcm inside the folder, though kept where it was named
    }

    [Fact]
    public void Folder_without_audio_is_an_error_naming_it()
    {
        using var root = Tree("readme.md", ".x.wav");
        var error = Assert.Throws<FlamException>(() => AudioInputs.Expand([root]));
        Assert.Contains(root, error.Message);
        Assert.Contains("no audio files (1 hidden and 1 other files skipped", error.Message);
    }
}
