using Flam.Evaluation;

namespace Flam.Tests.Evaluation;

/// <summary>
/// <see cref="ParaphraseRobustness"/> on hand-made sequences (values worked out in the comments) and against a naive
/// twin on random sequences; <see cref="ParaphraseTable"/> bad rows.
/// </summary>
public sealed class ParaphraseRobustnessTests
{
    [Fact]
    public void PairwiseMeasuresMatchHandValues()
    {
        double[] a = [0.9, 0.8, 0.2, 0.1, 0.6];
        double[] b = [0.7, 0.3, 0.6, 0.1, 0.55];
        // Detected (> 0.5): a = {0, 1, 4}, b = {0, 2, 4}. Same decision on frames 0, 3, 4 → 3/5; ∩ = {0, 4}, ∪ = {0, 1, 2, 4} → 2/4.
        Assert.Equal(0.6, ParaphraseRobustness.Agreement(a, b, 0.5), 12);
        Assert.Equal(0.5, ParaphraseRobustness.Jaccard(a, b, 0.5), 12);
        Assert.True(double.IsNaN(ParaphraseRobustness.Jaccard([0.1, 0.5], [0.2, 0.3], 0.5)));
        Assert.Equal(1.0, ParaphraseRobustness.Agreement([0.1, 0.5], [0.2, 0.3], 0.5), 12);
        // Pearson of (1, 2, 3) and (2, 4, 7): means 2 and 13/3; Σdx·dy = 5, Σdx² = 2, Σdy² = 38/3.
        Assert.Equal(5 / Math.Sqrt(2 * 38.0 / 3), OpenVocabularyMetrics.Pearson([1, 2, 3], [2, 4, 7]), 12);
    }

    [Fact]
    public void SummaryPoolsPairsAndCountsUndefinedOnes()
    {
        bool[] labels = [true, true, false, false];
        var tracks = new[]
        {
            // Three phrasings → pairs (0,1), (0,2), (1,2).
            new ParaphraseTrack("c1", "dog", [0.9, 0.8, 0.1, 0.2], [[0.9, 0.7, 0.2, 0.1], [0.6, 0.4, 0.3, 0.2], [0.3, 0.3, 0.3, 0.3]], labels),
            // Neither phrasing detects anything → no Jaccard.
            new ParaphraseTrack("c2", "dog", [0.4, 0.3, 0.2, 0.1], [[0.4, 0.3, 0.2, 0.1], [0.2, 0.4, 0.1, 0.3]], labels),
        };
        var r = ParaphraseRobustness.Compute(tracks, 0.5);
        Assert.Equal(2, r.Tracks);
        Assert.Equal(4, r.Pairs);
        // Agreement: (0,1) frames 0 same, 1 differs, 2, 3 same → 3/4; (0,2) 2/4; (1,2) 3/4; c2 → 1.
        Assert.Equal((0.75 + 0.5 + 0.75 + 1) / 4, r.MeanAgreement, 12);
        // Jaccard: (0,1) {0,1} vs {0} → 1/2; (0,2) {0,1} vs {} → 0; (1,2) {0} vs {} → 0; c2 pair both empty.
        Assert.Equal(0.5 / 3, r.MeanJaccard, 12);
        Assert.Equal(1, r.PairsBothEmpty);
        // Phrasing 2 of c1 is constant → its two pairs have no correlation.
        Assert.Equal(2, r.PairsWithoutCorrelation);
        double[] p0 = [0.9, 0.7, 0.2, 0.1], p1 = [0.6, 0.4, 0.3, 0.2];
        var expected = (OpenVocabularyMetrics.Pearson(p0, p1) + OpenVocabularyMetrics.Pearson([0.4, 0.3, 0.2, 0.1], [0.2, 0.4, 0.1, 0.3])) / 2;
        Assert.Equal(expected, r.MeanCorrelation, 12);
        // AUROC, event text: positives {0.9, 0.8, 0.4, 0.3} vs negatives {0.1, 0.2, 0.2, 0.1}: all above → 1.
        Assert.Equal(1.0, r.OriginalAuroc, 12);
        // Phrasing 3 only in c1: positives {0.3, 0.3}, negatives {0.3, 0.3}: all ties → 0.5.
        Assert.Equal(3, r.PhrasingAuroc.Length);
        Assert.Equal(0.5, r.PhrasingAuroc[2], 12);
        // Phrasing 2: positives {0.6, 0.4 | 0.2, 0.4} vs negatives {0.3, 0.2 | 0.1, 0.3}: count wins + ½ ties by hand.
        double[] pos = [0.6, 0.4, 0.2, 0.4], neg = [0.3, 0.2, 0.1, 0.3];
        var wins = pos.Sum(p => neg.Sum(n => p > n ? 1.0 : p == n ? 0.5 : 0));
        Assert.Equal(wins / 16, r.PhrasingAuroc[1], 12);
        var dog = Assert.Single(r.PerText);
        Assert.Equal(("dog", 2, 3), (dog.Text, dog.Tracks, dog.Phrasings));
        Assert.Equal(r.MeanAgreement, dog.Agreement, 12);
    }

