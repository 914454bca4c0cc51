namespace Flam.Tests;

/// <summary>
/// Test classes that run libtorch or ONNX Runtime share one collection and so run one after another: torch's global
/// generator, thread count and default dtype belong to the process, and a test that sets them must not race another.
/// Test classes without native state run in parallel beside this collection.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TorchCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Torch";
}
