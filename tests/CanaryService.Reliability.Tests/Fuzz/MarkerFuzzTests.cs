using System.Text;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Marking;
using CanaryService.Reliability.Tests.Infrastructure;

namespace CanaryService.Reliability.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of the injector (<see cref="TextMarker"/>, <see cref="StreamingTextMarker"/>) on random Unicode,
/// garbage (lone surrogates, controls), markdown and code: it never throws, keeps well-formed UTF-16 well-formed,
/// streams exactly what it marks whole for any chunking, and leaves code fences, inline code, URLs and numbers
/// byte-identical.
/// The fast run fuzzes the first tenth of each seeded sequence; the <c>Simulation</c> run all of it.
/// </summary>
public sealed class MarkerFuzzTests
{
    private static readonly CanaryKeyRing Ring = new(MasterKey.FromBase64(Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("fuzz"u8))));
    private static readonly string[] LexiconForms = [.. CanaryLexicon.Default.Forms.Order(StringComparer.Ordinal)];
    private static readonly string[] Plain = ["the", "it", "is", "a", "an", "to", "and", "you", "we", "that", "of", "in", "He", "She", "This", "I"];
    private static readonly string[] Punctuation = [" ", " ", " ", ", ", ". ", "! ", "? ", "; ", ": ", " — ", "\n", "\n\n", "\r\n", "\t", " (", ") ", "'s ", "-"];
    private static readonly string[] Protected =
    [
        "`typically often numerous`",
        "`many`",
        "https://example.com/usually/typically?often=1&many=2#frequently",
        "http://a.b/c_d-e.f?g=h%20i",
        "www.example.org/numerous",
        "3.5",
        "1,000,000",
        "42%",
        "2026-12-01",
        "v10.0.12",
        "```\ntypically usually often\nmany numerous\n```",
        "```python\nif usually: return frequently  # typically\n```",
        "~~~\ngenerally often\n~~~",
    ];

    private static readonly TextMarker Marker = new(CanaryLexicon.Default, LexiconLayers.Create(CanaryLexicon.Default, Ring), Ring.Global, Ring.ForAccount("fuzz"));

    [Fact]
    public void Prose_with_protected_regions_streams_as_whole_and_keeps_the_regions() => ProseKeepsItsRegions(150);

    [Fact]
    [Trait("Category", "Simulation")]
    public void Prose_with_protected_regions_streams_as_whole_and_keeps_the_regions_exhaustively() => ProseKeepsItsRegions(1500);

    private static void ProseKeepsItsRegions(int runs)
    {
        var random = new Random(4242);
        int changed = 0;
        for (int run = 0; run < runs; run++)
        {
            (string text, List<string> fragments) = Prose(random);
            string whole = Marker.Mark(text);
            changed += whole == text ? 0 : 1;
            Assert.True(Utf16Text.IsWellFormed(whole), $"run {run}: ill-formed UTF-16 from well-formed input");
            foreach (string fragment in fragments)
            {
                Assert.True(whole.Contains(fragment, StringComparison.Ordinal), $"run {run}: protected '{fragment}' changed in\n{text}\n---\n{whole}");
            }

            AssertStreamsAsWhole(text, whole, random, $"run {run}", splitPairs: false);
        }

        Assert.True(changed > runs / 3, $"only {changed} of {runs} texts were marked at all: the fuzz would test nothing");
    }

    [Fact]
    public void Random_unicode_and_markdown_stream_as_whole() => UnicodeAndMarkdownStreamAsWhole(150);

    [Fact]
    [Trait("Category", "Simulation")]
    public void Random_unicode_and_markdown_stream_as_whole_exhaustively() => UnicodeAndMarkdownStreamAsWhole(1500);

    private static void UnicodeAndMarkdownStreamAsWhole(int runs)
    {
        var random = new Random(99);
        for (int run = 0; run < runs; run++)
        {
            string text = random.Next(2) == 0 ? RandomUnicode(random, wellFormed: true) : Markdown(random);
            string whole = Marker.Mark(text);
            Assert.True(Utf16Text.IsWellFormed(whole), $"run {run}: ill-formed UTF-16 from well-formed input");
            AssertStreamsAsWhole(text, whole, random, $"run {run}", splitPairs: false);
        }
    }

    [Fact]
    public void Garbage_never_throws_even_split_inside_surrogate_pairs() => GarbageNeverThrows(150);

    [Fact]
    [Trait("Category", "Simulation")]
    public void Garbage_never_throws_even_split_inside_surrogate_pairs_exhaustively() => GarbageNeverThrows(1500);

    private static void GarbageNeverThrows(int runs)
    {
        var random = new Random(31337);
        for (int run = 0; run < runs; run++)
        {
            string text = RandomUnicode(random, wellFormed: false);
            string whole = Marker.Mark(text);
            Assert.Equal(text.Length > 0, whole.Length > 0);
            var stream = new StreamingTextMarker(Marker);
            var streamed = new StringBuilder();
            foreach (string piece in Pieces(text, random, splitPairs: true))
            {
                streamed.Append(stream.Append(piece));
            }

            streamed.Append(stream.Complete());
            Assert.True(streamed.Length > 0 || text.Length == 0, $"run {run}: the stream lost the text");

            // Chunked between whole characters (a lone surrogate is a character here), it streams what it marks whole.
            AssertStreamsAsWhole(text, whole, random, $"run {run}", splitPairs: false);
        }
    }

    private static void AssertStreamsAsWhole(string text, string whole, Random random, string where, bool splitPairs)
    {
        for (int chunking = 0; chunking < 2; chunking++)
        {
            var stream = new StreamingTextMarker(Marker);
            var streamed = new StringBuilder();
            foreach (string piece in Pieces(text, random, splitPairs))
            {
                streamed.Append(stream.Append(piece));
            }

            streamed.Append(stream.Complete());
            if (!string.Equals(whole, streamed.ToString(), StringComparison.Ordinal))
            {
                Assert.Fail($"{where}: streamed differs from whole\ninput  {Escape(text)}\nwhole  {Escape(whole)}\nstream {Escape(streamed.ToString())}");
            }
        }
    }

    private static string Escape(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static IEnumerable<string> Pieces(string text, Random random, bool splitPairs)
    {
        int start = 0;
        while (start < text.Length)
        {
            int length = Math.Min(text.Length - start, random.Next(3) == 0 ? 1 : random.Next(1, 12));
            if (!splitPairs && start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]) && char.IsLowSurrogate(text[start + length]))
            {
                length++;
            }

            yield return text.Substring(start, length);
            start += length;
        }
    }

    private static (string Text, List<string> Fragments) Prose(Random random)
    {
        var text = new StringBuilder();
        var fragments = new List<string>();
        int tokens = random.Next(5, 80);
        bool sentenceStart = true;
        for (int t = 0; t < tokens; t++)
        {
            int kind = random.Next(10);
            if (kind == 0)
            {
                string fragment = Protected[random.Next(Protected.Length)];
                bool block = fragment.StartsWith("```", StringComparison.Ordinal) || fragment.StartsWith("~~~", StringComparison.Ordinal);
                text.Append(block ? "\n\n" : " ").Append(fragment).Append(block ? "\n\n" : " ");
                fragments.Add(fragment);
                sentenceStart = block;
                continue;
            }

            string word = kind <= 5 ? LexiconForms[random.Next(LexiconForms.Length)] : Plain[random.Next(Plain.Length)];
            text.Append(sentenceStart ? char.ToUpperInvariant(word[0]) + word[1..] : random.Next(20) == 0 ? word.ToUpperInvariant() : word);
            string punctuation = Punctuation[random.Next(Punctuation.Length)];
            text.Append(punctuation);
            sentenceStart = punctuation.Contains('.', StringComparison.Ordinal) || punctuation.Contains('\n', StringComparison.Ordinal);
        }

        return (text.ToString(), fragments);
    }

    private static string Markdown(Random random)
    {
        var text = new StringBuilder();
        int blocks = random.Next(1, 8);
        for (int b = 0; b < blocks; b++)
        {
            (string prose, _) = Prose(random);
            text.Append(random.Next(8) switch
            {
                0 => "# " + prose,
                1 => "- " + prose.Replace("\n", "\n- ", StringComparison.Ordinal),
                2 => "> " + prose,
                3 => "| typically | often |\n|---|---|\n| " + prose.Replace("\n", " ", StringComparison.Ordinal) + " | 3.5 |",
                4 => "**" + prose.Trim() + "** _usually_ ~~often~~",
                5 => "```\n" + prose,      // an unclosed fence
                6 => "[" + prose.Trim() + "](https://x.y/typically) ![often](img.png)",
                _ => prose,
            });
            text.Append(random.Next(2) == 0 ? "\n\n" : "\n");
        }

        return text.ToString();
    }

    private static string RandomUnicode(Random random, bool wellFormed)
    {
        var text = new StringBuilder();
        int length = random.Next(0, 300);
        while (text.Length < length)
        {
            int kind = random.Next(12);
            if (kind < 4)
            {
                text.Append(LexiconForms[random.Next(LexiconForms.Length)]).Append(' ');
            }
            else if (kind < 6)
            {
                text.Append((char)random.Next(0x20, 0x7F));
            }
            else if (kind < 8)
            {
                int codePoint = random.Next(0x80, 0x10FFFF);
                if (codePoint is >= 0xD800 and <= 0xDFFF)
                {
                    codePoint = 0xFFFD;
                }

                text.Append(char.ConvertFromUtf32(codePoint));
            }
            else if (kind == 8)
            {
                text.Append((char)random.Next(0, 0x20));
            }
            else if (kind == 9)
            {
                text.Append(random.Next(3) switch { 0 => "\u0301", 1 => "\u200D", _ => "\uFE0F" });
            }
            else if (kind == 10 && !wellFormed)
            {
                text.Append((char)random.Next(0xD800, 0xE000));
            }
            else
            {
                text.Append(random.Next(4) switch { 0 => "`", 1 => "\"", 2 => "```", _ => "http://" });
            }
        }

        return text.ToString();
    }
}
