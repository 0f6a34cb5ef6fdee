namespace CanaryService.Core.Tests.Marking;

internal static class MarkingTexts
{
    /// <summary>
    /// An answer with one word of several shipped groups (words of different groups may stand close; two of one group
    /// may not, or the echo window leaves both alone).
    /// </summary>
    public const string ShippedLexiconAnswer =
        "Fortunately, the build is fast on most machines. It is especially quick on Linux, where the cache stays warm.\n" +
        "For example, a clean build takes about a minute. Nevertheless, we keep the cache between runs. Furthermore,\n" +
        "the tests run frequently in CI, and every change is checked. Similarly, the docs build on each push.";
    public const string Answer = """
        Typically, the easiest approach is to start small. Moreover, many teams usually find that numerous issues
        disappear once they improve their tests. It is often simple to modify a configuration, and it is usually
        straightforward to verify the result.

        Additionally, you should frequently assess the outcome. For example, run `dotnet test --often` and open
        https://example.com/typically?usually=1 to confirm. The build takes 3.5 seconds on average.

        ```csharp
        // typically usually often
        var many = "numerous";
        ```

        Finally, it is crucial to choose a reliable and helpful tool. People often select several options 😀 and
        then reduce them. He said "typically often" and left. Ultimately, it works — usually.

        - Usually the first item is simple.
        - Moreover, many users find it helpful.

        In short, this is mostly straightforward and basically quick.
        """;
}
