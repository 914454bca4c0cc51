namespace Flam.Index;

/// <summary>
/// Windows in descending order of their upper bounds, sorted lazily: a counting sort puts them into buckets of bound values
/// (linear time), and a bucket is sorted only when the search reaches it. A search usually stops within the first
/// buckets, and sorting all bounds of a large index would cost more than computing them.
/// </summary>
internal sealed class BestFirstOrder
{
    private readonly float[] _keys; // negated bounds, in bucket order (ascending within a sorted bucket)
    private readonly int[] _windows;
    private readonly int[] _bucketStarts; // one past the last bucket holds the count
    private int _sortedBuckets;

    /// <summary>Orders windows 0 .. <c>bounds.Length</c> − 1 by <paramref name="bounds"/>, highest first.</summary>
    public BestFirstOrder(float[] bounds)
    {
        var count = bounds.Length;
        var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
        foreach (var b in bounds)
        {
            min = Math.Min(min, b);
            max = Math.Max(max, b);
        }
        var range = max - min;
        var buckets = float.IsFinite(range) && range > 0 ? Math.Clamp(count / 16, 1, 1 << 16) : 1;
        // Monotone: a higher bound never lands in a later bucket.
        int Bucket(float b) => buckets == 1 ? 0 : Math.Clamp((int)((max - b) / range * buckets), 0, buckets - 1);
        _bucketStarts = new int[buckets + 1];
        foreach (var b in bounds) _bucketStarts[Bucket(b) + 1]++;
        for (var i = 0; i < buckets; i++) _bucketStarts[i + 1] += _bucketStarts[i];
        var fill = _bucketStarts[..buckets];
        _keys = new float[count];
        _windows = new int[count];
        for (var w = 0; w < count; w++)
        {
            var at = fill[Bucket(bounds[w])]++;
            _keys[at] = -bounds[w];
            _windows[at] = w;
        }
    }

    /// <summary>Windows in all.</summary>
    public int Count => _windows.Length;

    /// <summary>The bound of the window at <paramref name="position"/> in the order.</summary>
    public float Bound(int position)
    {
        SortThrough(position);
        return -_keys[position];
    }

    /// <summary>The windows at positions <paramref name="position"/> .. +<paramref name="count"/> of the order.</summary>
    public ReadOnlySpan<int> Windows(int position, int count)
    {
        SortThrough(position + count - 1);
        return _windows.AsSpan(position, count);
    }

    private void SortThrough(int position)
    {
        while (_sortedBuckets < _bucketStarts.Length - 1 && _bucketStarts[_sortedBuckets] <= position)
        {
            var start = _bucketStarts[_sortedBuckets];
            Array.Sort(_keys, _windows, start, _bucketStarts[_sortedBuckets + 1] - start);
            _sortedBuckets++;
        }
    }
}
