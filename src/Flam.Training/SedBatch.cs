using Flam.IO;
using Flam.Synthesis;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>How SED batches are laid out.</summary>
/// <param name="TextSlotsPerClip">K = this · B text slots per batch (official 5).</param>
/// <param name="Frames">Label frames per clip window, T (32 per 10 s).</param>
/// <param name="ClipSeconds">Length of the clip window the frames cover (10 s).</param>
/// <param name="MinFrameCoverage">A frame is positive for a text when that text's events cover at least this fraction of it (½).</param>
/// <param name="NegativeTextsPerClip">
/// Up to this · B free text slots are filled with texts of the training vocabulary that occur in no clip of the batch,
/// all frames negative (0 = off: the official batches leave free slots masked). Only exact (normalised) matches are
/// excluded, so a sampled text may describe a sound present under other words.
/// </param>
/// <param name="HardNegativeFraction">
/// The part of those negative texts that are hard negatives: the vocabulary texts nearest the batch's own texts in
/// sentence space, below a paraphrase cap (<see cref="NegativeTextSampler.WithNeighbours"/>); the rest are drawn at random.
/// </param>
/// <param name="MinedNegativeFraction">
/// The part of those negative texts that are mined by the model being trained: the vocabulary texts it scores highest
/// on the batch's clips, paraphrases of the batch's texts left out (<see cref="MinedNegativeTexts"/>). With
/// <see cref="HardNegativeFraction"/> at most 1 in all.
/// </param>
public sealed record SedBatchOptions(int TextSlotsPerClip = 5, int Frames = 32, double ClipSeconds = 10, double MinFrameCoverage = 0.5,
    int NegativeTextsPerClip = 0, double HardNegativeFraction = 0, double MinedNegativeFraction = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> for non-positive sizes or a coverage outside (0, 1].</summary>
    public void Validate()
    {
        if (TextSlotsPerClip <= 0) throw new ArgumentException($"Text slots per clip must be positive, got {TextSlotsPerClip}.");
        if (Frames <= 0) throw new ArgumentException($"Frames per clip must be positive, got {Frames}.");
        if (!(ClipSeconds > 0)) throw new ArgumentException($"Clip length must be positive, got {ClipSeconds} s.");
        if (!(MinFrameCoverage > 0 && MinFrameCoverage <= 1)) throw new ArgumentException($"Minimum frame coverage must be in (0, 1], got {MinFrameCoverage}.");
        if (NegativeTextsPerClip < 0) throw new ArgumentException($"Negative texts per clip must be 0 or more, got {NegativeTextsPerClip}.");
        if (!(HardNegativeFraction >= 0 && HardNegativeFraction <= 1)) throw new ArgumentException($"The hard negative fraction must be in [0, 1], got {HardNegativeFraction}.");
        if (HardNegativeFraction > 0 && NegativeTextsPerClip == 0) throw new ArgumentException("Hard negatives need negative texts per clip (> 0).");
        if (!(MinedNegativeFraction >= 0 && MinedNegativeFraction <= 1)) throw new ArgumentException($"The mined negative fraction must be in [0, 1], got {MinedNegativeFraction}.");
        if (MinedNegativeFraction > 0 && NegativeTextsPerClip == 0) throw new ArgumentException("Mined negatives need negative texts per clip (> 0).");
        if (HardNegativeFraction + MinedNegativeFraction > 1)
        {
            throw new ArgumentException($"Hard and mined negatives are parts of the negative texts: {HardNegativeFraction} + {MinedNegativeFraction} is more than 1.");
        }
    }
}

/// <summary>
/// One SED batch: B clip slots and K text slots. <see cref="Texts"/> is the union of the included clips' event
/// descriptions (lower-cased, deduplicated, in order of first appearance), padded with empty strings;
/// <see cref="Labels"/> [B, K, T] is 1 where a clip's event of that text covers a frame, 0 elsewhere — every clip is
/// negative for every union text that is not its own.
/// </summary>
/// <param name="Texts">K texts; slots past <see cref="TextCount"/> are padding ("").</param>
/// <param name="TextCount">Number of real texts.</param>
/// <param name="TextMask">[K] 1 for real texts.</param>
/// <param name="AudioMask">[B] 1 for clips in the batch, 0 for padding slots and dropped clips.</param>
/// <param name="Labels">[B, K, T] binary frame labels.</param>
/// <param name="DroppedClips">Indices of clips left out because their new texts did not fit into the K slots.</param>
public sealed record SedBatch(IReadOnlyList<string> Texts, int TextCount, Tensor TextMask, Tensor AudioMask, Tensor Labels, IReadOnlyList<int> DroppedClips) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        TextMask.Dispose();
        AudioMask.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Builds <see cref="SedBatch"/>es from clips' event lists (the paper's SED batches, method.md "Batches").</summary>
public static class SedBatchBuilder
{
    /// <summary>The form under which descriptions are compared and used: trimmed and lower-cased (the official texts are lower-cased).</summary>
    public static string NormalizeText(string text) => text.Trim().ToLowerInvariant();

