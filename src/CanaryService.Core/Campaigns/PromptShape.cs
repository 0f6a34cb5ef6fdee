using System.Buffers;

namespace CanaryService.Core.Campaigns;

/// <summary>What one prompt contributes to its account's features: hashes only, never its text.</summary>
/// <param name="PromptHash">The keyed hash of the whole prompt (for the distinct-prompt sketch).</param>
/// <param name="TemplateKeys">The keyed template signatures: its prefix, its suffix, and the LSH bands of the MinHash of its masked shingles.</param>
/// <param name="ReasoningEliciting">Whether it asks for reasoning (step by step, show your work, prove…).</param>
public readonly record struct PromptShapeFeatures(ulong PromptHash, ulong[] TemplateKeys, bool ReasoningEliciting);

/// <summary>
/// Reduces a prompt to the features that reveal harvesting templates without keeping the prompt: a prompt written
/// from a template shares with its siblings the template's fixed words, so its first and last words, and the shingles
/// of its function-word skeleton (content words masked, numbers as <c>#</c>), coincide. Each is a keyed hash.
/// </summary>
/// <remarks>
/// The MinHash has <see cref="Bands"/> × <see cref="RowsPerBand"/> functions; a band is one key, so two prompts share a
/// band key with probability J^r for skeleton Jaccard similarity J: near 1 for a template's instances, near 0 for
/// unrelated prompts. Shingles with three or more masked words carry no template and are skipped, or every prompt
/// would share them.
/// </remarks>
public sealed class PromptShape
{
    /// <summary>LSH bands of the skeleton MinHash.</summary>
    public const int Bands = 3;

    /// <summary>MinHash functions per band.</summary>
    public const int RowsPerBand = 4;

    /// <summary>Words of the prefix and of the suffix signature.</summary>
    public const int EdgeWords = 6;

    private const int ShingleLength = 4;
    private const int MaxTokens = 2048;
    private const ulong Masked = 0x6D61736B6564UL;
    private const ulong Number = 0x6E756D626572UL;

