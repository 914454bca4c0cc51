using Flam.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>How the frame-wise loss is split into blocks.</summary>
/// <param name="TextBlockSize">Text slots per block; peak memory of the loss grows with B·TextBlockSize·T.</param>
/// <param name="ClipBlockSize">Clips per block, 0 for all clips at once.</param>
public sealed record FramewiseBlocking(int TextBlockSize = 64, int ClipBlockSize = 0)
{
    /// <summary>Throws <see cref="ArgumentException"/> for non-positive text blocks or negative clip blocks.</summary>
    public void Validate()
    {
        if (TextBlockSize <= 0) throw new ArgumentException($"Text block size must be positive, got {TextBlockSize}.");
        if (ClipBlockSize < 0) throw new ArgumentException($"Clip block size must be 0 (all clips) or positive, got {ClipBlockSize}.");
    }
}

/// <summary>
/// One block of text slots for the frame-wise loss: everything a device would pass to its neighbour in the paper's
/// ring exchange (§3.3) — normalised text embeddings [k, d], α [k], β [k] and the text mask [k] — plus the labels of
/// the local clips for these texts [B, k, T], or null for a block received from another device, whose texts are
/// negatives for every local clip.
/// </summary>
public sealed record FramewiseTextBlock(Tensor Text, Tensor LogitScale, Tensor LogitBias, Tensor TextMask, Tensor? Labels);

/// <summary>Gradients of the loss with respect to one block's text embeddings [k, d] and α [k].</summary>
public sealed record FramewiseBlockGradients(Tensor Text, Tensor LogitScale);

/// <summary>
/// Accumulates the frame-wise sigmoid loss of the local clips against blocks of texts, one block (and clip block)
/// at a time: only one B_block×k×T logit tensor and its graph are ever alive. With gradients on, each block is
/// differentiated right away on detached text and α leaves; the audio gradient is contracted from the similarity
/// gradient straight into one [B, T, d] buffer (no per-block [B, T, d] temporary) and each block's text and α
/// gradients are returned. Blocks may come from the local batch or, in a multi-device ring,
/// from a neighbour (no labels: negatives only; texts equal to one already added are skipped).
/// </summary>
public sealed class FramewiseLossAccumulator : IDisposable
{
    private readonly Tensor _audio;
    private readonly Tensor _audioMask;
    private readonly Tensor _pairCount;
    private readonly long _frames;
    private readonly int _clipBlockSize;
    private readonly List<Tensor> _embeddingsSeen = [];
    private readonly Tensor _sum;
    private Tensor? _audioGradient;

    /// <summary>
    /// Starts a loss for local clips <paramref name="localAudio"/> [B, T, d] with mask [B]. <paramref name="validPairs"/>
    /// is Σ audio_mask·text_mask over all texts that will be added (the loss divides by it and by T); in a
    /// multi-device ring it is the global count, known before the exchange. With <paramref name="withGradients"/>,
    /// <see cref="Add"/> also differentiates each block.
    /// </summary>
    public FramewiseLossAccumulator(Tensor localAudio, Tensor audioMask, Tensor validPairs, int clipBlockSize = 0, bool withGradients = false)
    {
        _audio = localAudio.detach().DetachFromDisposeScope();
        _frames = localAudio.shape[1];
        _audioMask = audioMask.to_type(localAudio.dtype).DetachFromDisposeScope();
        _pairCount = validPairs.detach().to_type(localAudio.dtype).DetachFromDisposeScope();
        _clipBlockSize = clipBlockSize <= 0 ? (int)localAudio.shape[0] : clipBlockSize;
        _sum = zeros([], localAudio.dtype, localAudio.device).DetachFromDisposeScope();
        _audioGradient = withGradients ? zeros_like(_audio).DetachFromDisposeScope() : null;
    }

    /// <summary>d loss / d local audio [B, T, d] accumulated over the blocks added so far (null without gradients).</summary>
    public Tensor? AudioGradient => _audioGradient;

