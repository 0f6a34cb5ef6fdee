using System.Text;
using CanaryService.Core.Marking;

namespace CanaryService.Core.Tests.Marking;

public sealed class StreamingTextMarkerTests
{
    private static readonly string Tricky = MarkingTexts.Answer + """

        Surrogates 𝒳𝒴 and 😀😀 split anywhere, CRLF lines here.\r
        Moreover, usually.\r
        ~~~
        often in a tilde fence
        ~~~
           ```
           indented fence with often inside
           ```
        Typically many people frequently ask.
        """;

    internal static string Stream(StreamingTextMarker stream, string text, IEnumerable<int> cuts)
    {
        var output = new StringBuilder();
        int previous = 0;
        foreach (int cut in cuts)
        {
            output.Append(stream.Append(text[previous..cut]));
            previous = cut;
        }

        output.Append(stream.Append(text[previous..]));
        output.Append(stream.Complete());
        return output.ToString();
    }

    [Fact]
    public void Concatenated_stream_equals_whole_text_for_random_chunkings()
    {
        var marker = TextMarkerTests.CreateMarker();
        string expected = marker.Mark(Tricky);
        var random = new Random(42);
        for (int trial = 0; trial < 400; trial++)
        {
            var cuts = new SortedSet<int>();
            int count = random.Next(1, 80);
            for (int i = 0; i < count; i++)
            {
                cuts.Add(random.Next(1, Tricky.Length));
            }

            Assert.Equal(expected, Stream(new StreamingTextMarker(marker), Tricky, cuts));
        }
    }

    [Fact]
    public void The_span_path_gives_the_same_text_as_the_string_path_for_random_chunkings_with_buffers_released_between()
    {
        var marker = TextMarkerTests.CreateMarker();
        string expected = marker.Mark(Tricky);
        var random = new Random(43);
        for (int trial = 0; trial < 200; trial++)
        {
            var stream = new StreamingTextMarker(marker);
            var output = new StringBuilder();
            int start = 0;
            while (start < Tricky.Length)
            {
                int length = Math.Min(random.Next(1, 40), Tricky.Length - start);
                if (char.IsHighSurrogate(Tricky[start + length - 1]) && start + length < Tricky.Length)
                {
                    length++;
                }

                // Mixed on purpose: the two paths share the held-back text.
                if (random.Next(4) == 0)
                {
                    output.Append(stream.Append(Tricky.Substring(start, length)));
                }
                else
                {
                    output.Append(stream.AppendSpan(Tricky.AsSpan(start, length)));
                }

                // As the proxy does at the end of a read, once the result is used: the stream must go on unchanged.
                if (random.Next(3) == 0)
                {
                    stream.ReleaseBuffers();
                }

                start += length;
            }

            output.Append(stream.Complete());
            Assert.Equal(expected, output.ToString());
        }
    }

    [Fact]
    public void Single_character_and_twenty_character_deltas_equal_whole_text()
    {
        var marker = TextMarkerTests.CreateMarker();
        string expected = marker.Mark(Tricky);
        Assert.Equal(expected, Stream(new StreamingTextMarker(marker), Tricky, Enumerable.Range(1, Tricky.Length - 1)));
        Assert.Equal(expected, Stream(new StreamingTextMarker(marker), Tricky, Enumerable.Range(1, (Tricky.Length - 1) / 20).Select(i => i * 20)));
    }

    [Fact]
    public void Holds_back_only_the_partial_word()
    {
        var stream = new StreamingTextMarker(TextMarkerTests.CreateMarker());
        string first = stream.Append("The build is ");
        Assert.Equal("The build is ", first);
        Assert.Equal("", stream.Append("typic"));
        Assert.Equal(5, stream.HeldBack);
        string second = stream.Append("ally fine");
        Assert.EndsWith(" ", second, StringComparison.Ordinal);
        Assert.Equal("fine".Length, stream.HeldBack);
        Assert.Equal("fine", stream.Complete());
    }

    [Fact]
    public void A_guarded_word_waits_only_for_the_next_word()
    {
        var stream = new StreamingTextMarker(TextMarkerTests.CreateMarker());
        Assert.Equal("There are ", stream.Append("There are many "));
        Assert.Equal("many ".Length, stream.HeldBack);
        Assert.Equal("many of ", stream.Append("of them"));
        Assert.Equal("them", stream.Complete());
    }
}