    private static readonly HashSet<string> FunctionWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "in", "on", "at", "to", "for", "from", "by", "with",
        "about", "as", "into", "over", "under", "between", "through", "after", "before", "during", "without", "within",
        "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have", "has", "had", "can", "could",
        "will", "would", "should", "may", "might", "must", "shall", "not", "no", "yes", "so", "than", "that", "this",
        "these", "those", "it", "its", "you", "your", "i", "me", "my", "we", "our", "they", "their", "he", "she", "his",
        "her", "them", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "all", "any", "each",
        "every", "some", "such", "only", "also", "very", "just", "more", "most", "other", "please", "here", "there",
        "following", "below", "above", "step", "answer", "question", "problem", "final", "first", "then", "finally",
        "explain", "reasoning", "solve", "write", "give", "provide", "show", "think", "output", "format", "return",
    };

    // One vectorised search for all the cues, not a scan of the prompt per cue: the traffic writer checks every prompt.
    private static readonly SearchValues<string> ReasoningCues = SearchValues.Create(
    [
        "step by step", "step-by-step", "show your work", "show your reasoning", "explain your reasoning", "reason through",
        "think carefully", "chain of thought", "think through", "walk me through", "justify", "prove that", "derive",
        "reasoning process", "let's think", "explain why",
    ], StringComparison.OrdinalIgnoreCase);

    [ThreadStatic]
    private static List<(ulong Raw, ulong Skeleton)>? t_tokens;

    private readonly KeyedHash _hash;
    private readonly ulong[] _minHashSeeds;

    /// <summary>Creates the reducer keyed by <paramref name="key"/> (the same key on every instance, so their features merge).</summary>
    public PromptShape(ReadOnlySpan<byte> key)
    {
        _hash = new KeyedHash(key);
        _minHashSeeds = new ulong[Bands * RowsPerBand];
        for (int i = 0; i < _minHashSeeds.Length; i++)
        {
            _minHashSeeds[i] = _hash.Of("minhash", (ulong)i + 100);
        }
    }

    /// <summary>The features of <paramref name="prompt"/>.</summary>
    public PromptShapeFeatures Reduce(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        List<(ulong Raw, ulong Skeleton)> tokens = Tokens(prompt);
        List<ulong> keys = new(2 + Bands);
        if (tokens.Count > 0)
        {
            keys.Add(Edge(tokens, fromStart: true));
            keys.Add(Edge(tokens, fromStart: false));
            AddBands(tokens, keys);
        }

        return new PromptShapeFeatures(_hash.Of(prompt, 3), [.. keys], IsReasoningEliciting(prompt));
    }

    /// <summary>Whether <paramref name="prompt"/> asks for the model's reasoning.</summary>
    public static bool IsReasoningEliciting(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return prompt.AsSpan().ContainsAny(ReasoningCues);
    }

    private static ulong Edge(List<(ulong Raw, ulong Skeleton)> tokens, bool fromStart)
    {
        int count = Math.Min(EdgeWords, tokens.Count);
        ulong h = fromStart ? 1UL : 2UL;
        for (int i = 0; i < count; i++)
        {
            h = KeyedHash.Combine(h, tokens[fromStart ? i : tokens.Count - count + i].Raw);
        }

        return KeyedHash.Combine(h, (ulong)count);
    }

    private void AddBands(List<(ulong Raw, ulong Skeleton)> tokens, List<ulong> keys)
    {
        Span<ulong> mins = stackalloc ulong[Bands * RowsPerBand];
        mins.Fill(ulong.MaxValue);
        bool any = false;
        for (int start = 0; start + ShingleLength <= tokens.Count; start++)
        {
            int maskedWords = 0;
            ulong shingle = 3UL;
            for (int i = start; i < start + ShingleLength; i++)
            {
                maskedWords += tokens[i].Skeleton == Masked ? 1 : 0;
                shingle = KeyedHash.Combine(shingle, tokens[i].Skeleton);
            }

            if (maskedWords >= 3)
            {
                continue;
            }

            any = true;
            for (int f = 0; f < mins.Length; f++)
            {
                ulong value = KeyedHash.Mix(shingle ^ _minHashSeeds[f]);
                if (value < mins[f])
                {
                    mins[f] = value;
                }
            }
        }

        if (!any)
        {
            return;
        }

        for (int band = 0; band < Bands; band++)
        {
            ulong h = 10UL + (ulong)band;
            for (int row = 0; row < RowsPerBand; row++)
            {
                h = KeyedHash.Combine(h, mins[band * RowsPerBand + row]);
            }

            keys.Add(h);
        }
    }

    private List<(ulong Raw, ulong Skeleton)> Tokens(string prompt)
    {
        // One list per thread, reused: the writer reduces prompts one after another.
        List<(ulong, ulong)> tokens = t_tokens ??= new List<(ulong, ulong)>(256);
        tokens.Clear();
        ReadOnlySpan<char> text = prompt;
        int i = 0;
        while (i < text.Length && tokens.Count < MaxTokens)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (char.IsLetterOrDigit(c))
            {
                int start = i;
                bool digits = true;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '\''))
                {
                    digits &= char.IsDigit(text[i]);
                    i++;
                }

                ReadOnlySpan<char> word = text[start..i];
                ulong raw = digits ? Number : _hash.Of(word);
                ulong skeleton = digits ? Number : IsFunctionWord(word) ? raw : Masked;
                tokens.Add((raw, skeleton));
                continue;
            }

            // Punctuation and symbols are the template's scaffolding: each is its own token.
            ulong mark = _hash.Of(text.Slice(i, 1));
            tokens.Add((mark, mark));
            i++;
        }

        return tokens;
    }

    private static bool IsFunctionWord(ReadOnlySpan<char> word) =>
        word.Length <= 12 && FunctionWords.GetAlternateLookup<ReadOnlySpan<char>>().Contains(word);
}