    /// <summary>Hands the audio gradient buffer to the caller, who then owns (and disposes) it.</summary>
    internal Tensor TakeAudioGradient()
    {
        var gradient = _audioGradient ?? throw new InvalidOperationException("No audio gradient: the accumulator was created without gradients.");
        _audioGradient = null;
        return gradient;
    }

    /// <summary>The loss over the blocks added so far: Σ / (valid pairs · T), a scalar without graph.</summary>
    public Tensor Loss()
    {
        using var frames = _frames.ToScalar();
        return _sum / _pairCount / frames;
    }

    /// <summary>
    /// Adds one block of texts and returns its gradients (null without gradients). A received block (no labels)
    /// contributes negative-only terms, and its texts whose embedding equals one already added are skipped.
    /// </summary>
    public FramewiseBlockGradients? Add(FramewiseTextBlock block)
    {
        using var scope = NewDisposeScope();
        long b = _audio.shape[0], k = block.Text.shape[0];
        var textMask = block.TextMask.to_type(_audio.dtype);
        var labels = block.Labels;
        if (labels is null)
        {
            labels = zeros(b, k, _frames, dtype: _audio.dtype, device: _audio.device);
            textMask = textMask * DuplicateOfSeen(block.Text).logical_not().to_type(_audio.dtype);
        }
        _embeddingsSeen.Add(block.Text.detach().clone().DetachFromDisposeScope());

        bool withGradients = _audioGradient is not null;
        Tensor? textGradient = withGradients ? zeros_like(block.Text) : null;
        Tensor? scaleGradient = withGradients ? zeros_like(block.LogitScale) : null;
        var bias = block.LogitBias.detach();
        using var frames = _frames.ToScalar();
        for (long start = 0; start < b; start += _clipBlockSize)
        {
            using var inner = NewDisposeScope();
            long n = Math.Min(_clipBlockSize, b - start);
            var pairMask = FramewiseSigmoidLoss.PairMask(_audioMask.narrow(0, start, n), textMask, _audio.dtype);
            using var mode = withGradients ? enable_grad() : no_grad();
            // The audio slice stays out of the graph: autograd would hand back a fresh [n, T, d] gradient per block
            // (4 MiB at B = 64, T = 32, d = 512) only to add it to the buffer. Instead the gradient stops at the
            // similarity [n, k, T] and is contracted with the texts straight into the buffer below.
            var audio = _audio.narrow(0, start, n);
            var text = block.Text.detach().requires_grad_(withGradients);
            var scale = block.LogitScale.detach().requires_grad_(withGradients);
            var similarity = FramewiseSigmoidLoss.Similarity(audio, text);
            var blockSum = FramewiseSigmoidLoss.BlockSum(similarity, scale, bias, labels.narrow(0, start, n), pairMask);
            if (withGradients)
            {
                // Same normalisation and order of operations as the naive loss, so gradients agree to rounding.
                var blockLoss = blockSum / _pairCount / frames;
                var grads = autograd.grad([blockLoss], [similarity, text, scale]);
                using var _ = no_grad();
                // d loss/d audio[i, t, :] = Σ_j d loss/d similarity[i, j, t] · text[j, :], added in place.
                var similarityGradient = grads[0].transpose(1, 2).reshape(n * _frames, k);
                _audioGradient!.narrow(0, start, n).view(n * _frames, -1).addmm_(similarityGradient, block.Text.detach());
                textGradient!.add_(grads[1], TorchScalars.One);
                scaleGradient!.add_(grads[2], TorchScalars.One);
            }
            using (no_grad())
            {
                _sum.add_(blockSum.detach(), TorchScalars.One);
            }
        }
        if (!withGradients) return null;
        return new FramewiseBlockGradients(textGradient!.MoveToOuterDisposeScope(), scaleGradient!.MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var e in _embeddingsSeen) e.Dispose();
        _embeddingsSeen.Clear();
        _audio.Dispose();
        _audioMask.Dispose();
        _pairCount.Dispose();
        _sum.Dispose();
        _audioGradient?.Dispose();
    }

