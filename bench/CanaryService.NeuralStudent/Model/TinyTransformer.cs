using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CanaryService.NeuralStudent.Model;

/// <summary>The shape of a <see cref="TinyTransformer"/>.</summary>
internal sealed record TransformerShape(int Vocabulary, int Dimension, int Layers, int Heads, int Context);

/// <summary>The keys and values a layer has seen, so that sampling a token costs one position, not the whole context.</summary>
internal sealed class LayerCache
{
    public Tensor? Keys { get; set; }

    public Tensor? Values { get; set; }
}

/// <summary>
/// A small GPT-style decoder: token and learned position embeddings, pre-norm blocks of causal self-attention and a
/// GELU MLP, a final norm, and an output layer tied to the token embedding.
/// </summary>
internal sealed class TinyTransformer : nn.Module<Tensor, Tensor>
{
    private readonly Embedding tokens;
    private readonly Embedding positions;
    private readonly ModuleList<Block> blocks;
    private readonly LayerNorm norm;

    public TinyTransformer(TransformerShape shape) : base(nameof(TinyTransformer))
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = shape;
        tokens = nn.Embedding(shape.Vocabulary, shape.Dimension);
        positions = nn.Embedding(shape.Context, shape.Dimension);
        blocks = nn.ModuleList([.. Enumerable.Range(0, shape.Layers).Select(_ => new Block(shape.Dimension, shape.Heads))]);
        norm = nn.LayerNorm(shape.Dimension);
        RegisterComponents();
        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in named_parameters())
            {
                if (name.EndsWith("weight", StringComparison.Ordinal) && parameter.dim() == 2)
                {
                    nn.init.normal_(parameter, 0, 0.02);
                }
            }
        }
    }

    public TransformerShape Shape { get; }

    /// <summary>Logits for every position of <paramref name="ids"/> ([batch, time] → [batch, time, vocabulary]).</summary>
    public override Tensor forward(Tensor ids) => Forward(ids, caches: null);

    /// <summary>
    /// Logits for the positions of <paramref name="ids"/>, which follow the positions already in <paramref name="caches"/>
    /// (one cache per layer; null trains without one).
    /// </summary>
    public Tensor Forward(Tensor ids, IReadOnlyList<LayerCache>? caches)
    {
        ArgumentNullException.ThrowIfNull(ids);
        long past = caches?[0].Keys?.shape[2] ?? 0;
        long time = ids.shape[1];
        Tensor position = arange(past, past + time, dtype: ScalarType.Int64, device: ids.device);
        Tensor x = tokens.forward(ids) + positions.forward(position);
        for (int i = 0; i < blocks.Count; i++)
        {
            x = blocks[i].Forward(x, caches?[i]);
        }

        return nn.functional.linear(norm.forward(x), tokens.weight!);
    }

    /// <summary>A pre-norm transformer block.</summary>
    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm norm1;
        private readonly Linear qkv;
        private readonly Linear projection;
        private readonly LayerNorm norm2;
        private readonly Linear up;
        private readonly Linear down;
        private readonly int heads;

        public Block(int dimension, int heads) : base(nameof(Block))
        {
            this.heads = heads;
            norm1 = nn.LayerNorm(dimension);
            qkv = nn.Linear(dimension, 3 * dimension);
            projection = nn.Linear(dimension, dimension);
            norm2 = nn.LayerNorm(dimension);
            up = nn.Linear(dimension, 4 * dimension);
            down = nn.Linear(4 * dimension, dimension);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => Forward(x, cache: null);

        public Tensor Forward(Tensor x, LayerCache? cache)
        {
            long batch = x.shape[0], time = x.shape[1], dimension = x.shape[2];
            Tensor[] parts = qkv.forward(norm1.forward(x)).chunk(3, dim: 2);
            Tensor Heads(Tensor t) => t.view(batch, time, heads, dimension / heads).transpose(1, 2);
            Tensor q = Heads(parts[0]), k = Heads(parts[1]), v = Heads(parts[2]);
            bool causal = true;
            if (cache is not null)
            {
                if (cache.Keys is not null)
                {
                    k = cat([cache.Keys, k], dim: 2);
                    v = cat([cache.Values!, v], dim: 2);

                    // One new position sees every cached one (the drill's sampling adds one token at a time).
                    causal = time > 1;
                }

                cache.Keys = k;
                cache.Values = v;
            }

            Tensor attended = nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, causal);
            x = x + projection.forward(attended.transpose(1, 2).contiguous().view(batch, time, dimension));
            return x + down.forward(nn.functional.gelu(up.forward(norm2.forward(x))));
        }
    }
}
