using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Testing.InMemory;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>
/// The marking engine itself, over a lexicon written for the proxy's tests and under a fixed key: its groups are words
/// the tests' answers use (two forms each, no guards, no echo window: a word changes where the key prefers the other
/// form in its context), and the rewriters are held to the engine's own whole-text marking. What the engine does to
/// text is tested in Core.
/// </summary>
internal static class TestMarking
{
    /// <summary>The account the rewriters' tests mark for.</summary>
    public const string Account = "acct-test";

    private static readonly CanaryLexicon Lexicon = CanaryLexicon.Parse("""
        1 | moreover furthermore
        20 | usually typically
        118 | many numerous
        """);

    /// <summary>
    /// The master key of every marker here (and of a proxy whose answers a test compares with them). Which form a key
    /// prefers in a context is a coin toss; this one was picked because it changes the words the tests' texts put
    /// where the tests look (each test asserts it, see <see cref="Changed"/>), so that no test passes unmarked.
    /// </summary>
    public static readonly MasterKey Key = MasterKey.FromBase64("ogzKTtebUo3WbofRKWu1/KxJyopA9KgpmMq2VypGLvI=");

    private static readonly CanaryMarker Marker = CreateMarker(new CanaryKeyRing(Key));

    /// <summary>A marker over the test lexicon, without phrase canaries.</summary>
    public static CanaryMarker CreateMarker(CanaryKeyRing keyRing) =>
        new(keyRing, new CanaryMarkerOptions { PhraseRate = 0, Lexicon = Lexicon }, new InMemoryCanaryRegistry(), TimeProvider.System);

    /// <summary>The marking of one response to <paramref name="account"/>.</summary>
    public static ResponseMarking Begin(string account = Account) =>
        Marker.BeginAsync(new MarkingRequest(account, null)).GetAwaiter().GetResult(); // no canary: completes at once

    /// <summary>The whole text marked, as a rewriter must reproduce it.</summary>
    public static string Mark(string text, string account = Account) => Begin(account).MarkText(text, 0);

    /// <summary>
    /// <see cref="Mark"/>, asserting that the marking changes <paramref name="text"/>: a test's text must be one it
    /// changes, or the test would pass with no marking at all.
    /// </summary>
    public static string Changed(string text, string account = Account)
    {
        string marked = Mark(text, account);
        Assert.NotEqual(text, marked);
        return marked;
    }
}