    private Tensor DuplicateOfSeen(Tensor text)
    {
        var duplicate = zeros(text.shape[0], dtype: ScalarType.Bool, device: text.device);
        foreach (var seen in _embeddingsSeen)
        {
            // [k, 1, d] == [1, m, d] -> all over d -> any over m
            var equal = text.detach().unsqueeze(1).eq(seen.unsqueeze(0)).all(dim: 2).any(dim: 1);
            duplicate = duplicate.logical_or(equal);
        }
        return duplicate;
    }
}

/// <summary>
/// Autograd function of the blocked frame-wise loss: the forward pass sums the loss block by block without a graph;
/// the backward pass recomputes each block with a graph, differentiates it and discards it, filling one gradient
/// buffer per input. Inputs: local audio, text, α, β (detached), labels, audio mask, text mask, text block size,
/// clip block size.
/// </summary>
internal sealed class BlockedFramewiseLossFunction : autograd.SingleTensorFunction<BlockedFramewiseLossFunction>
{
    public override string Name => nameof(BlockedFramewiseLossFunction);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (audio, text, scale, bias, labels, audioMask, textMask, textBlock, clipBlock) = Unpack(vars);
        ctx.save_for_backward([audio, text, scale, bias, labels, audioMask, textMask]);
        ctx.save_data("textBlock", textBlock);
        ctx.save_data("clipBlock", clipBlock);
        using var scope = NewDisposeScope();
        using var accumulator = Run(audio, text, scale, bias, labels, audioMask, textMask, textBlock, clipBlock, withGradients: false, out _, out _);
        return accumulator.Loss().MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        int textBlock = (int)ctx.get_data("textBlock")!, clipBlock = (int)ctx.get_data("clipBlock")!;
        using var scope = NewDisposeScope();
        using var accumulator = Run(saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6], textBlock, clipBlock, withGradients: true, out var textGradient, out var scaleGradient);
        // The buffer becomes the returned gradient: no second [B, T, d] copy.
        var audioGradient = accumulator.TakeAudioGradient().mul_(gradOutput);
        textGradient!.mul_(gradOutput);
        scaleGradient!.mul_(gradOutput);
        return [audioGradient.MoveToOuterDisposeScope(), textGradient.MoveToOuterDisposeScope(), scaleGradient.MoveToOuterDisposeScope(), null!, null!, null!, null!, null!, null!];
    }

    private static FramewiseLossAccumulator Run(Tensor audio, Tensor text, Tensor scale, Tensor bias, Tensor labels, Tensor audioMask, Tensor textMask,
        int textBlock, int clipBlock, bool withGradients, out Tensor? textGradient, out Tensor? scaleGradient)
    {
        Tensor pairCount;
        using (no_grad())
        {
            using var pairMask = FramewiseSigmoidLoss.PairMask(audioMask, textMask, audio.dtype);
            pairCount = pairMask.sum();
        }
        var accumulator = new FramewiseLossAccumulator(audio, audioMask, pairCount, clipBlock, withGradients);
        textGradient = withGradients ? zeros_like(text) : null;
        scaleGradient = withGradients ? zeros_like(scale) : null;
        long k = text.shape[0];
        for (long start = 0; start < k; start += textBlock)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(textBlock, k - start);
            var gradients = accumulator.Add(new FramewiseTextBlock(text.narrow(0, start, n), scale.narrow(0, start, n), bias.narrow(0, start, n),
                textMask.narrow(0, start, n), labels.narrow(1, start, n)));
            if (gradients is not null)
            {
                textGradient!.narrow(0, start, n).copy_(gradients.Text);
                scaleGradient!.narrow(0, start, n).copy_(gradients.LogitScale);
            }
        }
        return accumulator;
    }

    private static (Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, int, int) Unpack(object[] vars) =>
        ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (Tensor)vars[4], (Tensor)vars[5], (Tensor)vars[6], (int)vars[7], (int)vars[8]);
}
