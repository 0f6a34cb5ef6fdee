using System.Text;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Issuance;

namespace CanaryService.Application.Tests.Proxy;

/// <summary>
/// A small, exact text transform for testing the rewriters on their own: whole words from a table are swapped
/// (choice 1 gets its index appended to swapped words so choices are told apart). Streaming holds back the
/// trailing partial word, like the real marker.
/// </summary>
internal sealed class WordSwapMarking : IResponseMarking
{
    private static readonly Dictionary<string, string> Swaps = new(StringComparer.Ordinal)
    {
        ["many"] = "numerous",
        ["usually"] = "typically",
        ["Moreover"] = "Furthermore",
        ["café"] = "bistro",
    };

    public static string Mark(string text, int choiceIndex)
    {
        var result = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (!char.IsLetter(text[i]))
            {
                result.Append(text[i++]);
                continue;
            }

            int start = i;
            while (i < text.Length && char.IsLetter(text[i]))
            {
                i++;
            }

            string word = text[start..i];
            result.Append(Swaps.TryGetValue(word, out string? swap) ? swap + (choiceIndex > 0 ? choiceIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) : "") : word);
        }

        return result.ToString();
    }

    public string MarkText(string text, int choiceIndex) => Mark(text, choiceIndex);

    public IStreamingTextMarking CreateStream(int choiceIndex) => new Stream(choiceIndex);

    public IssuanceEvent ToIssuance(int markedChoices) => new("test", DateTimeOffset.UnixEpoch, markedChoices, null, null);

    private sealed class Stream(int choiceIndex) : IStreamingTextMarking
    {
        private string _held = "";

        public string Append(string delta)
        {
            string text = _held + delta;
            int end = text.Length;
            while (end > 0 && char.IsLetter(text[end - 1]))
            {
                end--;
            }

            _held = text[end..];
            return Mark(text[..end], choiceIndex);
        }

        public string Complete()
        {
            string tail = Mark(_held, choiceIndex);
            _held = "";
            return tail;
        }
    }
}
