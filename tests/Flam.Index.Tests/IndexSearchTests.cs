using Flam.Index;
using Flam.Inference;

namespace Flam.Tests.Index;

/// <summary>
/// The best-first search against brute force: scoring every file of the index and taking the best events must give the
/// same hits for every <c>top</c>, with overlapping (5 s) and adjacent (10 s) windows and every storage.
/// </summary>
public sealed class IndexSearchTests
{
    private static float[] Direction(int seed)
    {
        var random = new Random(seed);
        var v = Enumerable.Range(0, IndexTestData.Dimension).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    private static string BuildIndex(TempDirectory temp, IndexSettings settings)
    {
        var seconds = new[] { 3.0, 12, 23, 41, 9.7, 30, 55, 18, 310, 207 };
        for (var i = 0; i < seconds.Length; i++)
        {
            IndexTestData.WriteClip(temp[$"audio/clip{i}.wav"], seconds[i], seed: i + 1);
        }
        IndexTestData.Add(temp["index"], settings, temp["audio"]);
        return temp["index"];
    }

    [Theory]
    [InlineData(VectorStorage.Float32, 10.0)]
    [InlineData(VectorStorage.Float32, 5.0)]
    [InlineData(VectorStorage.Int8, 10.0)]
    [InlineData(VectorStorage.Float16, 5.0)]
    public void Best_first_search_equals_scoring_every_file(VectorStorage storage, double hop)
    {
        using var temp = FixturePaths.NewTempDirectory();
        using var reader = AudioIndexReader.Open(BuildIndex(temp, IndexTestData.Settings(storage, hop)));
        Assert.True(reader.Windows > 20, "the index must have more windows than the first round takes, or nothing is pruned");
        var options = reader.Settings.Detection(threshold: 0.5, medianFrames: 3);
        for (var seed = 0; seed < 6; seed++)
        {
            // A stored frame's direction, turned a little: a query that some frames match well and most do not.
            var frame = reader.Embeddings(seed % reader.Files.Count).AsSpan(5 * IndexTestData.Dimension, IndexTestData.Dimension).ToArray();
            var direction = Direction(seed).Zip(frame, (r, a) => a + 0.3f * r).ToArray();
            var norm = MathF.Sqrt(direction.Sum(x => x * x));
            direction = [.. direction.Select(x => x / norm)];
            // One candidate window in the first round, so the rounds and the stopping rule are exercised.
            var search = new IndexSearch(reader, firstCandidates: 1);
            var score = search.Similarity(direction);
            var brute = Enumerable.Range(0, reader.Files.Count)
                .SelectMany(f => search.Detect(f, "q", score, options).Queries[0].Events.Select(e => (reader.Files[f].Path, e.Onset, e.Offset, e.Max)))
                .OrderByDescending(h => h.Max).ToList();
            Assert.True(brute.Count > 10, $"seed {seed}: too few events ({brute.Count}) to compare");
            foreach (var top in new[] { 1, 3, 10, brute.Count + 5 })
            {
                var hits = search.Search("q", direction, score, options, top);
                Assert.Equal(brute.Take(top).Select(h => h.Max), hits.Select(h => h.Max));
                Assert.Equal(brute.Take(top).Select(h => (h.Path, h.Onset, h.Offset)), hits.Select(h => (h.File, h.Onset, h.Offset)));
            }
        }
    }

    [Theory]
    [InlineData(10.0, 3)]
    [InlineData(5.0, 3)]
    [InlineData(5.0, 7)]
    public void Scoring_the_windows_around_any_one_window_finds_the_whole_files_events_there(double hop, int median)
    {
        using var temp = FixturePaths.NewTempDirectory();
        // Loudness changing slowly (a period of about 50 s) and fast: long events that outgrow a range, and short ones.
        IndexTestData.WriteClip(temp["audio/long.wav"], 243, seed: 4, rate: 0.04);
        IndexTestData.Add(temp["index"], IndexTestData.Settings(VectorStorage.Float32, hop), temp["audio"]);
        using var reader = AudioIndexReader.Open(temp["index"]);
        var search = new IndexSearch(reader);
        var checkedEvents = 0;
        for (var seed = 0; seed < 3; seed++)
        {
            var frame = reader.Embeddings(0).AsSpan((40 + 97 * seed) * IndexTestData.Dimension, IndexTestData.Dimension).ToArray();
            var score = search.Similarity(frame);
            // The threshold at the 40th percentile of the frames: events of many lengths, some longer than a range.
            var values = search.Detect(0, "q", score, reader.Settings.Detection(0.5, 1)).Queries[0].Probabilities.Order().ToArray();
            var options = reader.Settings.Detection(threshold: Math.Max(0.05, values[values.Length * 4 / 10]), medianFrames: median);
            var whole = search.Detect(0, "q", score, options).Queries[0].Events;
            Assert.True(whole.Count >= 3, $"seed {seed}: only {whole.Count} events");
            for (var w = 0; w < reader.Files[0].Windows; w++)
            {
                var ranges = new RangeScorer(reader, score, options, "q");
                ranges.Score([(0, w)]);
                var found = ranges.Hits().Select(h => (h.Onset, h.Offset, h.Max, h.Mean)).ToList();
                var all = whole.Select(e => (e.Onset, e.Offset, e.Max, e.Mean)).ToList();
                Assert.All(found, h => Assert.Contains(h, all));
                var start = w * options.HopSeconds;
                foreach (var e in whole.Where(e => e.Onset < start + options.WindowSeconds && e.Offset > start))
                {
                    Assert.Contains((e.Onset, e.Offset, e.Max, e.Mean), found);
                    checkedEvents++;
                }
            }
        }
        Assert.True(checkedEvents > 20, $"only {checkedEvents} events checked");
    }

    [Fact]
    public void Compact_storage_stays_close_to_float32()
    {
        using var exact = FixturePaths.NewTempDirectory();
        using var int8 = FixturePaths.NewTempDirectory();
        using var half = FixturePaths.NewTempDirectory();
        using var exactReader = AudioIndexReader.Open(BuildIndex(exact, IndexTestData.Settings(VectorStorage.Float32)));
        using var int8Reader = AudioIndexReader.Open(BuildIndex(int8, IndexTestData.Settings(VectorStorage.Int8)));
        using var halfReader = AudioIndexReader.Open(BuildIndex(half, IndexTestData.Settings(VectorStorage.Float16)));
        var options = exactReader.Settings.Detection(0.5, 1);
        foreach (var (reader, tolerance) in new[] { (int8Reader, 0.01), (halfReader, 0.002) })
        {
            var worst = 0.0;
            for (var seed = 0; seed < 3; seed++)
            {
                var direction = Direction(seed);
                for (var f = 0; f < exactReader.Files.Count; f++)
                {
                    var expected = new IndexSearch(exactReader).Detect(f, "q", new IndexSearch(exactReader).Similarity(direction), options).Queries[0].Probabilities;
                    var actual = new IndexSearch(reader).Detect(f, "q", new IndexSearch(reader).Similarity(direction), options).Queries[0].Probabilities;
                    worst = Math.Max(worst, expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max());
                }
            }
            Assert.True(worst < tolerance, $"{reader.Settings.Storage}: largest frame difference {worst:G3} exceeds {tolerance}");
        }
    }

    [Theory]
    [InlineData(5000, 0)]
    [InlineData(5000, 10)]
    [InlineData(5000, 1_000_000)]
    [InlineData(37, 1000)]
    [InlineData(1, 1000)]
    public void Best_first_order_lists_windows_by_descending_bound(int count, int levels)
    {
        var random = new Random(count + levels);
        // levels = 0: every bound the same; otherwise few distinct values (ties) or many.
        var bounds = Enumerable.Range(0, count).Select(_ => levels == 0 ? 0.25f : random.Next(levels) / (float)levels - 0.3f).ToArray();
        var order = new BestFirstOrder(bounds);
        Assert.Equal(count, order.Count);
        var listed = new List<int>();
        // Read in uneven pieces, asking for the next bound first as the search does.
        for (var position = 0; position < count;)
        {
            var piece = Math.Min(1 + random.Next(300), count - position);
            Assert.Equal(bounds[order.Windows(position, 1)[0]], order.Bound(position));
            listed.AddRange(order.Windows(position, piece).ToArray());
            position += piece;
        }
        Assert.Equal(Enumerable.Range(0, count), listed.Order());
        Assert.Equal(bounds.OrderDescending(), listed.Select(w => bounds[w]));
    }

    [Theory]
    [InlineData(512)]
    [InlineData(33)]
    public void Window_keys_take_4_bit_codes_and_bound_every_frame_of_their_window(int dimension)
    {
        var layout = new IndexLayout(IndexTestData.Settings(VectorStorage.Int8) with { Dimension = dimension });
        Assert.Equal((dimension + 1) / 2 + 8, layout.KeyBytesPerWindow);
        var random = new Random(dimension);
        float[] Unit(float[] around, float spread)
        {
            var v = around.Select(x => x + spread * (float)(random.NextDouble() - 0.5)).ToArray();
            var norm = MathF.Sqrt(v.Sum(x => x * x));
            return [.. v.Select(x => x / norm)];
        }
        var frames = new byte[layout.FrameBytesPerWindow];
        var key = new byte[layout.KeyBytesPerWindow];
        var stored = new float[dimension];
        var tightest = double.PositiveInfinity;
        for (var window = 0; window < 20; window++)
        {
            // Frames around one sound, some windows tight and some spread out.
            var sound = Unit(new float[dimension], 1);
            var embeddings = Enumerable.Range(0, layout.FramesPerWindow).SelectMany(_ => Unit(sound, 0.2f * (window % 4 + 1) / MathF.Sqrt(dimension / 16f))).ToArray();
            layout.EncodeWindow(embeddings, frames, key);
            for (var q = 0; q < 30; q++)
            {
                var query = q % 3 == 0 ? Unit(sound, 0.5f) : Unit(new float[dimension], 1).Select(x => 2.5f * x).ToArray();
                var norm = MathF.Sqrt(query.Sum(x => x * x));
                var best = double.NegativeInfinity;
                for (var t = 0; t < layout.FramesPerWindow; t++)
                {
                    layout.Frames.Decode(frames.AsSpan(t * layout.Frames.RecordBytes, layout.Frames.RecordBytes), stored);
                    best = Math.Max(best, stored.Zip(query, (a, b) => (double)a * b).Sum());
                }
                var bound = layout.UpperBound(key, query, norm);
                Assert.True(bound >= best, $"window {window}, query {q}: bound {bound} below the best frame {best}");
                // The packed codes read in bulk (SIMD) give what the key decodes to, one value at a time.
                var centroid = new float[dimension];
                layout.DecodeKey(key, centroid);
                var naive = centroid.Zip(query, (c, x) => (double)c * x).Sum() + System.Runtime.InteropServices.MemoryMarshal.Read<float>(key.AsSpan(key.Length - 4)) * norm;
                Assert.Equal(naive, bound, 4);
                tightest = Math.Min(tightest, (bound - best) / norm);
            }
        }
        // A bound, not a constant: for tight windows it is close to the best frame.
        Assert.True(tightest < 0.5, $"the bound is never within 0.5 of the best frame (closest {tightest})");
    }

    [Fact]
    public void Int8_records_take_d_bytes_and_decode_to_unit_vectors()
    {
        var codec = new VectorCodec(VectorStorage.Int8, 512);
        Assert.Equal(512, codec.RecordBytes);
        var random = new Random(5);
        var v = Enumerable.Range(0, 512).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        v = [.. v.Select(x => x / norm)];
        var record = new byte[codec.RecordBytes];
        codec.Encode(v, record);
        var decoded = new float[512];
        codec.Decode(record, decoded);
        Assert.Equal(1.0, Math.Sqrt(decoded.Sum(x => (double)x * x)), 5);
        Assert.Equal(v.Zip(decoded, (a, b) => (double)a * b).Sum(), codec.Cosine(record, v), 4);
        Assert.True(v.Zip(decoded, (a, b) => Math.Abs(a - b)).Max() < 0.01);
    }

    /// <summary>The fixed-point cosine kernel (SIMD where the CPU has it) against its naive twin, over lengths that use every code path.</summary>
    [Theory]
    [InlineData(512)]
    [InlineData(1024)]
    [InlineData(100)]
    [InlineData(7)]
    public void Fixed_point_cosines_of_int8_records_equal_the_float_cosines(int dimension)
    {
        var codec = new VectorCodec(VectorStorage.Int8, dimension);
        var random = new Random(dimension);
        float[] Unit() => [.. Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() - 0.5))];
        const int records = 9;
        var bytes = new byte[records * codec.RecordBytes];
        for (var r = 0; r < records; r++)
        {
            var v = Unit();
            var norm = MathF.Sqrt(v.Sum(x => x * x));
            codec.Encode([.. v.Select(x => x / norm)], bytes.AsSpan(r * codec.RecordBytes, codec.RecordBytes));
        }
        for (var q = 0; q < 5; q++)
        {
            var direction = Unit().Select(x => 3 * x).ToArray();
            var prepared = codec.Prepare(direction);
            var cosines = new float[records];
            var best = codec.Cosines(bytes, records, prepared, cosines);
            var unit = direction.Select(x => x / MathF.Sqrt(direction.Sum(y => y * y))).ToArray();
            for (var r = 0; r < records; r++)
            {
                var codes = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(bytes.AsSpan(r * codec.RecordBytes, codec.RecordBytes)).ToArray();
                // Naive twin: the exact integer sums of the kernel, and the float cosine it stands for.
                long dot = 0;
                var squares = 0;
                for (var i = 0; i < dimension; i++)
                {
                    dot += codes[i] * prepared.Fixed[i];
                    squares += codes[i] * codes[i];
                }
                Assert.Equal(dot, VectorCodec.DotFixed(codes, prepared.Fixed, out var kernelSquares));
                Assert.Equal(squares, kernelSquares);
                var exact = codes.Zip(unit, (c, x) => (double)c * x).Sum() / Math.Sqrt(squares);
                // The query's rounding to steps moves each product by at most |code|·step/2.
                var bound = codes.Sum(c => Math.Abs(c)) * prepared.FixedStep / 2 / Math.Sqrt(squares) + 1e-6;
                Assert.True(Math.Abs(exact - cosines[r]) <= bound, $"record {r}: {cosines[r]} vs {exact}, bound {bound}");
            }
            Assert.Equal(cosines.Max(), best);
        }
    }
}
