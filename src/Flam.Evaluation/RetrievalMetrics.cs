namespace Flam.Evaluation;

/// <summary>Retrieval quality of a similarity matrix.</summary>
/// <param name="RecallAt1">Fraction of queries with a relevant item at rank 1.</param>
/// <param name="RecallAt5">... within the first 5.</param>
/// <param name="RecallAt10">... within the first 10.</param>
/// <param name="MeanAveragePrecisionAt10">Mean over queries of AP@10 = (1 / #relevant) Σ over relevant items at rank k ≤ 10 of precision@k.</param>
/// <param name="MeanRank">Mean rank (1-based) of the best-ranked relevant item.</param>
/// <param name="MedianRank">Median of that rank.</param>
public sealed record RetrievalResult(double RecallAt1, double RecallAt5, double RecallAt10, double MeanAveragePrecisionAt10, double MeanRank, double MedianRank);

/// <summary>
/// Text→audio and audio→text retrieval metrics (CLAP-style evaluation as in the FLAM paper, Table 2). The rank of
/// an item for a query is 1 + the number of items with a strictly higher similarity (ties are resolved in the
/// item's favour, so the result does not depend on sort order).
/// </summary>
public static class RetrievalMetrics
{
    /// <summary>
    /// Metrics for queries (rows of <paramref name="similarity"/>, row-major <paramref name="rows"/> x columns) where
    /// <paramref name="relevant"/>[q] lists the relevant columns of query q (at least one).
    /// </summary>
    public static RetrievalResult Compute(double[] similarity, int rows, IReadOnlyList<IReadOnlyList<int>> relevant)
    {
        if (rows <= 0 || similarity.Length % rows != 0 || relevant.Count != rows)
        {
            throw new ArgumentException("Similarity matrix shape and relevance lists do not match.");
        }
        var cols = similarity.Length / rows;
        var best = new double[rows];
        double r1 = 0, r5 = 0, r10 = 0, map = 0;
        for (var q = 0; q < rows; q++)
        {
            if (relevant[q].Count == 0) throw new FlamException($"Query {q} has no relevant item.");
            var offset = q * cols;
            var ranks = relevant[q].Select(item => Rank(similarity.AsSpan(offset, cols), item)).Order().ToArray();
            best[q] = ranks[0];
            r1 += ranks[0] <= 1 ? 1 : 0;
            r5 += ranks[0] <= 5 ? 1 : 0;
            r10 += ranks[0] <= 10 ? 1 : 0;
            var ap = 0.0;
            for (var i = 0; i < ranks.Length && ranks[i] <= 10; i++)
            {
                ap += (i + 1) / (double)ranks[i];   // precision at the rank of the (i+1)-th relevant item
            }
            map += ap / ranks.Length;
        }
        var sorted = best.Order().ToArray();
        var median = rows % 2 == 1 ? sorted[rows / 2] : (sorted[rows / 2 - 1] + sorted[rows / 2]) / 2;
        return new RetrievalResult(r1 / rows, r5 / rows, r10 / rows, map / rows, best.Average(), median);
    }

    /// <summary>
    /// Both directions from an audio x text similarity matrix where text j describes audio <paramref name="audioOfText"/>[j].
    /// </summary>
    public static (RetrievalResult TextToAudio, RetrievalResult AudioToText) Bidirectional(double[] audioByText, int audios, int[] audioOfText)
    {
        var texts = audioOfText.Length;
        if (audioByText.Length != audios * texts) throw new ArgumentException("Similarity matrix shape does not match.");
        var transposed = new double[texts * audios];
        for (var a = 0; a < audios; a++)
        {
            for (var t = 0; t < texts; t++) transposed[t * audios + a] = audioByText[a * texts + t];
        }
        var t2a = Compute(transposed, texts, [.. audioOfText.Select(a => (IReadOnlyList<int>)[a])]);
        var textsOf = Enumerable.Range(0, audios).Select(a => (IReadOnlyList<int>)Enumerable.Range(0, texts).Where(t => audioOfText[t] == a).ToList()).ToList();
        var a2t = Compute(audioByText, audios, textsOf);
        return (t2a, a2t);
    }

    private static int Rank(ReadOnlySpan<double> row, int item)
    {
        var rank = 1;
        foreach (var v in row)
        {
            if (v > row[item]) rank++;
        }
        return rank;
    }
}

/// <summary>Zero-shot classification accuracy (FLAM paper, Table 3): class names as text queries.</summary>
public static class ZeroShotMetrics
{
    /// <summary>
    /// Top-k accuracy for each k: a clip counts when fewer than k classes score strictly higher than its true
    /// class. <paramref name="logits"/> is clips x classes, row-major.
    /// </summary>
    public static double[] TopKAccuracy(double[] logits, int classes, int[] trueClass, params int[] k)
    {
        var clips = trueClass.Length;
        if (logits.Length != clips * classes) throw new ArgumentException("Logit matrix shape does not match the labels.");
        var hits = new double[k.Length];
        for (var c = 0; c < clips; c++)
        {
            var row = logits.AsSpan(c * classes, classes);
            var higher = 0;
            foreach (var v in row)
            {
                if (v > row[trueClass[c]]) higher++;
            }
            for (var i = 0; i < k.Length; i++) hits[i] += higher < k[i] ? 1 : 0;
        }
        return [.. hits.Select(h => h / clips)];
    }

    /// <summary>
    /// Mean top-1 accuracy of <paramref name="ways"/>-way episodes: each episode draws that many of the classes that
    /// have clips and classifies those classes' clips among them only (ties count as in <see cref="TopKAccuracy"/>).
    /// Plain top-1 depends on how many classes a set has (1 % chance among 94, 9 % among 11); episodes make sets of
    /// different sizes comparable. With <paramref name="ways"/> at least the number of classes with clips, this is
    /// top-1 among those classes. Deterministic for a <paramref name="seed"/>.
    /// </summary>
    public static double EpisodeTop1(double[] logits, int classes, int[] trueClass, int ways, int episodes = 1000, int seed = 0)
    {
        if (logits.Length != trueClass.Length * classes) throw new ArgumentException("Logit matrix shape does not match the labels.");
        if (ways < 2) throw new ArgumentException($"Episodes need at least 2 ways, got {ways}.");
        if (episodes < 1) throw new ArgumentException($"Episodes must be at least 1, got {episodes}.");
        var clipsOf = Enumerable.Range(0, trueClass.Length).GroupBy(c => trueClass[c]).ToDictionary(g => g.Key, g => g.ToArray());
        int[] present = [.. clipsOf.Keys.Order()];
        if (present.Length < 2) throw new ArgumentException("Episodes need clips of at least 2 classes.");
        if (ways >= present.Length) episodes = 1;
        int n = Math.Min(ways, present.Length);
        var random = new Random(seed);
        double sum = 0;
        for (var e = 0; e < episodes; e++)
        {
            // Partial Fisher–Yates: the first n entries are the episode's classes.
            for (var i = 0; i < n; i++)
            {
                var j = random.Next(i, present.Length);
                (present[i], present[j]) = (present[j], present[i]);
            }
            var chosen = present.AsSpan(0, n);
            int correct = 0, total = 0;
            foreach (var k in chosen)
            {
                foreach (var c in clipsOf[k])
                {
                    var row = logits.AsSpan(c * classes, classes);
                    var beaten = false;
                    foreach (var other in chosen)
                    {
                        if (row[other] > row[k]) { beaten = true; break; }
                    }
                    correct += beaten ? 0 : 1;
                    total++;
                }
            }
            sum += (double)correct / total;
        }
        return sum / episodes;
    }
}
