using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Flam.Evaluation;

namespace Flam.Tests.Evaluation;

/// <summary>One case of tests/Flam.Tests/Fixtures/metrics (inputs and the reference's expected.json).</summary>
internal sealed class MetricFixture
{
    public static readonly string[] CaseNames = ["case01", "case02", "case03", "case04", "case05", "case06"];

    private static readonly Dictionary<string, MetricFixture> Cache = [];

    private MetricFixture(string name)
    {
        Name = name;
        Folder = FixturePaths.Get("metrics", name);
        Scores = SedTsv.ReadScores(Path.Combine(Folder, "scores"));
        GroundTruth = SedTsv.ReadGroundTruth(Path.Combine(Folder, "ground_truth.tsv"));
        Durations = SedTsv.ReadDurations(Path.Combine(Folder, "durations.tsv"));
        Set = SedEvaluationSet.Create(Scores, GroundTruth, Durations);
        Expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "expected.json")))!;
    }

    public string Name { get; }
    public string Folder { get; }
    public InMemorySedScoreSet Scores { get; }
    public SedGroundTruth GroundTruth { get; }
    public SedDurations Durations { get; }
    public SedEvaluationSet Set { get; }
    public JsonNode Expected { get; }

    public JsonNode Result(string key) => Expected["results"]![key]!;

    public static readonly JsonSerializerOptions JsonOptions = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static MetricFixture Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var f))
            {
                f = new MetricFixture(name);
                Cache[name] = f;
            }
            return f;
        }
    }

    /// <summary>Cases whose expected.json has the given results key.</summary>
    public static IEnumerable<object[]> CasesWith(string key) =>
        CaseNames.Where(c => JsonNode.Parse(File.ReadAllText(FixturePaths.Get("metrics", c, "expected.json")))!["results"]![key] is not null)
            .Select(c => new object[] { c });

    public static double Number(JsonNode? node) => node!.Deserialize<double>(JsonOptions);

    public static double[] Numbers(JsonNode? node) => node!.Deserialize<double[]>(JsonOptions)!;

    public static void Close(double expected, double actual, string what)
    {
        if (double.IsInfinity(expected) || double.IsNaN(expected))
        {
            Assert.True(expected.Equals(actual), $"{what}: expected {expected}, got {actual}");
            return;
        }
        var ok = Math.Abs(expected - actual) <= Math.Max(1e-9 * Math.Abs(expected), 1e-12);
        Assert.True(ok, $"{what}: expected {expected:R}, got {actual:R} (difference {actual - expected:E3})");
    }

    public static void Close(double[] expected, double[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values [{string.Join(", ", expected)}], got {actual.Length} [{string.Join(", ", actual)}]");
        for (var i = 0; i < expected.Length; i++)
        {
            Close(expected[i], actual[i], $"{what}[{i}]");
        }
    }
}
