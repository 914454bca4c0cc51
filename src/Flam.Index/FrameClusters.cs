using System.Buffers.Binary;
using static TorchSharp.torch;

namespace Flam.Index;

/// <summary>
/// The first stage of a search over a large index (an inverted file): spherical k-means centroids of the index's frames,
/// and for every window the clusters its frames fall in. A query ranks the centroids by cosine and reads only the windows
/// of the best clusters, then scores those exactly; a window holding one frame like the query is listed under that
/// frame's cluster even when its other frames are unlike it (window means had lost such windows). Stored in the catalog:
/// the centroids as int8 records, and per file one small blob of cluster numbers (about 9 bytes per 10 s window).
/// </summary>
internal sealed class FrameClusters
{
    /// <summary>An index is clustered once it holds this many windows (50 h at a 10 s hop); below, reading every window is fast.</summary>
    public const long MinimumWindows = 18_000;

    /// <summary>Clusters are trained again (with more of them) when the index has grown to this many times the windows they were trained on.</summary>
    public const int RetrainGrowth = 4;

    private const int Iterations = 12;
    private const int SamplePerCluster = 48;
    private const int Chunk = 8192;

    private readonly VectorCodec _codec;
    private readonly float[] _decoded; // count × d, the centroids as stored

    /// <summary>Clusters from stored centroids (int8 records of <paramref name="dimension"/> codes).</summary>
    /// <exception cref="FlamException">The stored centroids do not fit the dimension.</exception>
    public FrameClusters(int dimension, byte[] centroids, long trainedWindows)
    {
        _codec = new VectorCodec(VectorStorage.Int8, dimension);
        if (centroids.Length == 0 || centroids.Length % _codec.RecordBytes != 0)
        {
            throw new FlamException($"The index's cluster centroids take {centroids.Length} bytes, not a multiple of {_codec.RecordBytes}; run 'flam index add' to cluster it again.");
        }
        Centroids = centroids;
        TrainedWindows = trainedWindows;
        _decoded = new float[Count * dimension];
        for (var c = 0; c < Count; c++) _codec.Decode(Record(c), _decoded.AsSpan(c * dimension, dimension));
    }

    /// <summary>The centroids as int8 records.</summary>
    public byte[] Centroids { get; }

    /// <summary>Clusters.</summary>
    public int Count => Centroids.Length / _codec.RecordBytes;

    /// <summary>Windows the index held when the clusters were trained.</summary>
    public long TrainedWindows { get; }

    private ReadOnlySpan<byte> Record(int c) => Centroids.AsSpan(c * _codec.RecordBytes, _codec.RecordBytes);

    /// <summary>Clusters for an index of <paramref name="windows"/> windows: about 4√windows (a power of two, 16 to 4096).</summary>
    public static int CountFor(long windows) => (int)Math.Clamp(Math.Pow(2, Math.Round(Math.Log2(4 * Math.Sqrt(Math.Max(1, windows))))), 16, 4096);

    /// <summary>Frames sampled to train <paramref name="count"/> clusters.</summary>
    public static int SampleFor(int count) => SamplePerCluster * count;

