using CanaryService.Core.Lexicon;

namespace CanaryService.Core.Tests.Lexicon;

/// <summary>
/// A lexicon written for the scanner's tests: one group for each kind of guard, so they test how the scanner reads
/// guards, whatever groups the shipped lexicon holds (its data is tested against its build, not here).
/// </summary>
internal static class RuleLexicon
{
    public const string Text = """
        1 | additionally furthermore moreover | after ^
        3 | finally lastly | after ^ ; comma
        20 | typically usually normally
        21 | often frequently | not-after more
        22 | rarely seldom
        101 | huge enormous massive
        118 | many numerous | before-word ; not-after how so too as very not of a great good the ; not-before of more fewer less others are were have had will would can could do did believe think say argue prefer find consider feel agree
        205 | example instance | after for
        316 | choose select
        600 | quickly rapidly | before . , $ U+003B
        610 | use utilize | from utilize
        """;

    public static readonly CanaryLexicon Instance = CanaryLexicon.Parse(Text);

    /// <summary>The same groups with a short echo window, for the tests of the window itself.</summary>
    public static readonly CanaryLexicon WithEchoWindow = CanaryLexicon.Parse(
        $"{CanaryLexicon.EchoWindowDirective}{EchoWindow}\n" + Text.Replace("205 | example instance | after for", "205 | example instance | after for ; echo examples instances", StringComparison.Ordinal));

    /// <summary>The same groups with the markup group of list bullets (as the shipped lexicon has).</summary>
    public static readonly CanaryLexicon WithBullets = CanaryLexicon.Parse($"{CanaryLexicon.BulletDirective}{CanaryLexicon.BulletGroupId}\n" + Text);

    /// <summary>The window of <see cref="WithEchoWindow"/>, in words.</summary>
    public const int EchoWindow = 12;
}
