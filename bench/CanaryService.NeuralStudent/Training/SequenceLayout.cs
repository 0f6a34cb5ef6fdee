using CanaryService.NeuralStudent.Text;

namespace CanaryService.NeuralStudent.Training;

/// <summary>
/// How a (prompt, answer) pair fills the context: the prompt's last tokens, <see cref="WordTokenizer.Separator"/> when
/// the answer starts there or <see cref="WordTokenizer.Continued"/> when it is a later window of a long answer, then
/// the answer's tokens and <see cref="WordTokenizer.End"/>. Answers are longer than the context, and a canary sits
/// at an answer's end, so training windows include the tail and sampling slides the same way (prompt kept).
/// </summary>
internal sealed record SequenceLayout(int Context)
{
    /// <summary>The most prompt tokens kept (the last ones: a harvesting template or a question's end says most).</summary>
    public int PromptTokens => Math.Min(48, Context / 4);

    /// <summary>Answer tokens one context holds after the prompt and the marker.</summary>
    public int AnswerWindow => Context - PromptTokens - 1;

    /// <summary>The prompt's tokens as the context holds them.</summary>
    public IReadOnlyList<int> Prompt(List<int> prompt) =>
        prompt.Count <= PromptTokens ? prompt : prompt.GetRange(prompt.Count - PromptTokens, PromptTokens);

    /// <summary>
    /// A training sequence for one pair: the answer from its start, its tail, or a window in between (a third each
    /// when it is longer than the window), and the index of the first position whose next token is learnt.
    /// </summary>
    public (List<int> Tokens, int FirstTarget) Window(List<int> prompt, List<int> answerWithEnd, Random random)
    {
        IReadOnlyList<int> head = Prompt(prompt);
        int start = 0;
        int spare = answerWithEnd.Count - AnswerWindow;
        if (spare > 0)
        {
            double draw = random.NextDouble();
            start = draw < 1.0 / 3 ? 0 : draw < 2.0 / 3 ? spare : random.Next(spare + 1);
        }

        var tokens = new List<int>(Context);
        tokens.AddRange(head);
        tokens.Add(start == 0 ? WordTokenizer.Separator : WordTokenizer.Continued);
        tokens.AddRange(answerWithEnd.Skip(start).Take(AnswerWindow));
        return (tokens, head.Count);
    }
}
