using System.Text.Json;
using System.Text.RegularExpressions;
using CanaryService.Core.Detection;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Testing.Upstream;

namespace CanaryService.Application.Tests.Proxy.Integration;

/// <summary>Answers for the fake upstream, and checks that a text carries the engine's marks under a given key ring.</summary>
internal static partial class EngineMarks
{
    /// <summary>
    /// An answer with a word of most shipped groups (so that marking changes some of them under any key; one word a
    /// group, or the echo window leaves them alone), multi-byte characters (2, 3 and 4 UTF-8 bytes) next to lexicon
    /// words, and a code span holding a lexicon word.
    /// </summary>
    public const string Answer =
        "Similarly, the café opens early 😀. Fortunately, naïve owners especially like guests who arrive before seven. " +
        "For example, it is simple to change the menu — 中文 menus included. Nevertheless, the staff frequently check " +
        "the till; run `mandatory --strict` to confirm. Furthermore, the cooks act bravely when the kitchen is busy. " +
        "Frankly, nothing else matters.";

    private static readonly LexicalDetector Detector = new(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, MarkingServiceHost.KeyRing));

    /// <summary>Answers every chat completion with <paramref name="text"/>: as JSON, or, when the request asks for a stream, as SSE whose deltas and bytes are cut at random (inside words and inside multi-byte characters).</summary>
    public static void Serve(FakeOpenAiServer upstream, string text, Random random)
    {
        upstream.Handler = (context, request) => AsksForStream(request)
            ? ChatAnswers.WriteEventStreamAsync(context.Response, ChatAnswers.Stream(ChatAnswers.Split(text, random)), random)
            : ChatAnswers.WriteCompletionAsync(context.Response, text);
    }

    public static bool AsksForStream(ReceivedRequest request)
    {
        using JsonDocument body = JsonDocument.Parse(request.Body);
        return body.RootElement.TryGetProperty("stream", out JsonElement stream) && stream.ValueKind == JsonValueKind.True;
    }

    /// <summary>
    /// <paramref name="marked"/> differs from <paramref name="original"/> in lexicon words only, each replaced by a form
    /// of its own group; returns how many words were replaced.
    /// </summary>
    public static int AssertDiffersOnlyInLexiconWords(string original, string marked)
    {
        // Everything between words (spaces, punctuation, emoji, code markers) must be identical.
        Assert.Equal(Words().Split(original), Words().Split(marked));
        string[] before = [.. Words().Matches(original).Select(m => m.Value)];
        string[] after = [.. Words().Matches(marked).Select(m => m.Value)];
        Assert.Equal(before.Length, after.Length);
        int replaced = 0;
        for (int i = 0; i < before.Length; i++)
        {
            if (string.Equals(before[i], after[i], StringComparison.Ordinal))
            {
                continue;
            }

            Assert.True(CanaryLexicon.Default.TryFind(before[i].ToLowerInvariant(), out LexiconGroup originalGroup, out _), $"'{before[i]}' was changed but is not a lexicon word");
            Assert.True(CanaryLexicon.Default.TryFind(after[i].ToLowerInvariant(), out LexiconGroup markedGroup, out _), $"'{after[i]}' is not a lexicon word");
            Assert.Equal(originalGroup.Id, markedGroup.Id);
            Assert.Equal(char.IsUpper(before[i][0]), char.IsUpper(after[i][0]));
            replaced++;
        }

        return replaced;
    }

    /// <summary>
    /// Every eligible occurrence in <paramref name="marked"/> uses the form the keyed choice prefers: the global key for
    /// the global half of the groups, <paramref name="account"/>'s key for the other half. Returns the number of
    /// account-layer occurrences whose form another account's key would have chosen differently (the marks are that
    /// account's, not anyone's).
    /// </summary>
    public static int AssertCarriesKeyedChoices(string marked, string account, string otherAccount)
    {
        LexicalKey accountKey = MarkingServiceHost.KeyRing.ForAccount(account);
        LexicalKey otherKey = MarkingServiceHost.KeyRing.ForAccount(otherAccount);
        IReadOnlyList<LexicalContext> contexts = Detector.Scan(marked);
        Assert.Contains(contexts, c => c.Layer == LexicalLayer.Global);
        Assert.Contains(contexts, c => c.Layer == LexicalLayer.Account);
        int differsForOther = 0;
        foreach (LexicalContext context in contexts)
        {
            LexicalKey key = context.Layer == LexicalLayer.Global ? MarkingServiceHost.KeyRing.Global : accountKey;
            Assert.Equal(key.PreferredIndex(context.Context, context.GroupId, context.GroupSize), context.ObservedIndex);
            if (context.Layer == LexicalLayer.Account && otherKey.PreferredIndex(context.Context, context.GroupId, context.GroupSize) != context.ObservedIndex)
            {
                differsForOther++;
            }
        }

        return differsForOther;
    }

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Words();
}
