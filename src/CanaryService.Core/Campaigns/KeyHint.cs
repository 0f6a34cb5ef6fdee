namespace CanaryService.Core.Campaigns;

/// <summary>
/// The hint by which providers show a key to its owner (<c>sk-…abcd</c>): the key's type prefix and its last four
/// characters, never more. It lets an operator say "the key ending <c>…abcd</c>" without anything that could be used.
/// </summary>
public static class KeyHint
{
    /// <summary>Keys shorter than this get no suffix: four characters would be too large a share of them.</summary>
    public const int MinimumKeyLength = 16;

    private const int SuffixLength = 4;
    private const int MaxPrefixLength = 8;

    /// <summary>The hint of <paramref name="apiKey"/>: its prefix up to the first dash (when short and plain), an ellipsis, its last four characters.</summary>
    public static string Of(string apiKey)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        ReadOnlySpan<char> key = apiKey.AsSpan().Trim();
        if (key.Length < MinimumKeyLength)
        {
            return "…";
        }

        string prefix = "";
        int dash = key.IndexOf('-');
        if (dash is > 0 and < MaxPrefixLength && IsPlain(key[..dash]))
        {
            prefix = key[..(dash + 1)].ToString();
        }

        ReadOnlySpan<char> suffix = key[^SuffixLength..];
        return IsPlain(suffix) ? prefix + "…" + suffix.ToString() : prefix + "…";
    }

    private static bool IsPlain(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
