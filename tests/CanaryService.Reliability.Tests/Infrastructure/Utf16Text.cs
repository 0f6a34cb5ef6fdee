namespace CanaryService.Reliability.Tests.Infrastructure;

/// <summary>Checks on UTF-16 text that the fuzz tests and the echo upstream share.</summary>
internal static class Utf16Text
{
    /// <summary>Whether every surrogate in <paramref name="text"/> is half of a high-low pair.</summary>
    public static bool IsWellFormed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
