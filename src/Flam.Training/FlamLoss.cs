using Flam.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Training;

/// <summary>Weights and computation settings of the FLAM training loss (official defaults).</summary>
/// <param name="GlobalWeight">Weight of the global InfoNCE loss.</param>
/// <param name="SedWeight">Weight of the frame-wise SED loss (official <c>sed_loss_weight</c> 200).</param>
/// <param name="PriorWeight">Weight of the prior loss.</param>
/// <param name="Blocking">Block sizes of the frame-wise loss; null computes it naively in one piece.</param>
/// <param name="DecisionWeight">Weight of <see cref="DecisionLoss"/> (0 in the official recipe).</param>
/// <param name="DecisionNegativeWeight">Weight of the negative frames against the positive ones inside <see cref="DecisionLoss"/>
/// (1 = class-balanced). Above 1 a false alarm costs more than a miss, which moves the decision s &gt; ½ towards fewer false alarms.</param>
public sealed record FlamLossOptions(double GlobalWeight = 1.0, double SedWeight = 200.0, double PriorWeight = 1.0, FramewiseBlocking? Blocking = null,
    double DecisionWeight = 0.0, double DecisionNegativeWeight = 1.0)
{
    /// <summary>Throws <see cref="ArgumentException"/> for negative or non-finite weights and bad block sizes.</summary>
    public void Validate()
    {
        foreach (var (name, w) in new[] { ("global", GlobalWeight), ("SED", SedWeight), ("prior", PriorWeight), ("decision", DecisionWeight) })
        {
            if (!double.IsFinite(w) || w < 0) throw new ArgumentException($"The {name} loss weight must be a finite non-negative number, got {w}.");
        }
        if (!double.IsFinite(DecisionNegativeWeight) || DecisionNegativeWeight <= 0)
            throw new ArgumentException($"The decision loss's negative-frame weight must be a finite positive number, got {DecisionNegativeWeight}.");
        Blocking?.Validate();
    }
}

/// <summary>Inputs of the global loss: matched normalised audio/text features [N, d] and exp(logit_scale_a).</summary>
public sealed record GlobalLossInputs(Tensor Audio, Tensor Text, Tensor LogitScaleExp);

/// <summary>
/// Inputs of the SED and prior losses: normalised local audio [B, T, d], text [K, d], α = per-text scale [K]
/// (exp applied), exp(aed_logit_scale) (scalar), β = per-text bias [K], labels [B, K, T], masks [B] and [K].
/// </summary>
public sealed record SedLossInputs(Tensor LocalAudio, Tensor Text, Tensor PerTextLogitScale, Tensor AedLogitScaleExp, Tensor PerTextLogitBias, Tensor Labels, Tensor AudioMask, Tensor TextMask);

/// <summary>The weighted total and its unweighted components (null when that part was not computed).</summary>
public sealed record FlamLossResult(Tensor Total, Tensor? Global, Tensor? Framewise, Tensor? Prior, Tensor? Decision = null) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Total.Dispose();
        Global?.Dispose();
        Framewise?.Dispose();
        Prior?.Dispose();
        Decision?.Dispose();
    }
}

/// <summary>
/// The FLAM training loss (official <c>FLAM.loss</c>): L = w_G·L_G + w_SED·L_SED + w_P·L_prior, defaults 1, 200, 1,
/// plus w_D·<see cref="DecisionLoss"/> when its weight is not 0.
/// Stage 1 passes only the global inputs; stage 2 passes both.
/// </summary>
public sealed class FlamLoss
{
    private readonly FlamLossOptions _options;

    /// <summary>Creates the loss after validating <paramref name="options"/>.</summary>
    public FlamLoss(FlamLossOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>Computes the total and the components.</summary>
    public FlamLossResult Compute(GlobalLossInputs? global, SedLossInputs? sed)
    {
        if (global is null && sed is null) throw new ArgumentException("FlamLoss needs global inputs, SED inputs or both.");
        using var scope = NewDisposeScope();
        Tensor? globalLoss = null, framewise = null, prior = null, decision = null;
        Tensor? total = null;
        if (global is not null)
        {
            globalLoss = GlobalContrastiveLoss.Compute(global.Audio, global.Text, global.LogitScaleExp);
            using var globalWeight = _options.GlobalWeight.ToScalar();
            total = globalLoss * globalWeight;
        }
        if (sed is not null)
        {
            var scale = sed.AedLogitScaleExp * sed.PerTextLogitScale;
            framewise = _options.Blocking is { } blocking
                ? FramewiseSigmoidLoss.ComputeBlocked(sed.LocalAudio, sed.Text, scale, sed.PerTextLogitBias, sed.Labels, sed.AudioMask, sed.TextMask, blocking)
                : FramewiseSigmoidLoss.Compute(sed.LocalAudio, sed.Text, scale, sed.PerTextLogitBias, sed.Labels, sed.AudioMask, sed.TextMask);
            prior = PriorLoss.Compute(sed.PerTextLogitBias, sed.Labels, sed.AudioMask, sed.TextMask);
            // Official order: local_total = 200·framewise + prior; total = global + local_total.
            using var sedWeight = _options.SedWeight.ToScalar();
            using var priorWeight = _options.PriorWeight.ToScalar();
            var local = (framewise * sedWeight).add_(prior * priorWeight, TorchScalars.One);
            if (_options.DecisionWeight != 0)
            {
                decision = DecisionLoss.Compute(sed.LocalAudio, sed.Text, scale, sed.Labels, sed.AudioMask, sed.TextMask, _options.DecisionNegativeWeight);
                using var decisionWeight = _options.DecisionWeight.ToScalar();
                local.add_(decision * decisionWeight, TorchScalars.One);
            }
            total = total is null ? local : total.add(local, TorchScalars.One);
        }
        var result = new FlamLossResult(total!, globalLoss, framewise, prior, decision);
        result.Total.MoveToOuterDisposeScope();
        globalLoss?.MoveToOuterDisposeScope();
        framewise?.MoveToOuterDisposeScope();
        prior?.MoveToOuterDisposeScope();
        decision?.MoveToOuterDisposeScope();
        return result;
    }
}
