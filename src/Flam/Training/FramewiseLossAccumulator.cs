using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>How the frame-wise loss is split into blocks (0 = no split along that axis).</summary>
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

/// <summary>
/// Accumulates the frame-wise sigmoid loss of local clips against blocks of texts and back-propagates each block as
/// soon as it is computed: every block's logits are formed on detached leaf copies, <c>backward()</c> is called on
/// that block alone, and its gradients are kept. <see cref="Finish"/> returns the loss as a tensor whose backward
/// injects the accumulated gradients into the real inputs (a surrogate Σ x·g whose derivative is g), so the caller's
/// graph continues into the encoders exactly as with the naive computation, but only one block's B×k×T graph is
/// ever alive.
/// </summary>
public sealed class FramewiseLossAccumulator : IDisposable
{
    private readonly Tensor _audio;
    private readonly Tensor _audioLeaf;
    private readonly Tensor _audioMask;
    private readonly Tensor _pairCount;
    private readonly long _frames;
    private readonly int _clipBlockSize;
    private readonly bool _trackGradients;
    private readonly List<(Tensor Input, Tensor Gradient)> _injections = [];
    private readonly List<Tensor> _embeddingsSeen = [];
    private Tensor _sum;

    /// <summary>
    /// Starts a loss for local clips <paramref name="localAudio"/> [B, T, d] with mask [B]. <paramref name="validPairs"/>
    /// is Σ audio_mask·text_mask over all texts that will be added (the loss divides by it and by T), so in a
    /// multi-device ring it is the global count, known before the exchange.
    /// </summary>
    public FramewiseLossAccumulator(Tensor localAudio, Tensor audioMask, Tensor validPairs, int clipBlockSize = 0)
    {
        _audio = localAudio;
        _frames = localAudio.shape[1];
        _audioMask = audioMask.to_type(localAudio.dtype).DetachFromDisposeScope();
        _pairCount = validPairs.detach().clone().DetachFromDisposeScope();
        _clipBlockSize = clipBlockSize <= 0 ? (int)localAudio.shape[0] : clipBlockSize;
        _trackGradients = is_grad_enabled();
        _audioLeaf = localAudio.detach().requires_grad_(_trackGradients && localAudio.requires_grad).DetachFromDisposeScope();
        _sum = zeros([], localAudio.dtype, localAudio.device).DetachFromDisposeScope();
    }

    /// <summary>
    /// Adds one block of texts. A received block (no labels) contributes negative-only terms, and its texts whose
    /// embedding equals one already added (the same description on two devices) are skipped.
    /// </summary>
    public void Add(FramewiseTextBlock block)
    {
        using var scope = NewDisposeScope();
        long b = _audio.shape[0], k = block.Text.shape[0];
        var textMask = block.TextMask.to_type(_audio.dtype);
        var labels = block.Labels;
        if (labels is null)
        {
            labels = zeros(b, k, _frames, dtype: _audio.dtype, device: _audio.device);
            textMask = textMask * (1 - DuplicateOfSeen(block.Text).to_type(_audio.dtype));
        }
        _embeddingsSeen.Add(block.Text.detach().clone().DetachFromDisposeScope());

        bool textNeedsGrad = _trackGradients && block.Text.requires_grad;
        bool scaleNeedsGrad = _trackGradients && block.LogitScale.requires_grad;
        var textLeaf = block.Text.detach().requires_grad_(textNeedsGrad);
        var scaleLeaf = block.LogitScale.detach().requires_grad_(scaleNeedsGrad);
        var bias = block.LogitBias.detach();
        for (long start = 0; start < b; start += _clipBlockSize)
        {
            using var inner = NewDisposeScope();
            long n = Math.Min(_clipBlockSize, b - start);
            var pairMask = FramewiseSigmoidLoss.PairMask(_audioMask.narrow(0, start, n), textMask, _audio.dtype);
            var blockSum = FramewiseSigmoidLoss.BlockSum(_audioLeaf.narrow(0, start, n), textLeaf, scaleLeaf, bias, labels.narrow(0, start, n), pairMask);
            // Same normalisation and order of operations as the naive loss, so gradients agree to rounding.
            var blockLoss = blockSum / _pairCount / _frames;
            if (blockLoss.requires_grad)
            {
                blockLoss.backward();
            }
            using (no_grad())
            {
                _sum.add_(blockSum.detach());
            }
        }
        if (textNeedsGrad) Keep(block.Text, textLeaf.grad!);
        if (scaleNeedsGrad) Keep(block.LogitScale, scaleLeaf.grad!);
    }

    /// <summary>The loss Σ/(valid pairs·T); its backward delivers the accumulated gradients to the inputs.</summary>
    public Tensor Finish()
    {
        using var scope = NewDisposeScope();
        var value = _sum / _pairCount / _frames;
        if (_audioLeaf.grad is { } audioGrad)
        {
            Keep(_audio, audioGrad);
        }
        if (_injections.Count == 0)
        {
            return value.MoveToOuterDisposeScope();
        }
        Tensor? surrogate = null;
        foreach (var (input, gradient) in _injections)
        {
            var term = (input * gradient).sum();
            surrogate = surrogate is null ? term : surrogate + term;
        }
        // value + (s − s.detach()) has the value of `value` exactly and the gradient of s.
        var loss = value + (surrogate! - surrogate!.detach());
        return loss.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (input, gradient) in _injections)
        {
            input.Dispose();
            gradient.Dispose();
        }
        _injections.Clear();
        foreach (var e in _embeddingsSeen) e.Dispose();
        _embeddingsSeen.Clear();
        _audioLeaf.Dispose();
        _audioMask.Dispose();
        _pairCount.Dispose();
        _sum.Dispose();
    }

    private void Keep(Tensor input, Tensor gradient)
    {
        // The input handle may be a view created in the caller's dispose scope; keep our own handle to it.
        _injections.Add((input.alias().DetachFromDisposeScope(), gradient.detach().clone().DetachFromDisposeScope()));
    }

    private Tensor DuplicateOfSeen(Tensor text)
    {
        var duplicate = zeros(text.shape[0], dtype: ScalarType.Bool, device: text.device);
        foreach (var seen in _embeddingsSeen)
        {
            // [k, 1, d] == [1, m, d] -> all over d -> any over m
            var equal = text.detach().unsqueeze(1).eq(seen.unsqueeze(0)).all(2).any(1);
            duplicate = duplicate.logical_or(equal);
        }
        return duplicate;
    }
}
