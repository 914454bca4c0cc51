using Flam.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter) with decoupled weight decay, written out so that its state is a plain set of
/// named tensors that checkpoints store in safetensors and restore bit-for-bit; the update is PyTorch's
/// <c>torch.optim.AdamWOptimizer</c> (non-fused, non-amsgrad) operation for operation.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly List<(string Name, Parameter Parameter, bool Decay, Tensor ExpAvg, Tensor ExpAvgSq)> _slots = [];
    private readonly double _beta1, _beta2, _epsilon, _weightDecay;

    /// <summary>Creates the optimiser over the trainable parameters (those with requires_grad).</summary>
    public AdamWOptimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, double beta1, double beta2, double epsilon, double weightDecay)
    {
        (_beta1, _beta2, _epsilon, _weightDecay) = (beta1, beta2, epsilon, weightDecay);
        foreach (var (name, p) in parameters)
        {
            if (!p.requires_grad) continue;
            _slots.Add((name, p, Decays(name, p), zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()));
        }
    }

    /// <summary>Optimiser steps taken so far (for the bias corrections).</summary>
    public long StepCount { get; private set; }

    /// <summary>Names of the parameters that receive weight decay.</summary>
    public IEnumerable<string> DecayedParameters => _slots.Where(s => s.Decay).Select(s => s.Name);

    /// <summary>The trainable parameters, in order.</summary>
    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    /// <summary>
    /// Whether a parameter gets weight decay: not norms, biases and other vectors or scalars (logit scales), and not
    /// the Swin relative-position bias tables, which are matrices but biases in kind.
    /// </summary>
    public static bool Decays(string name, Tensor parameter) =>
        parameter.dim() >= 2
        && !name.Contains("relative_position_bias_table", StringComparison.Ordinal)
        && !name.Contains("logit_scale", StringComparison.Ordinal)
        && !name.Contains("norm", StringComparison.OrdinalIgnoreCase);

    /// <summary>One update with learning rate <paramref name="lr"/>; parameters without a gradient are skipped.</summary>
    public void Step(double lr)
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(_beta1, StepCount), bc2 = 1 - Math.Pow(_beta2, StepCount);
        double stepSize = lr / bc1, bc2Sqrt = Math.Sqrt(bc2);
        using var _ = no_grad();
        using var decayFactor = (1 - lr * _weightDecay).ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var oneMinusBeta2 = (1 - _beta2).ToScalar();
        using var secondMomentCorrection = bc2Sqrt.ToScalar();
        using var epsilon = _epsilon.ToScalar();
        using var negativeStepSize = (-stepSize).ToScalar();
        foreach (var (_, p, decay, m, v) in _slots)
        {
            using var scope = NewDisposeScope();
            if (p.grad is not { } g) continue;
            if (decay && _weightDecay > 0) p.mul_(decayFactor);
            m.lerp_(g, 1 - _beta1);
            v.mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            var denom = (v.sqrt() / secondMomentCorrection).add_(epsilon, TorchScalars.One);
            p.addcdiv_(m, denom, negativeStepSize);
        }
    }

    /// <summary>Sets every gradient to none.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p, _, _, _) in _slots)
        {
            p.grad?.Dispose();
            p.grad = null;
        }
    }

    /// <summary>The state as named tensors: <c>exp_avg.NAME</c>, <c>exp_avg_sq.NAME</c>.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> State() =>
        _slots.SelectMany(s => new[] { KeyValuePair.Create("exp_avg." + s.Name, s.ExpAvg), KeyValuePair.Create("exp_avg_sq." + s.Name, s.ExpAvgSq) });

    /// <summary>Restores <see cref="State"/> and the step count; throws <see cref="FlamException"/> when a tensor is missing or mis-shaped.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount, string source)
    {
        using var _ = no_grad();
        foreach (var (name, _, _, m, v) in _slots)
        {
            foreach (var (key, target) in new[] { ("exp_avg." + name, m), ("exp_avg_sq." + name, v) })
            {
                if (!state.TryGetValue(key, out var t) || !t.shape.SequenceEqual(target.shape))
                {
                    throw new FlamException($"Optimiser state '{source}' lacks '{key}' or has another shape; it belongs to a different model.");
                }
                target.copy_(t);
            }
        }
        StepCount = stepCount;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, _, _, m, v) in _slots)
        {
            m.Dispose();
            v.Dispose();
        }
        _slots.Clear();
    }
}

/// <summary>Warm-up then cosine or linear decay, a pure function of the step (so it needs no saved state).</summary>
public static class LearningRateSchedule
{
    /// <summary>Learning rate of optimiser step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public static double At(int step, int totalSteps, double peak, double minimum, int warmupSteps, LearningRateDecay decay)
    {
        if (step < warmupSteps)
        {
            return peak * (step + 1) / warmupSteps;
        }
        double progress = Math.Clamp((double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps), 0, 1);
        return decay switch
        {
            LearningRateDecay.Cosine => minimum + (peak - minimum) * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => peak - (peak - minimum) * progress,
        };
    }
}
