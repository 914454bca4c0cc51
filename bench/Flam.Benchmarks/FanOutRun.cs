using System.Diagnostics;
using System.Globalization;
using Flam.Index;
using Flam.Inference;
using Flam.Model;

namespace Flam.Benchmarks;

/// <summary>
/// <c>fanout --hours H --shards 1,4,16,64 --out DIR [--repeat R] [--top K]</c>: the cluster's query fan-out simulated in
/// one process. The same amount of synthetic audio (<c>index synth</c>, default model, int8) is split into S shards of
/// H/S hours; each query (text already encoded) is searched on every shard and the shards' top-k merged
/// (<see cref="ShardSearch"/>). Prints per S the median latency of the shards searched one after another, and of the
/// slowest shard plus the merge, which is what a cluster searching its shards in parallel would wait for.
/// </summary>
internal static class FanOutRun
{
    private static readonly string[] Queries = ["a dog barking", "glass breaking", "a helicopter", "a gunshot", "rain on a roof", "a siren"];

    public static int Run(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var hours = double.Parse(Arg("--hours") ?? "64", CultureInfo.InvariantCulture);
        var counts = (Arg("--shards") ?? "1,4,16,64").Split(',').Select(int.Parse).ToArray();
        var folder = Arg("--out") ?? throw new ArgumentException("--out DIR");
        var repeat = int.Parse(Arg("--repeat") ?? "3", CultureInfo.InvariantCulture);
        var top = int.Parse(Arg("--top") ?? "50", CultureInfo.InvariantCulture);
        var bundle = ModelBundle.Default;
        using var model = bundle.LoadModel();
        using var texts = new TextQueryCache(model, bundle.LoadTokenizer(model));
        texts.Prepare(Queries);
        Console.WriteLine($"{hours} h of synthetic int8 index in S shards; {Queries.Length} queries x {repeat}, top {top}");
        Console.WriteLine("shards  h/shard  sequential p50 ms  parallel p50 ms (slowest shard + merge)");
        foreach (var count in counts)
        {
            var shards = Enumerable.Range(0, count).Select(k => Path.Combine(folder, $"s{count}", $"shard{k:D3}")).ToList();
            for (var k = 0; k < count; k++)
            {
                if (IndexSettings.Read(shards[k]) is null)
                {
                    IndexRun.Run(["synth", "--hours", (hours / count).ToString("R", CultureInfo.InvariantCulture), "--out", shards[k], "--seed", (k + 1).ToString(CultureInfo.InvariantCulture)]);
                }
            }
            var readers = shards.Select(AudioIndexReader.Open).ToList();
            try
            {
                var options = readers[0].Settings.Detection(0.5, 3);
                var sequential = new List<double>();
                var parallel = new List<double>();
                for (var r = 0; r < repeat; r++)
                {
                    foreach (var query in Queries)
                    {
                        var perShard = new List<IReadOnlyList<SearchHit>>();
                        var slowest = 0.0;
                        var total = Stopwatch.StartNew();
                        foreach (var reader in readers)
                        {
                            var one = Stopwatch.StartNew();
                            perShard.Add(new IndexSearch(reader).SearchTexts([query], texts, options, top));
                            slowest = Math.Max(slowest, one.Elapsed.TotalMilliseconds);
                        }
                        var merge = Stopwatch.StartNew();
                        _ = ShardSearch.Merge(perShard, top).ToList();
                        sequential.Add(total.Elapsed.TotalMilliseconds);
                        parallel.Add(slowest + merge.Elapsed.TotalMilliseconds);
                    }
                }
                static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{count,6}  {hours / count,7:0.##}  {Median(sequential),17:0.0}  {Median(parallel),15:0.0}"));
            }
            finally
            {
                foreach (var reader in readers) reader.Dispose();
            }
        }
        return 0;
    }
}
