using static TorchSharp.torch;

namespace Flam.Model.Text;

/// <summary>
/// A text encoder that turns token ids into the text branch output u(y) [N, h] that FLAM's text projection and
/// per-text heads read. RoBERTa is the official one; other towers (e.g. a frozen sentence encoder) plug in here.
/// Implementations are <see cref="TorchSharp.torch.nn.Module"/>s so that their parameters belong to the model.
/// </summary>
public interface ITextTower
{
    /// <summary>Width h of the branch output.</summary>
    int OutputDim { get; }

    /// <summary>Branch output u(y) [N, h] for token ids [N, L] (int64) and an attention mask [N, L] (1 = token, 0 = padding).</summary>
    Tensor EncodeBranch(Tensor inputIds, Tensor attentionMask);
}
