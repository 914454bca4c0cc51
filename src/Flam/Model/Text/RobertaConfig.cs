namespace Flam.Model.Text;

/// <summary>
/// Shape of a RoBERTa encoder with HuggingFace <c>RobertaModel</c> semantics (post-LayerNorm, exact GELU,
/// absolute positions counted from <c>pad_token_id + 1</c>, tanh pooler on the first token).
/// </summary>
/// <param name="VocabSize">Token vocabulary size.</param>
/// <param name="HiddenSize">Width h of every layer and of the pooler output.</param>
/// <param name="NumHiddenLayers">Transformer layers.</param>
/// <param name="NumAttentionHeads">Attention heads per layer.</param>
/// <param name="IntermediateSize">Feed-forward width.</param>
/// <param name="MaxPositionEmbeddings">Rows of the position table (514 for roberta-base).</param>
/// <param name="TypeVocabSize">Rows of the token-type table (1).</param>
/// <param name="LayerNormEps">LayerNorm epsilon.</param>
/// <param name="PadTokenId">Padding id; positions start at PadTokenId + 1.</param>
/// <param name="BosTokenId">Id of <c>&lt;s&gt;</c>.</param>
/// <param name="EosTokenId">Id of <c>&lt;/s&gt;</c>.</param>
/// <param name="HiddenDropoutProb">Dropout on hidden states (training only).</param>
/// <param name="AttentionProbsDropoutProb">Dropout on attention probabilities (training only).</param>
public sealed record RobertaConfig(
    int VocabSize,
    int HiddenSize,
    int NumHiddenLayers,
    int NumAttentionHeads,
    int IntermediateSize,
    int MaxPositionEmbeddings,
    int TypeVocabSize = 1,
    double LayerNormEps = 1e-5,
    int PadTokenId = 1,
    int BosTokenId = 0,
    int EosTokenId = 2,
    double HiddenDropoutProb = 0.1,
    double AttentionProbsDropoutProb = 0.1)
{
    /// <summary>roberta-base: vocab 50265, hidden 768, 12 layers, 12 heads, intermediate 3072, 514 positions.</summary>
    public static RobertaConfig Base { get; } = new(50265, 768, 12, 12, 3072, 514);

    /// <summary>Checks that the shapes fit together; throws <see cref="FlamException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (VocabSize <= 0 || HiddenSize <= 0 || NumHiddenLayers < 0 || IntermediateSize <= 0 || TypeVocabSize <= 0)
        {
            throw new FlamException("Invalid RoBERTa config: sizes must be positive.");
        }
        if (NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
        {
            throw new FlamException($"Invalid RoBERTa config: hidden_size {HiddenSize} is not divisible by {NumAttentionHeads} heads.");
        }
        if (PadTokenId < 0 || PadTokenId >= VocabSize || MaxPositionEmbeddings <= PadTokenId + 1)
        {
            throw new FlamException("Invalid RoBERTa config: pad_token_id must be a valid id and max_position_embeddings larger than pad_token_id + 1.");
        }
    }
}