    /// <summary>
    /// Spherical k-means of <paramref name="sample"/> (<c>n × d</c> unit vectors) into <paramref name="count"/> clusters,
    /// seeded by <paramref name="seed"/>: the same sample gives the same centroids.
    /// </summary>
    public static FrameClusters Train(float[] sample, int dimension, int count, long windows, int seed)
    {
        var n = sample.Length / dimension;
        count = Math.Min(count, n);
        var random = new Random(seed);
        var picks = Enumerable.Range(0, n).ToArray();
        random.Shuffle(picks);
        var centroids = new float[count * dimension];
        for (var c = 0; c < count; c++) sample.AsSpan(picks[c] * dimension, dimension).CopyTo(centroids.AsSpan(c * dimension, dimension));
        var sums = new double[count * dimension];
        var sizes = new int[count];
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var nearest = Nearest(sample, n, centroids, count, dimension);
            Array.Clear(sums);
            Array.Clear(sizes);
            for (var i = 0; i < n; i++)
            {
                var c = nearest[i];
                sizes[c]++;
                for (var j = 0; j < dimension; j++) sums[c * dimension + j] += sample[i * dimension + j];
            }
            for (var c = 0; c < count; c++)
            {
                var target = centroids.AsSpan(c * dimension, dimension);
                if (sizes[c] == 0)
                {
                    // An empty cluster restarts at a random frame rather than staying unused.
                    sample.AsSpan(random.Next(n) * dimension, dimension).CopyTo(target);
                    continue;
                }
                var norm = 0.0;
                for (var j = 0; j < dimension; j++) norm += sums[c * dimension + j] * sums[c * dimension + j];
                norm = Math.Max(Math.Sqrt(norm), 1e-12);
                for (var j = 0; j < dimension; j++) target[j] = (float)(sums[c * dimension + j] / norm);
            }
        }
        var codec = new VectorCodec(VectorStorage.Int8, dimension);
        var records = new byte[count * codec.RecordBytes];
        for (var c = 0; c < count; c++) codec.Encode(centroids.AsSpan(c * dimension, dimension), records.AsSpan(c * codec.RecordBytes, codec.RecordBytes));
        return new FrameClusters(dimension, records, windows);
    }

    /// <summary>The nearest of <paramref name="count"/> centroids (largest dot product) of each of <paramref name="n"/> vectors, by matrix products in chunks.</summary>
    private static int[] Nearest(float[] vectors, int n, float[] centroids, int count, int dimension)
    {
        var nearest = new int[n];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var transposed = tensor(centroids, [count, dimension]).t();
        for (var start = 0; start < n; start += Chunk)
        {
            using var chunkScope = NewDisposeScope();
            var rows = Math.Min(Chunk, n - start);
            var chunk = tensor(vectors.AsSpan(start * dimension, rows * dimension).ToArray(), [rows, dimension]);
            var best = chunk.matmul(transposed).argmax(1).data<long>();
            for (var i = 0; i < rows; i++) nearest[start + i] = (int)best[i];
        }
        return nearest;
    }

    /// <summary>
    /// The clusters of each window's frames (<paramref name="frames"/>: <c>windows × framesPerWindow × d</c> values) as a
    /// blob: a bit stream (least significant bit first) holding per window the number of distinct clusters
    /// (<see cref="CountBits"/> bits) and their numbers, ascending (<see cref="ClusterBits"/> bits each) — about 9 bytes
    /// per window for 2048 clusters, where 2-byte numbers took 13 and broke the 6 MB/h budget.
    /// </summary>
    public byte[] Assign(float[] frames, int windows, int framesPerWindow)
    {
        var nearest = Nearest(frames, windows * framesPerWindow, _decoded, Count, _codec.Dimension);
        var bits = new BitStream();
        for (var w = 0; w < windows; w++)
        {
            var distinct = nearest.AsSpan(w * framesPerWindow, framesPerWindow).ToArray().Distinct().Order().ToArray();
            bits.Write(distinct.Length, CountBits(framesPerWindow));
            foreach (var c in distinct) bits.Write(c, ClusterBits);
        }
        return bits.ToArray();
    }

    /// <summary>Bits of a window's cluster count.</summary>
    private static int CountBits(int framesPerWindow) => 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)framesPerWindow);

    /// <summary>Bits of one cluster number.</summary>
    private int ClusterBits => Math.Max(1, 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(Count - 1)));

    /// <summary>
    /// The clusters of each window of a blob made by <see cref="Assign"/>, or null when it does not hold exactly
    /// <paramref name="windows"/> well-formed windows of <paramref name="framesPerWindow"/> frames.
    /// </summary>
    public int[][]? Windows(byte[] blob, int windows, int framesPerWindow)
    {
        var result = new int[windows][];
        var at = 0L;
        var total = 8L * blob.Length;
        int? Read(int width)
        {
            if (at + width > total)
            {
                return null;
            }
            var value = 0;
            for (var i = 0; i < width; i++, at++) value |= ((blob[at >> 3] >> (int)(at & 7)) & 1) << i;
            return value;
        }
        for (var w = 0; w < windows; w++)
        {
            // Every window has frames, so at least one cluster: a zero count is padding or damage.
            if (Read(CountBits(framesPerWindow)) is not { } count || count == 0 || count > framesPerWindow)
            {
                return null;
            }
            var clusters = new int[count];
            for (var i = 0; i < count; i++)
            {
                if (Read(ClusterBits) is not { } c || c >= Count) return null;
                clusters[i] = c;
            }
            result[w] = clusters;
        }
        return (at + 7) / 8 == blob.Length ? result : null;
    }

    /// <summary>Bits appended least significant first.</summary>
    private sealed class BitStream
    {
        private readonly List<byte> _bytes = [];
        private long _bits;

        public void Write(int value, int width)
        {
            for (var i = 0; i < width; i++, _bits++)
            {
                if ((_bits & 7) == 0) _bytes.Add(0);
                _bytes[^1] |= (byte)(((value >> i) & 1) << (int)(_bits & 7));
            }
        }

        public byte[] ToArray() => [.. _bytes];
    }

    /// <summary>Clusters ordered by the cosine of their centroid with <paramref name="query"/>, best first.</summary>
    public int[] Rank(CodecQuery query)
    {
        var cosines = new float[Count];
        _codec.Cosines(Centroids, Count, query, cosines);
        var order = Enumerable.Range(0, Count).ToArray();
        Array.Sort(cosines.Select(c => -c).ToArray(), order);
        return order;
    }
}

