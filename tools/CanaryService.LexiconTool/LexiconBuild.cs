using System.Globalization;
using System.Text;
using CanaryService.Core.Lexicon;

namespace CanaryService.LexiconTool;

/// <summary>A candidate group as a maintainer proposes it: forms, part of speech, hand-written guards, or a reason to drop it.</summary>
internal sealed record CandidateGroup(int Id, char Pos, IReadOnlyList<string> Forms, IReadOnlyDictionary<string, string[]> Rules, string? Dropped);

/// <summary>What the real corpus and WordNet say of one candidate group (the <c>measure</c> command writes it).</summary>
internal sealed class GroupEvidence
{
    public int? SenseRank { get; set; }

    public long[] Totals { get; set; } = [];

    public SortedDictionary<string, long[]> Left { get; } = new(StringComparer.Ordinal);

    public SortedDictionary<string, long[]> Right { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Turns candidate groups and their evidence into the shipped <c>lexicon.txt</c>. Pure: the same inputs give the same
/// file, and a test rebuilds it from the committed inputs to show that every shipped group and guard comes from here.
/// </summary>
/// <remarks>
/// A group ships when WordNet puts all its forms in one synset among the first <see cref="MaxSenseRank"/> senses of
/// each (the senses readers mean; spelling variants, part of speech <c>x</c>, need no synset) and a maintainer has not
/// dropped it. Its occurrences are then not eligible next to a previous word or next token where real answers avoid one
/// of its forms (the form would be expected there at its overall share, and is written far less): a swap into a context
/// where one form is never written ("more often than", "a big deal", "our people") is never made.
/// </remarks>
internal static class LexiconBuild
{
    /// <summary>The least rank of the shared synset (1: the forms' first senses are one synset).</summary>
    public const int MaxSenseRank = 2;

    /// <summary>How many times a form must be expected in a context before its absence there counts.</summary>
    public const double MinExpected = 3;

    /// <summary>A form used at less than this share of its expected count in a context is avoided there.</summary>
    public const double MaxAvoidedRatio = 0.25;

    /// <summary>
    /// The echo window the lexicon ships with, in words: an author who varies "For example" and "For instance" within a
    /// paragraph or two must not find both made the same. Judged on whole answers, 34 of 37 awkward changes were such
    /// echoes; with a 50-word window, 16 of 22 remaining echoes lay 51-100 words apart (adjacent list items, paragraphs);
    /// with 100, 6 of 12 awkward changes were echoes 106-183 words apart. 150 keeps the stream's hold-back short.
    /// </summary>
    public const int EchoWindow = 150;

    /// <summary>Contexts kept in the evidence file: those where the group occurs this often (below it nothing can be shown avoided).</summary>
    public const int EvidenceFloor = 3;

    public static IReadOnlyList<CandidateGroup> ParseCandidates(string text)
    {
        var groups = new List<CandidateGroup>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] parts = line.Split('|', StringSplitOptions.TrimEntries);
            string[] head = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (head.Length != 2 || !int.TryParse(head[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id) || head[1].Length != 1 || !"nvarx".Contains(head[1][0], StringComparison.Ordinal))
            {
                throw new FormatException($"candidates line {lineNumber}: expected '<id> <n|v|a|r|x> | forms'.");
            }

            string[] forms = parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var rules = new Dictionary<string, string[]>(StringComparer.Ordinal);
            string? dropped = null;
            foreach (string part in parts.Skip(2))
            {
                if (part.StartsWith("drop ", StringComparison.Ordinal))
                {
                    dropped = part[5..].Trim();
                    continue;
                }

                foreach (string rule in part.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    string[] tokens = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    rules[tokens[0]] = tokens[1..];
                }
            }

            groups.Add(new CandidateGroup(id, head[1][0], forms, rules, dropped));
        }

        return groups;
    }

    public static Dictionary<int, GroupEvidence> ParseEvidence(string text)
    {
        var evidence = new Dictionary<int, GroupEvidence>();
        foreach (string raw in text.Split('\n'))
        {
            if (raw.Length == 0 || raw[0] == '#')
            {
                continue;
            }

            string[] p = raw.Split('\t');
            int id = int.Parse(p[1], CultureInfo.InvariantCulture);
            if (!evidence.TryGetValue(id, out var e))
            {
                evidence[id] = e = new GroupEvidence();
            }

            switch (p[0])
            {
                case "wordnet": e.SenseRank = p[2] == "-" ? null : int.Parse(p[2], CultureInfo.InvariantCulture); break;
                case "total": e.Totals = [.. p[2..].Select(long.Parse)]; break;
                case "left": e.Left[p[2]] = [.. p[3..].Select(long.Parse)]; break;
                case "right": e.Right[p[2]] = [.. p[3..].Select(long.Parse)]; break;
                default: throw new FormatException($"evidence: unknown row '{p[0]}'.");
            }
        }

        return evidence;
    }

    public static string WriteEvidence(IReadOnlyList<CandidateGroup> candidates, IReadOnlyDictionary<int, GroupEvidence> evidence, string header)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(header).Append('\n');
        sb.Append("# wordnet <id> <shared sense rank|->; total <id> <n per form>; left|right <id> <context> <n per form> (contexts where every form occurs at least ")
          .Append(EvidenceFloor).Append(" times)\n");
        foreach (var group in candidates)
        {
            if (!evidence.TryGetValue(group.Id, out var e))
            {
                continue;
            }

            sb.Append("wordnet\t").Append(group.Id).Append('\t').Append(e.SenseRank?.ToString(CultureInfo.InvariantCulture) ?? "-").Append('\n');
            sb.Append("total\t").Append(group.Id).Append('\t').AppendJoin('\t', e.Totals).Append('\n');
            foreach (var (side, table) in new[] { ("left", e.Left), ("right", e.Right) })
            {
                foreach (var (context, counts) in table)
                {
                    if (counts.Sum() >= EvidenceFloor)
                    {
                        sb.Append(side).Append('\t').Append(group.Id).Append('\t').Append(context).Append('\t').AppendJoin('\t', counts).Append('\n');
                    }
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>Builds the lexicon text; <paramref name="report"/> receives one line per candidate saying what happened to it.</summary>
    public static string Build(IReadOnlyList<CandidateGroup> candidates, IReadOnlyDictionary<int, GroupEvidence> evidence, ICollection<string>? report = null)
    {
        // No next-token guard may be a form of any candidate: marking must never change its own eligibility.
        var allForms = candidates.Where(c => c.Dropped is null).SelectMany(c => c.Forms).ToHashSet(StringComparer.Ordinal);
        var sb = new StringBuilder();
        sb.Append("""
            # The canary lexicon, built by tools/CanaryService.LexiconTool (`build`) from tools/lexicon/candidates.txt and
            # tools/lexicon/evidence.tsv. Do not edit by hand: change the candidates or the evidence and rebuild.
            # echo-window <words>; markup-bullet <id>; <id> | <forms> [| guards: after, before, not-after, not-before; echo <words>] (see docs/lexicon.md)

            """);
        sb.Append(CultureInfo.InvariantCulture, $"{CanaryLexicon.EchoWindowDirective}{EchoWindow}\n");
        sb.Append(CultureInfo.InvariantCulture, $"{CanaryLexicon.BulletDirective}{CanaryLexicon.BulletGroupId}\n");
        foreach (var group in candidates)
        {
            string? reason = Reject(group, evidence, allForms, out var left, out var right, out var onlyAfter, out var onlyBefore);
            report?.Add($"{group.Id}\t{string.Join(' ', group.Forms)}\t{reason ?? $"shipped: not after {left.Count} words, not before {right.Count} tokens"}");
            if (reason is not null)
            {
                continue;
            }

            var rules = new List<string>();
            AddRule(rules, "from", group.Rules.GetValueOrDefault("from"));
            AddRule(rules, "after", onlyAfter);
            AddRule(rules, "before", onlyBefore);
            AddRule(rules, "not-after", left);
            AddRule(rules, "not-before", right);
            AddRule(rules, "echo", group.Rules.GetValueOrDefault("echo"));
            sb.Append(group.Id).Append(" | ").AppendJoin(' ', group.Forms);
            if (rules.Count > 0)
            {
                sb.Append(" | ").AppendJoin(" ; ", rules);
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static void AddRule(List<string> rules, string name, IReadOnlyCollection<string>? words)
    {
        if (words is { Count: > 0 })
        {
            rules.Add(name + " " + string.Join(' ', words.Select(CanaryService.Core.Lexicon.CanaryLexicon.EncodeToken)));
        }
    }

    private static string? Reject(
        CandidateGroup group,
        IReadOnlyDictionary<int, GroupEvidence> evidence,
        HashSet<string> allForms,
        out List<string> left,
        out List<string> right,
        out string[]? onlyAfter,
        out string[]? onlyBefore)
    {
        left = [];
        right = [];
        onlyAfter = null;
        onlyBefore = null;
        if (group.Dropped is not null)
        {
            return "dropped: " + group.Dropped;
        }

        if (!evidence.TryGetValue(group.Id, out var e) || e.Totals.Length != group.Forms.Count)
        {
            return "no evidence";
        }

        if (group.Pos != 'x' && (e.SenseRank is null || e.SenseRank > MaxSenseRank))
        {
            return e.SenseRank is null ? "WordNet: no shared synset" : $"WordNet: shared synset only at sense {e.SenseRank}";
        }

        string[]? before = group.Rules.ContainsKey("comma") ? [","] : group.Rules.GetValueOrDefault("before");
        left = Avoided(e.Left, e.Totals, group.Rules.GetValueOrDefault("not-after"), static _ => true);
        right = Avoided(e.Right, e.Totals, group.Rules.GetValueOrDefault("not-before"), k => !allForms.Contains(k));
        onlyAfter = group.Rules.GetValueOrDefault("after");
        onlyBefore = before;
        return null;
    }

    /// <summary>
    /// The contexts where real answers avoid one of the forms: given how often the group occurs there, that form would be
    /// expected at least <see cref="MinExpected"/> times at its overall share, and it occurs less than
    /// <see cref="MaxAvoidedRatio"/> of that. A context the corpus has not seen often enough stays eligible.
    /// Hand-written <paramref name="never"/> words are kept; next-token guards drop lexicon forms (see the caller).
    /// </summary>
    private static List<string> Avoided(SortedDictionary<string, long[]> table, long[] totals, string[]? never, Func<string, bool> allowed)
    {
        double all = totals.Sum();
        var blocked = new SortedSet<string>(never ?? [], StringComparer.Ordinal);
        foreach (var (context, counts) in table)
        {
            double n = counts.Sum();
            for (int f = 0; f < counts.Length; f++)
            {
                double expected = n * totals[f] / all;
                if (expected >= MinExpected && counts[f] < MaxAvoidedRatio * expected)
                {
                    blocked.Add(context);
                    break;
                }
            }
        }

        return [.. blocked.Where(allowed)];
    }
}
