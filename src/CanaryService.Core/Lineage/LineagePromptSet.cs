namespace CanaryService.Core.Lineage;

/// <summary>
/// The fixed prompts every sampled model is asked (<c>lineage-prompts.txt</c>, an embedded resource): the same
/// prompts for every model, so answers can be compared prompt by prompt. The order is part of the contract: a model's
/// sampling position is an index into <see cref="Prompts"/>, so new prompts are appended.
/// </summary>
public sealed class LineagePromptSet
{
    private const string ResourceName = "CanaryService.Core.Lineage.lineage-prompts.txt";

    private static readonly Lazy<LineagePromptSet> Shipped = new(LoadShipped);

    /// <summary>Creates a set from <paramref name="prompts"/> (trimmed; blank ones are refused, as are repeats).</summary>
    public LineagePromptSet(IEnumerable<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        List<string> list = [];
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (string prompt in prompts)
        {
            string text = prompt?.Trim() ?? "";
            if (text.Length == 0)
            {
                throw new ArgumentException("A lineage prompt is empty.", nameof(prompts));
            }

            if (!seen.Add(text))
            {
                throw new ArgumentException($"The lineage prompt '{text}' appears twice.", nameof(prompts));
            }

            list.Add(text);
        }

        Prompts = list;
    }

    /// <summary>The prompts, in their fixed order.</summary>
    public IReadOnlyList<string> Prompts { get; }

    /// <summary>How many prompts there are.</summary>
    public int Count => Prompts.Count;

    /// <summary>The set shipped with the service.</summary>
    public static LineagePromptSet Default => Shipped.Value;

    /// <summary>Parses the text format: one prompt a line; blank lines and lines starting with <c>#</c> are skipped.</summary>
    public static LineagePromptSet Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new LineagePromptSet(text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#')));
    }

    /// <summary>
    /// The next <paramref name="count"/> prompt indices from <paramref name="position"/>, wrapping round the end, so
    /// that successive batches cover every prompt before any is asked again. Never more than the set holds.
    /// </summary>
    public IReadOnlyList<int> Batch(long position, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (Count == 0)
        {
            return [];
        }

        int start = (int)(position % Count);
        return [.. Enumerable.Range(0, Math.Min(count, Count)).Select(i => (start + i) % Count)];
    }

    private static LineagePromptSet LoadShipped()
    {
        using Stream stream = typeof(LineagePromptSet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
