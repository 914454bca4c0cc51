using Flam.Model;
using Flam.Model.Text;

namespace Flam.Server;

/// <summary>The model a server scores with, loaded by the caller (as <c>flam detect</c> loads it) and owned by it.</summary>
/// <param name="Name">What reports call the model (the <c>model</c> field of every JSON report).</param>
/// <param name="Model">The network, in eval mode.</param>
/// <param name="Tokenizer">Its tokenizer.</param>
/// <param name="Precision">The audio encoder precision ("fp32" or "bf16").</param>
public sealed record ServedModel(string Name, FlamModel Model, ITextTokenizer Tokenizer, string Precision);

/// <summary>
/// Renders a log-mel spectrogram (<c>[frames, melBins]</c> row-major, dB; <paramref name="frameSeconds"/> apart) as a PNG
/// of <paramref name="width"/> × <paramref name="height"/> pixels, time left to right over the whole image, no axes.
/// </summary>
public delegate byte[] SpectrogramRenderer(float[] logMel, int frames, int melBins, double frameSeconds, int width, int height);
