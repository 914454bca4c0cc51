using Flam.Audio;
using Flam.Index;

namespace Flam.Tests.Index;

/// <summary>
/// <see cref="AudioIndexer.AddAll"/> with several decoding and encoding threads against its naive twin, one file at a
/// time through <see cref="AudioIndexer.Add"/>: the same bytes on disk, failures confined to their file. In the Torch
/// collection: with several encoders each encoding thread sets libtorch's thread count (process state).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class IndexPipelineTests
{
    private static string[] Clips(Func<string, string> at) =>
    [
        IndexTestData.WriteClip(at("a.wav"), 35, 1),
        IndexTestData.WriteClip(at("b.wav"), 4, 2),
        IndexTestData.WriteClip(at("c.wav"), 61, 3),
        IndexTestData.WriteClip(at("d.wav"), 12, 4),
        IndexTestData.WriteClip(at("e.wav"), 0.5, 5),
        IndexTestData.WriteClip(at("f.wav"), 27, 6),
    ];

    /// <summary>An encoder that takes a varying time per batch, so that batches finish out of order.</summary>
    private static float[] SlowEncode(IReadOnlyList<float[]> windows)
    {
        Thread.Sleep((int)(Math.Abs(windows[0][100]) * 2000) % 15);
        return IndexTestData.Encode(windows);
    }

    [Fact]
    public void Several_threads_write_the_same_index_as_one_file_at_a_time()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var clips = Clips(name => temp["audio/" + name]);
        var settings = IndexTestData.Settings(hop: 5);
        using (var indexer = AudioIndexer.Open(temp["naive"], settings, false, false, _ => { }))
        {
            foreach (var file in indexer.Plan(AudioInputs.Expand(clips), clips).ToIndex)
            {
                indexer.Add(file, IndexTestData.Encode, 1, AudioDecodeOptions.Default);
            }
        }
        var order = new List<int>();
        using (var indexer = AudioIndexer.Open(temp["pipeline"], settings, false, false, _ => { }))
        {
            var plan = indexer.Plan(AudioInputs.Expand(clips), clips);
            indexer.AddAll(plan.ToIndex, SlowEncode, new IndexPipeline(BatchSize: 2, Encoders: 3, Decoders: 2), AudioDecodeOptions.Default,
                (i, _) => order.Add(i), (_, e) => throw e);
        }
        Assert.Equal(Enumerable.Range(0, clips.Length), order);
        Assert.Equal(IndexTestData.Snapshot(temp["naive"]), IndexTestData.Snapshot(temp["pipeline"]));
    }

    [Fact]
    public void A_file_that_fails_to_decode_is_reported_and_the_others_are_committed_in_order()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var clips = Clips(name => temp["audio/" + name]).ToList();
        // A float WAV with a NaN at 25 s fails in the middle of decoding, after its first windows were sent.
        var broken = temp["audio/c2-broken.wav"];
        var samples = new float[30 * IndexTestData.SampleRate];
        samples[25 * IndexTestData.SampleRate] = float.NaN;
        WavWriter.Write(broken, samples, IndexTestData.SampleRate, WavSampleFormat.Float32);
        clips.Insert(3, broken);
        var settings = IndexTestData.Settings();
        var added = new List<int>();
        var failed = new List<(int, string)>();
        using (var indexer = AudioIndexer.Open(temp["index"], settings, false, false, _ => { }))
        {
            var plan = indexer.Plan(AudioInputs.Expand([.. clips]), [.. clips]);
            Assert.Equal(clips.Count, plan.ToIndex.Count);
            indexer.AddAll(plan.ToIndex, SlowEncode, new IndexPipeline(BatchSize: 1, Encoders: 2, Decoders: 2), AudioDecodeOptions.Default,
                (i, _) => added.Add(i), (i, e) => failed.Add((i, e.Message)));
        }
        Assert.Equal([0, 1, 2, 4, 5, 6], added);
        var (index, message) = Assert.Single(failed);
        Assert.Equal(3, index);
        Assert.Contains("c2-broken.wav", message, StringComparison.Ordinal);
        clips.RemoveAt(3);
        Assert.Equal(IndexTestData.Snapshot(IndexWithout(temp, clips, settings)), IndexTestData.Snapshot(temp["index"]));
    }

    private static string IndexWithout(Flam.Tests.TempDirectory temp, List<string> clips, IndexSettings settings)
    {
        var folder = temp["expected"];
        IndexTestData.Add(folder, settings, [.. clips]);
        return folder;
    }

    [Fact]
    public void An_encoder_error_stops_the_run_and_keeps_the_files_committed_before_it()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var clips = Clips(name => temp["audio/" + name]);
        var added = new List<int>();
        var marker = AudioFile.Load(clips[2], IndexTestData.SampleRate)[0];
        using (var indexer = AudioIndexer.Open(temp["index"], IndexTestData.Settings(), false, false, _ => { }))
        {
            var plan = indexer.Plan(AudioInputs.Expand(clips), clips);
            var error = Assert.Throws<InvalidOperationException>(() => indexer.AddAll(plan.ToIndex,
                windows => windows.Any(w => w[0] == marker) ? throw new InvalidOperationException("encoder broke") : IndexTestData.Encode(windows),
                new IndexPipeline(BatchSize: 1, Encoders: 2, Decoders: 2), AudioDecodeOptions.Default, (i, _) => added.Add(i), (_, e) => throw e));
            Assert.Equal("encoder broke", error.Message);
        }
        // c.wav's first window fails (whatever order the encoders took the batches in): a.wav (4 windows) and b.wav (1) stay.
        Assert.Equal([0, 1], added);
        using var reader = AudioIndexReader.Open(temp["index"]);
        Assert.Equal(5, reader.Windows);
    }
}
