using Flam.Audio;
using Flam.Evaluation;
using Flam.IO;
using Flam.Model;
using Flam.Runtime;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>
/// A held-out set of SED clips (first clip window of each) with frame labels for every description in the set,
/// decoded once. Its score is the mean over descriptions of the frame AUROC of the frame logits α·⟨a, e⟩ + β over all
/// (clip, frame) pairs — each clip is negative for the descriptions it does not contain.
/// </summary>
public sealed class ValidationSet
{
    private readonly float[][] _waveforms;
    private readonly IReadOnlyList<string> _texts;
    private readonly bool[,,] _labels; // [clip, text, frame]

    private ValidationSet(float[][] waveforms, IReadOnlyList<string> texts, bool[,,] labels)
    {
        (_waveforms, _texts, _labels) = (waveforms, texts, labels);
    }

    /// <summary>Clips in the set.</summary>
    public int ClipCount => _waveforms.Length;

    /// <summary>Distinct descriptions in the set.</summary>
    public int TextCount => _texts.Count;

    /// <summary>Reads a manifest; only clips with events are used.</summary>
    public static ValidationSet Read(string manifestPath, int clipSamples, SedBatchOptions options, bool skipMissing)
    {
        var file = Manifest.Read(manifestPath, skipMissing ? MissingAudioPolicy.Skip : MissingAudioPolicy.Fail);
        var entries = file.Entries.Where(e => e.Events is { Count: > 0 }).ToList();
        if (entries.Count == 0)
        {
            throw new FlamException($"Validation manifest '{manifestPath}' has no clips with events.");
        }
        double windowSeconds = (double)clipSamples / AudioFile.FlamSampleRate;
        var events = entries.Select(e => SedBatchBuilder.EventsInWindow(e.Events!, 0, windowSeconds)).ToList();
        var texts = events.SelectMany(list => list.Select(ev => SedBatchBuilder.NormalizeText(ev.Text))).Distinct(StringComparer.Ordinal).ToList();
        var index = texts.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
        var labels = new bool[entries.Count, texts.Count, options.Frames];
        var waveforms = new float[entries.Count][];
        Parallel.For(0, entries.Count, i =>
        {
            var samples = AudioFile.Load(file.AudioPath(entries[i]), AudioFile.FlamSampleRate);
            var w = new float[clipSamples];
            Array.Copy(samples, w, Math.Min(samples.Length, clipSamples));
            waveforms[i] = w;
            var normalized = events[i].Select(ev => ev with { Text = SedBatchBuilder.NormalizeText(ev.Text) });
            foreach (var (text, frames) in Synthesis.FrameLabels.FromEvents(normalized, windowSeconds, options.Frames, options.MinFrameCoverage))
            {
                for (int f = 0; f < frames.Length; f++) labels[i, index[text], f] = frames[f];
            }
        });
        return new ValidationSet(waveforms, texts, labels);
    }

    /// <summary>
    /// Mean frame AUROC over descriptions that have positive and negative frames, and the false-alarm rate: the fraction
    /// of frames whose calibrated output exceeds ½ (unbiased logit α·⟨a,e⟩ &gt; 0) for descriptions absent from the
    /// whole clip (the model is left in eval mode).
    /// </summary>
    public ValidationScores Evaluate(FlamModel model, ITrainingTextEncoder textEncoder, Device device, int batchSize)
    {
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var text = textEncoder.Encode(model, _texts);
        var scale = (text.LogitScale * model.AedLogitScaleExp).to(ScalarType.Float32);
        int frames = _labels.GetLength(2);
        var logits = new float[_waveforms.Length][];
        long absentFrames = 0, falseAlarms = 0;
        for (int start = 0; start < _waveforms.Length; start += batchSize)
        {
            using var inner = NewDisposeScope();
            int n = Math.Min(batchSize, _waveforms.Length - start);
            var flat = new float[(long)n * _waveforms[0].Length];
            for (int i = 0; i < n; i++) _waveforms[start + i].CopyTo(flat, (long)i * _waveforms[0].Length);
            var audio = model.EncodeAudio(tensor(flat, [n, _waveforms[0].Length]).to(device));
            // [n, T, d] x [d, K] -> [n, K, T]
            var unbiased = audio.Local.matmul(text.Features.t()) * scale;
            var l = unbiased.add(text.LogitBias, TorchScalars.One).transpose(1, 2).contiguous().cpu();
            var decisions = unbiased.transpose(1, 2).contiguous().cpu();
            for (int i = 0; i < n; i++)
            {
                logits[start + i] = l[i].data<float>().ToArray();
                var z = decisions[i].data<float>().ToArray();
                for (int j = 0; j < _texts.Count; j++)
                {
                    if (Enumerable.Range(0, frames).Any(f => _labels[start + i, j, f])) continue;
                    absentFrames += frames;
                    for (int f = 0; f < frames; f++) falseAlarms += z[j * frames + f] > 0 ? 1 : 0;
                }
            }
        }
        double sum = 0;
        int counted = 0;
        for (int j = 0; j < _texts.Count; j++)
        {
            var positives = new List<double>();
            var negatives = new List<double>();
            for (int i = 0; i < logits.Length; i++)
            {
                for (int f = 0; f < frames; f++)
                {
                    (_labels[i, j, f] ? positives : negatives).Add(logits[i][j * frames + f]);
                }
            }
            if (positives.Count == 0 || negatives.Count == 0) continue;
            sum += RocCurve.FromScores(positives.ToArray(), negatives.ToArray()).Area();
            counted++;
        }
        return new ValidationScores(counted == 0 ? double.NaN : sum / counted, absentFrames == 0 ? double.NaN : (double)falseAlarms / absentFrames);
    }
}

/// <summary>What a validation pass measured.</summary>
/// <param name="FrameAuroc">Mean frame AUROC over descriptions (of the biased logits; the ranking is the same for the calibrated output per description).</param>
/// <param name="AbsentFalseAlarms">Fraction of frames above ½ for descriptions absent from their clip.</param>
public sealed record ValidationScores(double FrameAuroc, double AbsentFalseAlarms);
