using Flam.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Flam.Inference;

/// <summary>
/// The audio side of frame scoring: windows of <see cref="DetectionOptions.WindowSamples"/> samples to their frame
/// embeddings a_{i,t} (unit length, <c>[windows, frames, d]</c>). What <see cref="TextQueryCache.Score(Tensor, IReadOnlyList{string})"/>
/// needs, so audio can be encoded once, stored, and scored against any query later.
/// </summary>
public sealed class FrameEmbeddingEncoder(FlamModel model)
{
    private readonly Device _device = model.parameters().First().device;

    /// <summary>Width d of a frame embedding.</summary>
    public int Dimension => model.Config.JointEmbedDim;

    /// <summary>Frames per window.</summary>
    public int FramesPerWindow => model.Config.Audio.Frames;

    /// <summary>Frame embeddings <c>[windows, frames, d]</c> of equally long windows, in the caller's dispose scope.</summary>
    public Tensor EncodeLocal(IReadOnlyList<float[]> windows)
    {
        var samples = windows[0].Length;
        var flat = new float[windows.Count * samples];
        for (var w = 0; w < windows.Count; w++)
        {
            windows[w].CopyTo(flat, w * samples);
        }
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope();
        var waveform = tensor(flat, [windows.Count, samples]).to(_device);
        using var audio = model.EncodeAudio(waveform);
        return audio.Local.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>Frame embeddings of the windows as <c>windows × frames × d</c> float32 values, frame-major.</summary>
    public float[] Encode(IReadOnlyList<float[]> windows)
    {
        using var scope = NewDisposeScope();
        return EncodeLocal(windows).cpu().contiguous().data<float>().ToArray();
    }
}
