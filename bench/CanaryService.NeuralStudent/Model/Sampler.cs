using CanaryService.NeuralStudent.Text;
using CanaryService.NeuralStudent.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CanaryService.NeuralStudent.Model;

/// <summary>Sampling settings: temperature, top-k, and the most tokens per answer.</summary>
internal sealed record SamplingOptions(double Temperature, int TopK, int MaxTokens);

/// <summary>
/// Answers a prompt by sampling from the model with a key/value cache; when the context is full it starts a new one
/// holding the prompt, <see cref="WordTokenizer.Continued"/> and the second half of the answer so far, as the
/// training windows are laid out. Not thread-safe: the server samples one answer at a time.
/// </summary>
internal sealed class Sampler(TinyTransformer model, WordTokenizer tokenizer, SequenceLayout layout, SamplingOptions options, int seed)
{
    private readonly Random _random = new(seed);

    public string Answer(string prompt)
    {
        IReadOnlyList<int> head = layout.Prompt(tokenizer.Encode(prompt));
        var answer = new List<int>();
        using IDisposable noGrad = no_grad();
        using DisposeScope scope = NewDisposeScope();
        List<LayerCache>? caches = null;
        int filled = 0;
        Tensor logits = null!;
        while (answer.Count < options.MaxTokens)
        {
            if (caches is null)
            {
                int keep = head.Count + 1 + answer.Count <= layout.Context ? answer.Count : layout.AnswerWindow / 2;
                List<int> context = [.. head, keep == answer.Count ? WordTokenizer.Separator : WordTokenizer.Continued, .. answer.Skip(answer.Count - keep)];
                caches = [.. Enumerable.Range(0, model.Shape.Layers).Select(_ => new LayerCache())];
                logits = model.Forward(tensor(context.Select(t => (long)t).ToArray(), [1, context.Count]), caches);
                filled = context.Count;
            }

            int next = Draw(logits[0, -1]);
            if (next == WordTokenizer.End)
            {
                break;
            }

            answer.Add(next);
            if (filled < layout.Context)
            {
                logits = model.Forward(tensor(new long[] { next }, [1, 1]), caches);
                filled++;
            }
            else
            {
                caches = null;
            }
        }

        return tokenizer.Decode(answer).Trim();
    }

    private int Draw(Tensor last)
    {
        float[] values = last.data<float>().ToArray();
        int k = Math.Min(options.TopK, values.Length);
        int[] order = [.. Enumerable.Range(0, values.Length)];
        Array.Sort(values.Select(v => -v).ToArray(), order);
        double max = values[order[0]];
        double[] weights = [.. order.Take(k).Select(i => Math.Exp((values[i] - max) / options.Temperature))];
        double pick = _random.NextDouble() * weights.Sum();
        for (int i = 0; i < k; i++)
        {
            pick -= weights[i];
            if (pick <= 0)
            {
                return order[i];
            }
        }

        return order[k - 1];
    }
}
