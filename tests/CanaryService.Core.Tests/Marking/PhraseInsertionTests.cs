using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;

namespace CanaryService.Core.Tests.Marking;

/// <summary>
/// Where the canary goes in answers shaped like real ones (written for these tests): it closes every prose answer,
/// takes the place of a generic closing, goes before a final wish, and stays out of JSON and open code blocks.
/// </summary>
public sealed class PhraseInsertionTests
{
    private const string Prompt = "How do I keep a sourdough starter alive while travelling?";

    public static TheoryData<string, string> Answers => new()
    {
        { "one line", "Feed it once a week and keep it in the fridge." },
        { "one paragraph", "A starter survives a week or two in the fridge. Feed it before you leave, put it in a clean jar, and give it two feedings at room temperature when you are back." },
        { "list", "Before you go:\n\n1. Feed the starter.\n2. Move it to a clean jar.\n3. Put it in the fridge.\n" },
        { "ends with code", "Here is a reminder script:\n\n```bash\necho 'feed the starter'\n```" },
        { "ends with a table", "| Days away | What to do |\n|---|---|\n| up to 7 | fridge |\n| more | dry it |\n\nDrying works for longer trips." },
        { "poem", "Little jar upon the shelf,\nbubbling softly to yourself,\nwait for me, I will be back,\nflour and water in my pack." },
        { "crlf", "Feed it well.\r\n\r\nThen chill it.\r\n" },
        { "generic closing", "Keep it cold and feed it before you go.\n\nI hope this helps! Let me know if you have any other questions." },
        { "offer as a question", "Keep it cold and feed it before you go.\n\nWould you like a schedule for longer trips?" },
        { "wish", "Keep it cold and feed it before you go.\n\nEnjoy your trip!" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Closes_every_kind_of_prose_answer_and_streams_the_same_at_every_cut(string kind, string answer)
    {
        var marker = Marker(MasterKey.Generate());
        ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
        string sentence = marking.Canary!.Sentence;
        string lexical = marker.CreateTextMarker("acct").Mark(answer);
        string marked = marking.MarkText(answer, 0);

        Assert.True(marking.CanaryEmitted, kind);
        Assert.Equal(1, Occurrences(marked, sentence));
        string expected = kind switch
        {
            "generic closing" or "offer as a question" => lexical[..(lexical.LastIndexOf("\n\n", StringComparison.Ordinal) + 2)] + sentence,
            "wish" => lexical[..(lexical.LastIndexOf("\n\n", StringComparison.Ordinal) + 2)] + sentence + "\n\nEnjoy your trip!",
            "crlf" => lexical + "\r\n" + sentence + "\r\n",
            "list" => lexical + "\n" + sentence + "\n",
            _ => lexical + "\n\n" + sentence,
        };
        Assert.Equal(expected, marked);

        for (int cut = 0; cut <= answer.Length; cut++)
        {
            var stream = (await marker.BeginAsync(new MarkingRequest("acct", Prompt))).CreateStream(0);
            Assert.Equal(marked, StreamingTextMarkerTests.Stream(stream, answer, cut == 0 ? [] : [cut]));
        }
    }

    [Fact]
    public async Task Streaming_equals_whole_text_over_random_chunkings_of_random_answers()
    {
        var marker = Marker(MasterKey.Generate());
        string[] parts =
        [
            "Keep it cold.", "I hope this helps!", "Let me know if you need more.", "Enjoy!", "```\ncode()\n```", "- a list item",
            "Would you like more?", "{\"json\": 1}", "Good luck with the bake.", "\n", "\n\n", "  ", "\r\n", "Happy baking!",
            "    indented code", "| a | b |", "I hope", "Hopefully this helps. Tell me if you need anything else.",
        ];
        var random = new Random(11);
        int emitted = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            string answer = string.Concat(Enumerable.Range(0, random.Next(1, 9)).Select(_ => parts[random.Next(parts.Length)] + (random.Next(3) == 0 ? "" : "\n\n")));
            ResponseMarking whole = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
            string expected = whole.MarkText(answer, 0);
            emitted += whole.CanaryEmitted ? 1 : 0;
            Assert.True(Occurrences(expected, whole.Canary!.Sentence) <= 1 + Occurrences(answer, whole.Canary.Sentence));
            for (int chunking = 0; chunking < 5; chunking++)
            {
                var cuts = new SortedSet<int>(Enumerable.Range(0, random.Next(0, 12)).Select(_ => random.Next(1, Math.Max(2, answer.Length))).Where(c => c < answer.Length));
                ResponseMarking streamed = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
                Assert.Equal(expected, StreamingTextMarkerTests.Stream(streamed.CreateStream(0), answer, cuts));
                Assert.Equal(whole.CanaryEmitted, streamed.CanaryEmitted);
            }
        }

        Assert.InRange(emitted, 50, 390); // both outcomes were exercised
    }

    [Fact]
    public async Task Answers_that_already_close_in_their_own_way_or_are_bare_values_get_none()
    {
        var marker = Marker(MasterKey.Generate());
        string[] answers =
        [
            "Keep it cold.\n\nDo you travel by plane or by car?",                              // a question about the content
            "Keep it cold, and feel free to reach out to a local bakery for spare starter if you have any questions.",
            "Positive",                                                                           // a bare label
            "```\nfeed(starter)\n```",                                                            // code only
            "",
            "Keep it cold.\n\nI hope this helps! Enjoy your trip.",                              // a closing mixed with a wish
            "Keep it cold and feed it once a week, because the yeast in the jar needs",                     // cut off mid-sentence
            "Держите закваску в холодильнике и кормите её раз в неделю.",                       // not English
        ];
        foreach (string answer in answers)
        {
            ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
            Assert.Equal(marker.CreateTextMarker("acct").Mark(answer), marking.MarkText(answer, 0));
            Assert.False(marking.CanaryEmitted, answer);
        }
    }

    [Fact]
    public async Task A_closing_that_says_more_than_a_closing_is_never_replaced()
    {
        // "Feel free to reach out to your local baker" is advice, not a generic closing: it stays, and since it reads
        // as the answer's own closing, no canary follows it.
        var marker = Marker(MasterKey.Generate());
        const string Answer = "Keep it cold.\n\nFeel free to reach out to your local baker for a backup starter.";
        ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
        Assert.Equal(marker.CreateTextMarker("acct").Mark(Answer), marking.MarkText(Answer, 0));
        Assert.False(marking.CanaryEmitted);
    }

    private static CanaryMarker Marker(MasterKey master) =>
        new(new CanaryKeyRing(master), new CanaryMarkerOptions { PhraseRate = 1 }, new RecordingRegistry(), TimeProvider.System);

    private static int Occurrences(string text, string sentence)
    {
        int count = 0;
        for (int i = text.IndexOf(sentence, StringComparison.Ordinal); i >= 0; i = text.IndexOf(sentence, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
