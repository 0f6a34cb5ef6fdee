using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CanaryService.Drill.Corpus;

/// <summary>What a prompt asks for, which decides the shape of the answer.</summary>
internal enum PromptKind
{
    Explain,
    HowTo,
    List,
    Compare,
    Code,

    /// <summary>A real model's recorded answer (<see cref="TeacherCorpus.FromRecorded"/>), not written by the drill.</summary>
    Recorded,
}

/// <summary>
/// Writes one assistant-style answer (and its prompt) from the templates, choosing every alternative with
/// the given random source, so the same seed always writes the same text.
/// </summary>
internal sealed partial class AnswerWriter
{
    private readonly Random _random;
    private readonly Subject _subject;
    private readonly string _topic;
    private readonly string? _other;
    private readonly Dictionary<string[], Queue<string>> _unused = new(ReferenceEqualityComparer.Instance);

    public AnswerWriter(Random random, Subject subject, string topic, string? otherTopic)
    {
        _random = random;
        _subject = subject;
        _topic = topic;
        _other = otherTopic;
    }

    public string WritePrompt(PromptKind kind)
    {
        string[] forms = kind switch
        {
            PromptKind.Explain => AnswerTemplates.ExplainPrompts,
            PromptKind.HowTo => AnswerTemplates.HowToPrompts,
            PromptKind.List => AnswerTemplates.ListPrompts,
            PromptKind.Compare => AnswerTemplates.ComparePrompts,
            _ => AnswerTemplates.CodePrompts,
        };
        return Fill(forms[_random.Next(forms.Length)], capitalise: true);
    }

    public string WriteAnswer(PromptKind kind)
    {
        var text = new StringBuilder();
        Paragraph(text, Take(AnswerTemplates.Openers, 1).Concat(Take(AnswerTemplates.Explanations, 1 + _random.Next(2))));
        switch (kind)
        {
            case PromptKind.Explain:
                Paragraph(text, Take(AnswerTemplates.Explanations, 3));
                Paragraph(text, Take(AnswerTemplates.Explanations, 2 + _random.Next(2)));
                break;
            case PromptKind.HowTo:
                text.Append(Fill("[Here is|Here's] a [simple|practical|reliable] [approach|plan|routine] that [works|tends to work] [well|for most people]:", true)).Append("\n\n");
                int step = 1;
                foreach (string s in Take(AnswerTemplates.Steps, 4 + _random.Next(2)))
                {
                    text.Append(step++.ToString(CultureInfo.InvariantCulture)).Append(". ").Append(Fill(s, true)).Append('\n');
                }

                text.Append('\n');
                Paragraph(text, Take(AnswerTemplates.Explanations, 1));
                break;
            case PromptKind.List:
                text.Append(Fill("[Here are|These are] [a few|some|several] [tips|pointers|suggestions] that [make|will make] the [biggest|most|largest] [difference|impact]:", true)).Append("\n\n");
                foreach (string s in Take(AnswerTemplates.Tips, 4 + _random.Next(2)))
                {
                    text.Append("- ").Append(Fill(s, true)).Append('\n');
                }

                text.Append('\n');
                break;
            case PromptKind.Compare:
                Paragraph(text, Take(AnswerTemplates.Comparisons, 3));
                Paragraph(text, Take(AnswerTemplates.Comparisons, 2).Concat(Take(AnswerTemplates.Explanations, 1)));
                break;
            case PromptKind.Code:
                Paragraph(text, Take(AnswerTemplates.CodeIntros, 1));
                text.Append(CodeExamples.Write(_random, _subject.Language ?? "python", _topic)).Append("\n\n");
                Paragraph(text, Take(AnswerTemplates.CodeOutros, 1 + _random.Next(2)));
                break;
        }

        Paragraph(text, Take(AnswerTemplates.Closers, 1 + _random.Next(2)));
        return text.ToString().TrimEnd();
    }

    private void Paragraph(StringBuilder text, IEnumerable<string> templates)
    {
        text.AppendJoin(' ', templates.Select(t => Fill(t, capitalise: true))).Append("\n\n");
    }

    private string[] Take(string[] templates, int count)
    {
        // Distinct sentences within one answer, like a real writer; order varies from answer to answer.
        if (!_unused.TryGetValue(templates, out Queue<string>? pool))
        {
            string[] order = (string[])templates.Clone();
            _random.Shuffle(order);
            _unused[templates] = pool = new Queue<string>(order);
        }

        var taken = new List<string>(count);
        while (taken.Count < count && pool.TryDequeue(out string? template))
        {
            taken.Add(template);
        }

        return [.. taken];
    }

    private string Fill(string template, bool capitalise)
    {
        string a = Pick(_subject.Aspects);
        string b = Pick(_subject.Aspects.Where(x => x != a).ToArray());
        var output = new StringBuilder(template.Length * 2);
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '[')
            {
                int end = template.IndexOf(']', i);
                string[] options = template[(i + 1)..end].Split('|');
                output.Append(options[_random.Next(options.Length)]);
                i = end;
            }
            else if (c == '{' && i + 2 < template.Length && template[i + 2] == '}')
            {
                output.Append(template[i + 1] switch
                {
                    'T' => _topic,
                    'U' => _other ?? _topic,
                    'S' => _subject.Name,
                    'P' => _subject.People,
                    'A' => a,
                    'B' => b,
                    'O' => Pick(_subject.Outcomes),
                    'L' => CodeExamples.DisplayName(_subject.Language ?? "python"),
                    _ => throw new InvalidOperationException("Unknown slot in template: " + template),
                });
                i += 2;
            }
            else
            {
                output.Append(c);
            }
        }

        if (capitalise)
        {
            int first = output[0] == '*' ? 2 : 0;
            output[first] = char.ToUpperInvariant(output[first]);
        }

        string sentence = SentenceStart().Replace(output.ToString(), m => m.Groups[1].Value + char.ToUpperInvariant(m.Groups[2].Value[0]));
        return VowelArticle().Replace(sentence, m => m.Groups[1].Value + "n " + m.Groups[2].Value);
    }

    private string Pick(IReadOnlyList<string> values) => values[_random.Next(values.Count)];

    [GeneratedRegex(@"([.!?]\**\s+)([a-z])")]
    private static partial Regex SentenceStart();

    [GeneratedRegex(@"\b([Aa]) ([aeio])")]
    private static partial Regex VowelArticle();
}
