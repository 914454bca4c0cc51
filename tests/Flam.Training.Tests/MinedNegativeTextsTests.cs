using Flam.Inference;
using Flam.IO;
using Flam.Model;
using Flam.Model.Checkpoints;
using Flam.Training;
using TorchSharp;

namespace Flam.Tests.Training;

[Collection(TorchCollection.Name)]
public class MinedNegativeTextsTests
{
    // Sentence-space stand-ins: "dogs barking" is a paraphrase of "dog barking" (cosine 0.98, above the cap).
    private static readonly Dictionary<string, float[]> Sentences = new()
    {
        ["dog barking"] = [1f, 0f, 0f],
        ["dogs barking"] = [0.98f, 0.2f, 0f],
        ["glass breaking"] = [0f, 1f, 0f],
        ["rain"] = [0f, 0.6f, 0.8f],
        ["siren"] = [0f, 0f, 1f],
    };

    // Joint-space text features (d = 2), one per text in the miner's order, with α and β per text.
    private static readonly Dictionary<string, (float[] Feature, float Scale, float Bias)> Heads = new()
    {
        ["dog barking"] = ([1f, 0f], 8f, -2f),
        ["dogs barking"] = ([0.9f, 0.1f], 8f, -2f),
        ["glass breaking"] = ([0.8f, 0.6f], 6f, -1f),
        ["rain"] = ([0f, 1f], 5f, -3f),
        ["siren"] = ([-1f, 0f], 9f, -1f),
    };

    private static MinedNegativeTexts Miner()
    {
        var texts = Sentences.Keys.Order(StringComparer.Ordinal).ToArray();
        using var embeddings = torch.tensor(texts.SelectMany(t => Sentences[t]).ToArray(), [texts.Length, 3]);
        return new MinedNegativeTexts(texts, embeddings);
    }

    private static TextFeatures HeadsOf(IReadOnlyList<string> texts) => new(
        torch.zeros(texts.Count, 3),
        torch.tensor(texts.SelectMany(t => Heads[t].Feature).ToArray(), [texts.Count, 2]),
        torch.tensor(texts.Select(t => Heads[t].Bias).ToArray()),
        torch.tensor(texts.Select(t => Heads[t].Scale).ToArray()));

    [Fact]
    public void Mines_each_clips_highest_scoring_texts_without_the_batchs_texts_or_their_paraphrases()
    {
        using var miner = Miner();
        using var heads = HeadsOf(miner.Texts);
        using var one = torch.ones(1);
        // Clip 0: frames toward "dog barking" (present), then between "glass breaking" and "rain"; clip 1: toward "siren".
        float[][][] frames = [[[1f, 0f], [0.7f, 0.7f]], [[-1f, 0.1f], [-1f, 0f]]];
        using var local = torch.tensor(frames.SelectMany(c => c.SelectMany(f => f)).ToArray(), [2, 2, 2]);

        var mined = miner.Mine(local, heads, one, new HashSet<string> { "dog barking" }, 10);

        // Naive twin: each clip's peak calibrated probability per text, best first, clip by clip in turn.
        static float Cosine(float[] a, float[] b) => ((a[0] * b[0]) + (a[1] * b[1])) / MathF.Sqrt(((a[0] * a[0]) + (a[1] * a[1])) * ((b[0] * b[0]) + (b[1] * b[1])));
        var allowed = new[] { "glass breaking", "rain", "siren" }; // "dogs barking" is a paraphrase of the present text
        var perClip = frames.Select(clip => allowed
            .OrderByDescending(t => clip.Max(f => FrameMaps.UnbiasedFromCosine(Cosine(f, Heads[t].Feature), Heads[t].Scale, Heads[t].Bias)))
            .ToArray()).ToArray();
        var expected = new List<string>();
        for (int rank = 0; rank < allowed.Length; rank++)
        {
            foreach (var order in perClip)
            {
                if (!expected.Contains(order[rank])) expected.Add(order[rank]);
            }
        }
        Assert.Equal(expected, mined);
        Assert.Equal(["rain", "siren"], mined.Take(2)); // each clip's worst confusion first
        Assert.Equal(expected.Take(2), miner.Mine(local, heads, one, new HashSet<string> { "dog barking" }, 2));
        // A present text outside the vocabulary only excludes itself.
        Assert.Contains("dog barking", miner.Mine(local, heads, one, new HashSet<string> { "a cat meowing" }, 10));
    }

