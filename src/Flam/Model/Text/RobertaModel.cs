using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Flam.Model.Text;

/// <summary>
/// RoBERTa encoder with HuggingFace <c>RobertaModel</c> semantics and state-dict key names (<c>embeddings</c>,
/// <c>encoder.layer.N</c>, <c>pooler</c>): position ids counted from the padding mask starting at pad_token_id + 1,
/// post-LayerNorm, exact GELU, an additive attention mask and a tanh pooler on the first token. Its branch output
/// is the pooler output.
/// </summary>
public sealed class RobertaModel : Module<Tensor, Tensor, Tensor>, ITextTower
{
    private readonly RobertaEmbeddings embeddings;
    private readonly RobertaEncoder encoder;
    private readonly RobertaPooler pooler;

    /// <summary>The shape this encoder was built with.</summary>
    public RobertaConfig Config { get; }

    /// <inheritdoc/>
    public int OutputDim => Config.HiddenSize;

    /// <summary>Builds the encoder (weights initialised as <see cref="ResetParameters"/> does).</summary>
    public RobertaModel(RobertaConfig config) : base("text_branch")
    {
        config.Validate();
        Config = config;
        embeddings = new RobertaEmbeddings(config);
        encoder = new RobertaEncoder(config);
        pooler = new RobertaPooler(config.HiddenSize);
        RegisterComponents();
        ResetParameters();
    }

    /// <summary>HuggingFace initialisation: normal(0, 0.02) Linear and embedding weights, zero biases and padding row, unit LayerNorms.</summary>
    public void ResetParameters()
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            switch (module)
            {
                case Linear linear:
                    init.normal_(linear.weight!, 0, 0.02);
                    if (linear.bias is not null) init.zeros_(linear.bias);
                    break;
                case Embedding embedding:
                    init.normal_(embedding.weight!, 0, 0.02);
                    break;
                case LayerNorm layerNorm:
                    init.ones_(layerNorm.weight!);
                    init.zeros_(layerNorm.bias!);
                    break;
            }
        }
        embeddings.ZeroPaddingRow();
    }

    /// <summary>The embedding output (LayerNorm of word + type + position), [N, L, h].</summary>
    internal Tensor Embed(Tensor inputIds) => embeddings.forward(inputIds);

    /// <summary>The last hidden state [N, L, h].</summary>
    internal Tensor LastHiddenState(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = embeddings.forward(inputIds);
        // Additive mask as HF's eager attention: 0 for tokens, the float32 minimum for padding.
        var additive = (1 - attentionMask.to(ScalarType.Float32)) * float.MinValue;
        var mask = additive.to(hidden.dtype).view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);
        return encoder.forward(hidden, mask).MoveToOuterDisposeScope();
    }

    /// <summary>Pooler output tanh(dense(h[:, 0])), [N, h].</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = LastHiddenState(inputIds, attentionMask);
        return pooler.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor EncodeBranch(Tensor inputIds, Tensor attentionMask) => forward(inputIds, attentionMask);
}

internal sealed class RobertaEmbeddings : Module<Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;
    private readonly long padTokenId;

    public RobertaEmbeddings(RobertaConfig config) : base("embeddings")
    {
        padTokenId = config.PadTokenId;
        word_embeddings = Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        position_embeddings = Embedding(config.MaxPositionEmbeddings, config.HiddenSize, padding_idx: config.PadTokenId);
        token_type_embeddings = Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, eps: config.LayerNormEps);
        dropout = Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public void ZeroPaddingRow()
    {
        using var noGrad = no_grad();
        word_embeddings.weight![padTokenId].zero_();
        position_embeddings.weight![padTokenId].zero_();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        // HF create_position_ids_from_input_ids: real tokens get pad+1, pad+2, ...; padding keeps pad.
        var isToken = inputIds.ne(padTokenId).to(ScalarType.Int64);
        var positions = isToken.cumsum(1) * isToken + padTokenId;
        var types = zeros_like(inputIds);
        var sum = word_embeddings.forward(inputIds) + token_type_embeddings.forward(types) + position_embeddings.forward(positions);
        return dropout.forward(LayerNorm.forward(sum)).MoveToOuterDisposeScope();
    }
}

internal sealed class RobertaEncoder : Module<Tensor, Tensor, Tensor>
{
    private readonly ModuleList<RobertaLayer> layer;

    public RobertaEncoder(RobertaConfig config) : base("encoder")
    {
        layer = new ModuleList<RobertaLayer>();
        for (int i = 0; i < config.NumHiddenLayers; i++) layer.Add(new RobertaLayer(config));
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        foreach (var l in layer) x = l.forward(x, mask);
        return x.MoveToOuterDisposeScope();
    }
}

internal sealed class RobertaLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly RobertaAttention attention;
    private readonly DenseLayer intermediate;
    private readonly RobertaOutput output;

    public RobertaLayer(RobertaConfig config) : base("layer")
    {
        attention = new RobertaAttention(config);
        intermediate = new DenseLayer(config.HiddenSize, config.IntermediateSize, "intermediate");
        output = new RobertaOutput(config.IntermediateSize, config.HiddenSize, config.LayerNormEps, config.HiddenDropoutProb, "output");
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.forward(x, mask);
        var inner = functional.gelu(intermediate.forward(attended));
        return output.forward(inner, attended).MoveToOuterDisposeScope();
    }
}

internal sealed class RobertaAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly RobertaSelfAttention self;
    private readonly RobertaOutput output;

    public RobertaAttention(RobertaConfig config) : base("attention")
    {
        self = new RobertaSelfAttention(config);
        output = new RobertaOutput(config.HiddenSize, config.HiddenSize, config.LayerNormEps, config.HiddenDropoutProb, "output");
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var context = self.forward(x, mask);
        return output.forward(context, x);
    }
}

internal sealed class RobertaSelfAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int heads;
    private readonly double dropoutProb;

    public RobertaSelfAttention(RobertaConfig config) : base("self")
    {
        heads = config.NumAttentionHeads;
        dropoutProb = config.AttentionProbsDropoutProb;
        query = Linear(config.HiddenSize, config.HiddenSize);
        key = Linear(config.HiddenSize, config.HiddenSize);
        value = Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], l = x.shape[1], h = x.shape[2];
        Tensor Split(Linear projection) => projection.forward(x).view(n, l, heads, h / heads).transpose(1, 2);
        var context = functional.scaled_dot_product_attention(Split(query), Split(key), Split(value), mask, p: training ? dropoutProb : 0);
        return context.transpose(1, 2).reshape(n, l, h).MoveToOuterDisposeScope();
    }
}

/// <summary>dense (Linear) only; named like HF's intermediate / pooler modules.</summary>
internal sealed class DenseLayer : Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public DenseLayer(int input, int output, string name) : base(name)
    {
        dense = Linear(input, output);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => dense.forward(x);
}

/// <summary>LayerNorm(dropout(dense(x)) + residual), HF's RobertaSelfOutput / RobertaOutput.</summary>
internal sealed class RobertaOutput : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public RobertaOutput(int input, int hidden, double eps, double dropoutProb, string name) : base(name)
    {
        dense = Linear(input, hidden);
        LayerNorm = nn.LayerNorm(hidden, eps: eps);
        dropout = Dropout(dropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.forward(dropout.forward(dense.forward(x)) + residual).MoveToOuterDisposeScope();
    }
}

internal sealed class RobertaPooler : Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public RobertaPooler(int hidden) : base("pooler")
    {
        dense = Linear(hidden, hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var first = hidden[.., 0];
        using var projected = dense.forward(first);
        return projected.tanh();
    }
}