/// <summary>
/// An index reader's clusters with their windows (global window numbers of the reader) listed per cluster, and the
/// windows of files not assigned yet (a run killed before assigning them, or clusters retrained since): those are always read.
/// </summary>
internal sealed class ClusterLists
{
    private readonly int[] _starts; // per cluster, into _windows; one past the last holds the total
    private readonly int[] _windows;

    /// <summary>Lists the windows of <paramref name="files"/> (numbered from <paramref name="starts"/>) under their clusters from <paramref name="blobs"/> (by file id).</summary>
    public ClusterLists(FrameClusters clusters, IReadOnlyList<IndexedFile> files, long[] starts, int framesPerWindow, IReadOnlyDictionary<long, byte[]> blobs)
    {
        Clusters = clusters;
        var perCluster = new List<int>[clusters.Count];
        for (var c = 0; c < perCluster.Length; c++) perCluster[c] = [];
        var unassigned = new List<int>();
        for (var f = 0; f < files.Count; f++)
        {
            var lists = blobs.TryGetValue(files[f].Id, out var blob) ? clusters.Windows(blob, files[f].Windows, framesPerWindow) : null;
            for (var w = 0; w < files[f].Windows; w++)
            {
                var window = (int)(starts[f] + w);
                if (lists is null)
                {
                    unassigned.Add(window);
                    continue;
                }
                foreach (var c in lists[w]) perCluster[c].Add(window);
            }
        }
        _starts = new int[clusters.Count + 1];
        for (var c = 0; c < clusters.Count; c++) _starts[c + 1] = _starts[c] + perCluster[c].Count;
        _windows = new int[_starts[^1]];
        for (var c = 0; c < clusters.Count; c++) perCluster[c].CopyTo(_windows, _starts[c]);
        Unassigned = [.. unassigned];
    }

    /// <summary>The clusters.</summary>
    public FrameClusters Clusters { get; }

    /// <summary>Windows of files without clusters.</summary>
    public int[] Unassigned { get; }

    /// <summary>The windows listed under cluster <paramref name="cluster"/>.</summary>
    public ReadOnlySpan<int> Windows(int cluster) => _windows.AsSpan(_starts[cluster], _starts[cluster + 1] - _starts[cluster]);
}
