using Flam.Runtime;
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
                    // A native module: each read of its weight is a new wrapper of the parameter.
                    using (var weight = embedding.weight!)
                    {
                        init.normal_(weight, 0, 0.02);
                    }
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
        using var lowest = float.MinValue.ToScalar();
        using var negativeLowest = (-float.MinValue).ToScalar();
        // (1 − mask)·min as mask·(−min) + min: the same values without TorchSharp's Scalar − Tensor.
        var additive = (attentionMask.to(ScalarType.Float32) * negativeLowest).add_(lowest, TorchScalars.One);
        var mask = additive.to(hidden.dtype).view(attentionMask.shape[0], 1, 1, attentionMask.shape[1]);
        return encoder.forward(hidden, mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pooler output tanh(dense(h[:, 0])), [N, h]. When every row starts with a real token the texts are packed into
    /// one sequence without padding, with a block-diagonal attention mask, and the last layer is computed only for
    /// each text's first token: the same numbers as the padded computation (<see cref="PooledPadded"/>) with
    /// less work.
    /// </summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        using var zero = 0.ToScalar();
        bool firstTokensReal = attentionMask[.., 0].ne(zero).all().item<bool>();
        var pooled = firstTokensReal ? PooledPacked(inputIds, attentionMask) : PooledPadded(inputIds, attentionMask);
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>The HuggingFace computation: every row padded to L, then the pooler on position 0.</summary>
    internal Tensor PooledPadded(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = LastHiddenState(inputIds, attentionMask);
        return pooler.forward(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>All real tokens as one sequence [1, T, h]; tokens attend only within their own text.</summary>
    internal Tensor PooledPacked(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        long n = inputIds.shape[0], l = inputIds.shape[1];
        using var zero = 0.ToScalar();
        using var start = 0L.ToScalar();
        using var count = n.ToScalar();
        using var step = 1L.ToScalar();
        var isToken = attentionMask.ne(zero);
        var positions = embeddings.Positions(inputIds);
        var rows = arange(start, count, step, device: inputIds.device).unsqueeze(1).expand(n, l);
        var ids = inputIds.masked_select(isToken).unsqueeze(0);
        var segment = rows.masked_select(isToken);
        var hidden = embeddings.Embed(ids, positions.masked_select(isToken).unsqueeze(0));
        var sameText = segment.unsqueeze(1).eq(segment.unsqueeze(0));
        var mask = where(sameText, 0f, float.MinValue).to(hidden.dtype).unsqueeze(0).unsqueeze(0);
        // Index of each text's first token in the packed sequence.
        var lengths = isToken.sum(1);
        var first = lengths.cumsum(0) - lengths;
        var firstHidden = encoder.ForwardSelected(hidden, mask, first);
        return pooler.forward(firstHidden.unsqueeze(1)).MoveToOuterDisposeScope();
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
        using var wordWeight = word_embeddings.weight!;
        using var positionWeight = position_embeddings.weight!;
        using var wordRow = wordWeight[padTokenId];
        using var positionRow = positionWeight[padTokenId];
        wordRow.zero_();
        positionRow.zero_();
    }

    /// <summary>HF create_position_ids_from_input_ids: real tokens get pad+1, pad+2, ...; padding keeps pad.</summary>
    public Tensor Positions(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        using var pad = padTokenId.ToScalar();
        var isToken = inputIds.ne(pad).to(ScalarType.Int64);
        return (isToken.cumsum(1) * isToken).add_(pad, TorchScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>LayerNorm(word + type + position) with the given position ids.</summary>
    public Tensor Embed(Tensor inputIds, Tensor positions)
    {
        using var scope = NewDisposeScope();
        var types = zeros_like(inputIds);
        var sum = word_embeddings.forward(inputIds).add(token_type_embeddings.forward(types), TorchScalars.One).add_(position_embeddings.forward(positions), TorchScalars.One);
        return dropout.forward(LayerNorm.forward(sum)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor inputIds)
    {
        using var positions = Positions(inputIds);
        return Embed(inputIds, positions);
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

    /// <summary>
    /// Hidden states of the tokens at <paramref name="selected"/> (indices along the sequence of a [1, T, h] input)
    /// after the last layer, [K, h]: the last layer's queries, residuals and feed-forward only for those tokens.
    /// </summary>
    public Tensor ForwardSelected(Tensor hidden, Tensor mask, Tensor selected)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        for (int i = 0; i < layer.Count - 1; i++) x = layer[i].forward(x, mask);
        if (layer.Count == 0) return x.index_select(1, selected).squeeze(0).MoveToOuterDisposeScope();
        var queries = x.index_select(1, selected);
        var rows = mask.expand(-1, -1, x.shape[1], -1).index_select(2, selected);
        return layer[^1].Forward(x, rows, queries).squeeze(0).MoveToOuterDisposeScope();
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

    public override Tensor forward(Tensor x, Tensor mask) => Forward(x, mask, x);

    /// <summary>The layer's outputs at the positions of <paramref name="queries"/> (rows of <paramref name="x"/>), attending over all of x.</summary>
    public Tensor Forward(Tensor x, Tensor mask, Tensor queries)
    {
        using var scope = NewDisposeScope();
        var attended = attention.Forward(x, mask, queries);
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

    public override Tensor forward(Tensor x, Tensor mask) => Forward(x, mask, x);

    public Tensor Forward(Tensor x, Tensor mask, Tensor queries)
    {
        using var context = self.Forward(x, mask, queries);
        return output.forward(context, queries);
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

    public override Tensor forward(Tensor x, Tensor mask) => Forward(x, mask, x);

    /// <summary>Attention of <paramref name="queries"/> [N, Q, h] over <paramref name="x"/> [N, L, h]; mask broadcastable to [N, heads, Q, L].</summary>
    public Tensor Forward(Tensor x, Tensor mask, Tensor queries)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], h = x.shape[2];
        Tensor Split(Linear projection, Tensor input) => projection.forward(input).view(n, input.shape[1], heads, h / heads).transpose(1, 2);
        var context = functional.scaled_dot_product_attention(Split(query, queries), Split(key, x), Split(value, x), mask, p: training ? dropoutProb : 0);
        return context.transpose(1, 2).reshape(n, queries.shape[1], h).MoveToOuterDisposeScope();
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
        return LayerNorm.forward(dropout.forward(dense.forward(x)).add(residual, TorchScalars.One)).MoveToOuterDisposeScope();
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