    /// <summary>
    /// Lays out <paramref name="clips"/> (events relative to each clip window; null = no clip in that slot) into
    /// <paramref name="batchSize"/> slots (≥ clips.Count; extra slots are masked, as for a short final batch).
    /// A clip whose new descriptions do not fit into the remaining text slots is dropped (masked, no labels) and
    /// listed in <see cref="SedBatch.DroppedClips"/>. With <paramref name="negatives"/> and
    /// <see cref="SedBatchOptions.NegativeTextsPerClip"/> &gt; 0, free slots after the clips' texts get negative texts:
    /// first <see cref="SedBatchOptions.MinedNegativeFraction"/> of them from <paramref name="mined"/> (in its order,
    /// texts of the batch skipped), then hard and random ones drawn from <paramref name="negatives"/>.
    /// </summary>
    /// <param name="clips">Each clip's events, or null.</param>
    /// <param name="batchSize">Clip slots B.</param>
    /// <param name="options">Layout.</param>
    /// <param name="negatives">The vocabulary negative texts are drawn from, or null for none.</param>
    /// <param name="negativeKey">Chooses the draw (the same key draws the same texts).</param>
    /// <param name="mined">Negative texts mined by the model, best first (<see cref="MinedNegativeTexts.Mine"/>), or null.</param>
    public static SedBatch Build(IReadOnlyList<IReadOnlyList<ManifestEvent>?> clips, int batchSize, SedBatchOptions options,
        NegativeTextSampler? negatives = null, ulong negativeKey = 0, IReadOnlyList<string>? mined = null)
    {
        options.Validate();
        if (batchSize < clips.Count || batchSize <= 0)
        {
            throw new ArgumentException($"Batch size {batchSize} must be positive and hold the {clips.Count} clips.");
        }
        int k = options.TextSlotsPerClip * batchSize, t = options.Frames;
        var slot = new Dictionary<string, int>(StringComparer.Ordinal);
        var texts = new List<string>();
        var audioMask = new float[batchSize];
        var labels = new float[batchSize * k * t];
        var dropped = new List<int>();
        for (int i = 0; i < clips.Count; i++)
        {
            if (clips[i] is not { } events) continue;
            var normalized = events.Select(e => e with { Text = NormalizeText(e.Text) }).ToList();
            var perText = FrameLabels.FromEvents(normalized, options.ClipSeconds, t, options.MinFrameCoverage);
            int newTexts = perText.Keys.Count(text => !slot.ContainsKey(text));
            if (texts.Count + newTexts > k)
            {
                dropped.Add(i);
                continue;
            }
            audioMask[i] = 1;
            foreach (var (text, frames) in perText)
            {
                if (!slot.TryGetValue(text, out int j))
                {
                    j = texts.Count;
                    slot[text] = j;
                    texts.Add(text);
                }
                for (int f = 0; f < t; f++)
                {
                    if (frames[f]) labels[((long)i * k + j) * t + f] = 1;
                }
            }
        }
        if (negatives is not null && options.NegativeTextsPerClip > 0)
        {
            int wanted = Math.Min(k - texts.Count, options.NegativeTextsPerClip * clips.Count(c => c is not null));
            // Their label rows stay zero: no clip of the batch has an event with that text.
            var exclude = slot.Keys.ToHashSet(StringComparer.Ordinal);
            var positives = texts.ToList();
            int minedWanted = (int)Math.Round(options.MinedNegativeFraction * wanted), minedTaken = 0;
            foreach (var text in mined ?? [])
            {
                if (minedTaken == minedWanted) break;
                if (NormalizeText(text) is { Length: > 0 } normalized && exclude.Add(normalized))
                {
                    texts.Add(normalized);
                    minedTaken++;
                }
            }
            // The hard share is of all the negative texts, so it stays the same whatever the mined ones took. Without mined
            // texts the fraction is passed as given (not as h·wanted/wanted, which can differ in the last bit and round
            // differently), so runs without mining draw exactly what they drew before mining existed.
            int rest = wanted - minedTaken;
            double hard = minedTaken == 0 ? options.HardNegativeFraction : rest == 0 ? 0 : Math.Min(1, options.HardNegativeFraction * wanted / rest);
            texts.AddRange(negatives.Sample(rest, exclude, negativeKey, positives, hard));
        }
        var textMask = new float[k];
        for (int j = 0; j < texts.Count; j++) textMask[j] = 1;
        int count = texts.Count;
        while (texts.Count < k) texts.Add("");
        return new SedBatch(texts, count, tensor(textMask), tensor(audioMask), tensor(labels, [batchSize, k, t]), dropped);
    }

    /// <summary>
    /// The events of a clip as seen through a window [<paramref name="start"/>, start + <paramref name="length"/>) s,
    /// shifted to the window's time and clipped to it; events entirely outside are left out.
    /// </summary>
    public static IReadOnlyList<ManifestEvent> EventsInWindow(IEnumerable<ManifestEvent> events, double start, double length)
    {
        var result = new List<ManifestEvent>();
        foreach (var e in events)
        {
            double on = Math.Max(0, e.Onset - start), off = Math.Min(length, e.Offset - start);
            if (off > on) result.Add(e with { Onset = on, Offset = off });
        }
        return result;
    }
}
