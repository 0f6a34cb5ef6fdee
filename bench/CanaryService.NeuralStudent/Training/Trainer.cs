using System.Diagnostics;
using System.Globalization;
using CanaryService.NeuralStudent.Model;
using CanaryService.NeuralStudent.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CanaryService.NeuralStudent.Training;

/// <summary>What a training run did.</summary>
internal sealed record TrainingReport(int Steps, long AnswerTokens, double FirstLoss, double LastLoss, TimeSpan Elapsed, double Epochs);

/// <summary>
/// Trains a <see cref="TinyTransformer"/> with Adam for a wall-clock budget: random pairs, random windows
/// (<see cref="SequenceLayout"/>), the loss on answer tokens only, a short warm-up and a cosine decay over the budget.
/// </summary>
internal sealed class Trainer(TinyTransformer model, SequenceLayout layout, int batch, int seed)
{
    private const double PeakRate = 2e-3;
    private const int WarmupSteps = 30;

    public TrainingReport Train(IReadOnlyList<(List<int> Prompt, List<int> Answer)> examples, TimeSpan budget, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(log);
        var random = new Random(seed);
        using var optimizer = optim.Adam(model.parameters(), lr: PeakRate, beta1: 0.9, beta2: 0.98);
        long totalAnswerTokens = examples.Sum(e => (long)e.Answer.Count);
        var clock = Stopwatch.StartNew();
        var recent = new Queue<double>();
        double first = double.NaN;
        long learnt = 0;
        int step = 0;
        model.train();
        while (clock.Elapsed < budget && !cancellationToken.IsCancellationRequested)
        {
            double progress = clock.Elapsed / budget;
            double rate = PeakRate * Math.Min(1, (step + 1) / (double)WarmupSteps) * (0.1 + (0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress))));
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = rate;
            }

            using DisposeScope scope = NewDisposeScope();
            long[] inputs = new long[batch * (layout.Context - 1)];
            long[] targets = new long[inputs.Length];
            Array.Fill(targets, -100);
            for (int b = 0; b < batch; b++)
            {
                (List<int> prompt, List<int> answer) = examples[random.Next(examples.Count)];
                (List<int> tokens, int firstTarget) = layout.Window(prompt, answer, random);
                int offset = b * (layout.Context - 1);
                for (int t = 0; t + 1 < tokens.Count; t++)
                {
                    inputs[offset + t] = tokens[t];
                    if (t >= firstTarget)
                    {
                        targets[offset + t] = tokens[t + 1];
                        learnt++;
                    }
                }
            }

            Tensor x = tensor(inputs, [batch, layout.Context - 1]);
            Tensor y = tensor(targets, [batch * (layout.Context - 1)]);
            Tensor logits = model.forward(x);
            Tensor loss = nn.functional.cross_entropy(logits.view(-1, model.Shape.Vocabulary), y, ignore_index: -100);
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            double value = loss.item<float>();
            first = double.IsNaN(first) ? value : first;
            recent.Enqueue(value);
            if (recent.Count > 20)
            {
                recent.Dequeue();
            }

            step++;
            if (step % 50 == 0)
            {
                log(string.Create(CultureInfo.InvariantCulture,
                    $"step {step}: loss {recent.Average():0.000} (last 20), {clock.Elapsed.TotalSeconds:0}s, {learnt / (double)totalAnswerTokens:0.00} epochs of answer tokens"));
            }
        }

        model.eval();
        return new TrainingReport(step, totalAnswerTokens, first, recent.Count == 0 ? double.NaN : recent.Average(), clock.Elapsed, learnt / (double)totalAnswerTokens);
    }
}
