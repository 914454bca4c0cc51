namespace Flam.Tests.Training;

/// <summary>
/// Tests that run training or the blocked loss's custom autograd function run alone: training reseeds torch's global
/// generator per step, so a test running beside it would break the bit-exact resume check.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Training runs";
}