    [Fact]
    public void A_vocabulary_scored_block_by_block_mines_what_a_loop_over_every_text_and_frame_finds()
    {
        // Random vocabulary, heads and frames; 3 clips of 4 frames, 40 texts scored 7 at a time.
        const int Texts = 40, Clips = 3, Frames = 4, D = 6, H = 16;
        var random = new Random(11);
        float[] Draw(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        var texts = Enumerable.Range(0, Texts).Select(i => $"sound {i:D2}").ToArray();
        float[] sentences = Draw(Texts * H), features = Draw(Texts * D), frames = Draw(Clips * Frames * D);
        float[] scales = [.. Draw(Texts).Select(v => 4 + (4 * v))], biases = [.. Draw(Texts).Select(v => -2 + (2 * v))];
        using var embeddings = torch.tensor(sentences, [Texts, H]);
        using var miner = new MinedNegativeTexts(texts, embeddings, NegativeTextSampler.DefaultMaxSimilarity, 7);
        using var heads = new TextFeatures(embeddings.alias(), torch.tensor(features, [Texts, D]), torch.tensor(biases), torch.tensor(scales));
        using var local = torch.tensor(frames, [Clips, Frames, D]);
        using var aed = torch.tensor(1.5f);
        var present = new HashSet<string> { "sound 03", "sound 17" };

        var mined = miner.Mine(local, heads, aed, present, 25);

        static float Cosine(float[] a, int i, float[] b, int j, int d)
        {
            float dot = 0, na = 0, nb = 0;
            for (int k = 0; k < d; k++)
            {
                dot += a[(i * d) + k] * b[(j * d) + k];
                na += a[(i * d) + k] * a[(i * d) + k];
                nb += b[(j * d) + k] * b[(j * d) + k];
            }
            return dot / MathF.Sqrt(na * nb);
        }
        var allowed = Enumerable.Range(0, Texts).Where(v => !present.Contains(texts[v])
            && present.All(p => Cosine(sentences, v, sentences, Array.IndexOf(texts, p), H) <= NegativeTextSampler.DefaultMaxSimilarity)).ToList();
        var orders = Enumerable.Range(0, Clips).Select(c => allowed
            .OrderByDescending(v => Enumerable.Range(0, Frames).Max(f => FrameMaps.UnbiasedFromCosine(Cosine(frames, (c * Frames) + f, features, v, D), scales[v] * 1.5f, biases[v])))
            .ThenBy(v => v).ToArray()).ToArray();
        var expected = new List<string>();
        for (int rank = 0; expected.Count < 25 && rank < allowed.Count; rank++)
        {
            foreach (var order in orders)
            {
                if (expected.Count < 25 && !expected.Contains(texts[order[rank]])) expected.Add(texts[order[rank]]);
            }
        }
        Assert.Equal(expected, mined);
    }

    [Fact]
    public void Rank_takes_every_clips_best_in_turn_and_never_repeats_a_text()
    {
        float[] scores =
        [
            0.9f, 0.1f, 0.8f, 0.5f,
            0.9f, 0.7f, 0.2f, 0.6f,
        ];
        Assert.Equal([0, 2, 1, 3], MinedNegativeTexts.Rank(scores, 2, 4, [false, false, false, false], 10));
        Assert.Equal([2, 1, 3], MinedNegativeTexts.Rank(scores, 2, 4, [true, false, false, false], 10));
        Assert.Equal([0, 2], MinedNegativeTexts.Rank(scores, 2, 4, [false, false, false, false], 2));
        Assert.Empty(MinedNegativeTexts.Rank(scores, 2, 4, [true, true, true, true], 3));
    }

    [Fact]
    public void A_batch_takes_its_mined_share_of_the_negative_texts_first_and_draws_the_rest()
    {
        using var scope = torch.NewDisposeScope();
        var clips = new IReadOnlyList<ManifestEvent>?[] { [new("Dog barking", 0, 5)], [new("rain", 1, 2)] };
        var sampler = new NegativeTextSampler(Sentences.Keys.Append("car horn").Append("thunder"));
        var options = new SedBatchOptions(TextSlotsPerClip: 4, Frames: 8, NegativeTextsPerClip: 2, MinedNegativeFraction: 0.5);
        // Four negative texts: two mined (a text of the batch is skipped, case does not matter), two drawn.
        using var batch = SedBatchBuilder.Build(clips, 2, options, sampler, 7, ["RAIN", "Glass breaking", "siren", "thunder"]);
        Assert.Equal(["dog barking", "rain", "glass breaking", "siren"], batch.Texts.Take(4));
        var drawn = batch.Texts.Skip(4).Take(batch.TextCount - 4).ToList();
        Assert.Equal(2, drawn.Count);
        Assert.All(drawn, t => Assert.DoesNotContain(t, new[] { "dog barking", "rain", "glass breaking", "siren" }));
        Assert.Equal(0f, batch.Labels.narrow(1, 2, batch.TextCount - 2).sum().item<float>());
        // Without mined texts the draw is the plain one.
        using var plain = SedBatchBuilder.Build(clips, 2, options with { MinedNegativeFraction = 0 }, sampler, 7);
        using var none = SedBatchBuilder.Build(clips, 2, options, sampler, 7, []);
        Assert.Equal(plain.Texts, none.Texts);

        Assert.Throws<ArgumentException>(() => (options with { MinedNegativeFraction = 1.2 }).Validate());
        Assert.Throws<ArgumentException>(() => (options with { HardNegativeFraction = 0.6, MinedNegativeFraction = 0.5 }).Validate());
        Assert.Throws<ArgumentException>(() => (options with { NegativeTextsPerClip = 0 }).Validate());
    }
}

[Collection(TrainingCollection.Name)]
public class MinedNegativeTrainingTests
{
    private static readonly string[] Labels =
        ["a dog barking", "rain on a roof", "glass breaking", "a siren", "a door knock", "footsteps", "a car horn", "thunder", "keys jingling", "a baby crying", "applause", "a whistle"];

