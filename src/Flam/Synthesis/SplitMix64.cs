namespace Flam.Synthesis;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny, fast generator whose whole state is one 64-bit word. Each mixture gets
/// its own generator seeded from (seed, index), so output does not depend on thread count or scheduling, and the sequence
/// is fixed by this code rather than by a runtime's <see cref="Random"/> implementation.
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    /// <summary>Starts from <paramref name="state"/>.</summary>
    public SplitMix64(ulong state) => _state = state;

    /// <summary>The generator for item <paramref name="index"/> of a run with <paramref name="seed"/>.</summary>
    public static SplitMix64 ForItem(long seed, long index)
    {
        // Mix the seed first so that (seed, index) and (seed + 1, index - 1) do not collide.
        var mixed = Mix((ulong)seed + 0x9E3779B97F4A7C15UL);
        return new SplitMix64(Mix(mixed ^ (ulong)index));
    }

    /// <summary>
    /// A 64-bit hash of <paramref name="values"/> that is the same in every process and on every machine, for seeds built
    /// from several numbers (<see cref="HashCode.Combine{T1, T2}"/> is randomised per process).
    /// </summary>
    public static ulong Combine(params ReadOnlySpan<long> values)
    {
        ulong hash = 0x9E3779B97F4A7C15UL;
        foreach (var value in values)
        {
            hash = Mix(hash ^ (ulong)value) + 0x9E3779B97F4A7C15UL;
        }
        return hash;
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public long NextInt64(long min, long maxInclusive)
    {
        if (maxInclusive < min)
        {
            throw new ArgumentOutOfRangeException(nameof(maxInclusive));
        }
        var range = (ulong)(maxInclusive - min) + 1;
        if (range == 0)
        {
            return (long)NextUInt64();
        }
        // Rejection sampling removes modulo bias.
        var limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong r;
        do
        {
            r = NextUInt64();
        }
        while (r >= limit);
        return min + (long)(r % range);
    }

    /// <summary>Uniform integer in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public int NextInt(int min, int maxInclusive) => (int)NextInt64(min, maxInclusive);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A uniformly chosen element.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(0, items.Count - 1)];

    /// <summary>The SplitMix64 output function (also a good 64-bit hash finaliser).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