    [Fact]
    public void MatchesNaiveTwinOnRandomSequences()
    {
        var random = new Random(9);
        double[] Seq(int n) => [.. Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble(), 1))];
        var tracks = Enumerable.Range(0, 12).Select(i =>
        {
            var n = 6 + i % 5;
            return new ParaphraseTrack($"c{i}", i % 3 == 0 ? "a" : "b", Seq(n), [.. Enumerable.Range(0, 2 + i % 3).Select(_ => Seq(n))],
                [.. Enumerable.Range(0, n).Select(k => k % 3 == 0)]);
        }).ToList();
        const double threshold = 0.45;
        var r = ParaphraseRobustness.Compute(tracks, threshold);

        var agreement = new List<double>();
        var jaccard = new List<double>();
        var correlation = new List<double>();
        foreach (var t in tracks)
        {
            foreach (var (x, i) in t.Phrasings.Select((x, i) => (x, i)))
            {
                foreach (var y in t.Phrasings.Skip(i + 1))
                {
                    var dx = x.Select(v => v > threshold).ToArray();
                    var dy = y.Select(v => v > threshold).ToArray();
                    agreement.Add(dx.Zip(dy).Count(p => p.First == p.Second) / (double)dx.Length);
                    var union = dx.Zip(dy).Count(p => p.First || p.Second);
                    if (union > 0) jaccard.Add(dx.Zip(dy).Count(p => p.First && p.Second) / (double)union);
                    double mx = x.Average(), my = y.Average();
                    var sxx = x.Sum(v => (v - mx) * (v - mx));
                    var syy = y.Sum(v => (v - my) * (v - my));
                    if (sxx > 0 && syy > 0) correlation.Add(x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my)) / Math.Sqrt(sxx * syy));
                }
            }
        }
        Assert.Equal(agreement.Count, r.Pairs);
        Assert.Equal(agreement.Average(), r.MeanAgreement, 12);
        Assert.Equal(jaccard.Average(), r.MeanJaccard, 12);
        Assert.Equal(agreement.Count - jaccard.Count, r.PairsBothEmpty);
        Assert.Equal(correlation.Average(), r.MeanCorrelation, 12);
    }

    private static string Table(string folder, params string[] lines)
    {
        var path = Path.Combine(folder, "p.tsv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void TableSkipsCommentsAndTrimsFields()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var table = ParaphraseTable.Read(Table(temp, "# header", "", "glass breaking\t a glass shattering \tthe sound of breaking glass\tglass smashes", "dog\tdog barks\ta dog barking"));
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal(["a glass shattering", "the sound of breaking glass", "glass smashes"], table.Rows[0].Phrasings);
        Assert.Equal(3, table.Rows[0].Line);
        Assert.Equal(4, table.Find("dog")!.Line);
        Assert.Null(table.Find("Dog"));
    }

    [Theory]
    [InlineData("dog\tdog barks", ":2: 'dog' has 1 phrasing(s); at least two are needed")]
    [InlineData("dog", ":2: 'dog' has 0 phrasing(s)")]
    [InlineData("\tdog barks\ta dog", ":2: empty field")]
    [InlineData("dog\tdog barks\t\ta dog", ":2: empty field")]
    [InlineData("cat\tcat meows\ta cat\ncat\tx\ty", ":3: 'cat' is already listed on line 2")]
    public void BadRowsNameFileAndLine(string rows, string message)
    {
        using var temp = FixturePaths.NewTempDirectory();
        var path = Table(temp, ["# comment", .. rows.Split('\n')]);
        var e = Assert.Throws<FlamException>(() => ParaphraseTable.Read(path));
        Assert.Contains(path + message, e.Message);
    }

    [Fact]
    public void EmptyMissingAndNonUtf8TablesAreRejected()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var empty = Table(temp, "# only a comment");
        Assert.Contains("has no rows", Assert.Throws<FlamException>(() => ParaphraseTable.Read(empty)).Message);
        var missing = Path.Combine(temp, "none.tsv");
        Assert.Contains("does not exist", Assert.Throws<FlamException>(() => ParaphraseTable.Read(missing)).Message);
        var latin1 = Path.Combine(temp, "l.tsv");
        File.WriteAllBytes(latin1, [(byte)'c', 0xE9, (byte)'\t', (byte)'a', (byte)'\t', (byte)'b']);
        Assert.Contains("not valid UTF-8", Assert.Throws<FlamException>(() => ParaphraseTable.Read(latin1)).Message);
    }

    [Fact]
    public void CaptionsOfLabelledClipsFindTheLabelsRow()
    {
        using var temp = FixturePaths.NewTempDirectory();
        var table = ParaphraseTable.Read(Table(temp, "glass breaking\ta glass shattering\tglass smashes", "bell\ta bell rings\ta chime",
            "a bell ringing\tbells\tringing"));
        var meta = Path.Combine(temp, "meta.jsonl");
        File.WriteAllLines(meta,
        [
            "{\"label\": \"glass breaking\", \"captions\": [\"glass shattering\", \"the shards\"]}",
            "{\"label\": \"bell\", \"captions\": [\"a bell ringing\", \"the shards\"]}",
            "",
            "{\"label\": \"no row\", \"captions\": [\"silence\"]}",
        ]);
        var aliased = table.WithCaptionAliases([meta]);
        Assert.Equal("glass breaking", aliased.Find("glass shattering")!.Text);
        // A caption with a row of its own keeps it; a caption of two labelled rows is ambiguous; labels without a row add nothing.
        Assert.Equal("a bell ringing", aliased.Find("a bell ringing")!.Text);
        Assert.Null(aliased.Find("the shards"));
        Assert.Equal(["the shards"], aliased.AmbiguousCaptions);
        Assert.Null(aliased.Find("silence"));
        Assert.Equal(1, aliased.AliasCount);
        Assert.Null(table.Find("glass shattering"));

        File.AppendAllLines(meta, ["{\"label\": \"bell\", \"captions\": \"not a list\"}"]);
        Assert.Contains(meta + ":5: expected an object", Assert.Throws<FlamException>(() => table.WithCaptionAliases([meta])).Message);
        File.WriteAllLines(meta, ["{broken"]);
        Assert.Contains(meta + ":1: not valid JSON", Assert.Throws<FlamException>(() => table.WithCaptionAliases([meta])).Message);
        Assert.Contains("does not exist", Assert.Throws<FlamException>(() => table.WithCaptionAliases([meta + ".missing"])).Message);
    }

    [Fact]
    public void ShippedCorpusTableIsWellFormed()
    {
        var path = Path.Combine(FixturePaths.RepositoryRoot, "data", "corpus", "paraphrases.tsv");
        var table = ParaphraseTable.Read(path);
        // 96 held-out test labels + 61 unseen labels of the corpus splits.
        Assert.Equal(157, table.Rows.Count);
        static string Words(string s) => string.Join(' ', s.ToLowerInvariant().Split(' ').Where(w => w is not ("a" or "an" or "the")));
        foreach (var row in table.Rows)
        {
            Assert.True(row.Phrasings.Count == 3, $"line {row.Line}: {row.Phrasings.Count} phrasings");
            // Wording differs from the label and between phrasings, not only in articles.
            Assert.True(row.Phrasings.Select(Words).Append(Words(row.Text)).Distinct().Count() == 4, $"line {row.Line}: '{row.Text}' repeats a wording");
        }
        var vague = File.ReadLines(path).Single(l => l.StartsWith("# so their agreement", StringComparison.Ordinal)).Split(':')[1].Split(',').Select(v => v.Trim());
        Assert.All(vague, v => Assert.NotNull(table.Find(v)));
    }
}
