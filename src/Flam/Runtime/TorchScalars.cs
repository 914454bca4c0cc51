using TorchSharp;

namespace Flam.Runtime;

/// <summary>
/// Scalars that live as long as the process. TorchSharp's <c>a + b</c> and <c>add(b)</c> create a Scalar 1 they never
/// dispose; its finalizer can free it on the GC thread while libtorch still reads it. Passing this one instead keeps
/// the argument alive for every call (build/BannedSymbols.TorchSharp.txt bans the unsafe overloads).
/// </summary>
public static class TorchScalars
{
    /// <summary>The Scalar 1, for <c>a.add(b, TorchScalars.One)</c>.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