    [Fact]
    public void Training_with_mined_negatives_resumes_and_learns_otherwise_than_without()
    {
        using var root = FixturePaths.NewTempDirectory();
        // Twelve clips, each with its own sound name, so the vocabulary leaves room to choose negatives.
        var manifest = SyntheticSet.Write(Path.Combine(root, "data"), clips: 12, seed: 7);
        var lines = File.ReadAllLines(manifest).Select((line, c) =>
        {
            var entry = Manifest.ParseLine(manifest, c + 1, line);
            return Manifest.Format(entry with { Events = [.. entry.Events!.Select(e => e with { Text = Labels[c] })] });
        });
        File.WriteAllLines(manifest, lines);
        TrainingOptions Options(string name, double mined) => TrainerTests.Options(manifest, Path.Combine(root, name), 4) with
        {
            TextTower = "minilm",
            NonsenseTextFraction = 0,
            Batches = new SedBatchOptions(NegativeTextsPerClip: 1, MinedNegativeFraction: mined),
        };
        TrainingSummary Train(TrainingOptions options, TextWriter? progress = null) =>
            new Trainer(options, progress ?? TextWriter.Null).Run(new FrozenTowerTextEncoder());

        var progress = new StringWriter();
        Train(Options("straight", 1), progress);
        Assert.Contains("Mined negatives: 100 %", progress.ToString());
        Train(Options("resumed", 1) with { StopAfter = 2 });
        Assert.Equal(4, Train(Options("resumed", 1) with { Resume = true }).Steps);
        Train(Options("random", 0));

        using var scope = torch.NewDisposeScope();
        var straight = SafeTensors.Load(Path.Combine(root, "straight", FlamModel.WeightsFileName));
        var resumed = SafeTensors.Load(Path.Combine(root, "resumed", FlamModel.WeightsFileName));
        var random = SafeTensors.Load(Path.Combine(root, "random", FlamModel.WeightsFileName));
        // Multi-threaded MKL sums may differ in the last bits from run to run once frozen-tower texts are in play
        // (docs/training.md, "Mined negatives"), so a resume is compared with a tolerance far below what mining changes.
        static double Largest(Dictionary<string, torch.Tensor> a, Dictionary<string, torch.Tensor> b) =>
            a.Max(p => (p.Value.to(torch.float64) - b[p.Key].to(torch.float64)).abs().max().item<double>());
        Assert.InRange(Largest(straight, resumed), 0, 1e-5);
        Assert.True(Largest(straight, random) > 1e-3, $"mined and random negatives trained the same weights (largest difference {Largest(straight, random)})");
    }
}
