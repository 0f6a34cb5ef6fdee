using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;
using CanaryService.Testing.InMemory;

namespace CanaryService.Core.Tests.Marking;

/// <summary>
/// Where the canary goes in answers shaped like real ones (written for these tests): it closes every prose answer,
/// takes the place of a generic closing, goes before a final wish, and stays out of JSON and open code blocks.
/// </summary>
public sealed class PhraseInsertionTests
{
    private const string Prompt = "How do I keep a sourdough starter alive while travelling?";

    // Forty-odd words of prose: enough for a closing not to pad the answer (shorter outputs get none, tested below).
    private const string Lead =
        "A starter survives a week or two in the fridge without harm. Feed it the day before you leave, move it to a " +
        "clean jar with room to rise, and give it two feedings at room temperature when you are back, so the yeast " +
        "wakes up before you bake again.";

    public static TheoryData<string, string> Answers => new()
    {
        { "one line", Lead },
        { "one paragraph", Lead + " If it smells sharp, pour off the liquid on top and feed it twice." },
        { "list", Lead + "\n\nBefore you go:\n\n1. Feed the starter.\n2. Move it to a clean jar.\n3. Put it in the fridge.\n" },
        { "ends with code", Lead + "\n\nHere is a reminder script:\n\n```bash\necho 'feed the starter'\n```" },
        { "ends with a table", Lead + "\n\n| Days away | What to do |\n|---|---|\n| up to 7 | fridge |\n| more | dry it |\n\nDrying works for longer trips." },
        { "poem", "Little jar upon the shelf,\nbubbling softly to yourself,\nwait for me, I will be back,\nflour and water in my pack.\nSleep a week beside the milk,\nrise again as smooth as silk,\nfeed and fold and let it be,\nthen a loaf for you and me." },
        { "crlf", Lead.Replace(". ", ".\r\n\r\n", StringComparison.Ordinal) + "\r\n" },
        { "generic closing", Lead + "\n\nI hope this helps! Let me know if you have any other questions." },
        { "offer as a question", Lead + "\n\nWould you like a schedule for longer trips?" },
        { "long offer as a question", Lead + "\n\nWould you like me to go into more detail about any of these steps, or suggest a feeding schedule for a longer trip?" },
        { "wish", Lead + "\n\nEnjoy your trip!" },
        { "ends in blank lines", Lead + "\n\n" },
        { "wish and blank lines", Lead + "\n\nHappy baking! \n\n" },
        { "wish ending the paragraph", Lead + " Good luck on your journey to becoming a baker." },
        { "wish ending the paragraph, then blank lines", Lead + " Good luck with your bake! \n\n" },
        { "enjoy as a plain verb", Lead + " Most families enjoy the loaf within two days." },
        { "a holiday's name", Lead + " A loaf baked this way keeps well through Thanksgiving." },
        { "a name that opens like a wish", Lead + " Happy Valley Bakery sells dried starter too." },
        { "a long answer that opens with a limit, then helps", "As an AI language model, I don't have personal opinions about " +
            "starters, but I can share what bakers report.\n\n" + Lead + " " + Lead + "\n\n" + Lead },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public Task Closes_every_kind_of_prose_answer_and_streams_the_same_at_sampled_cuts(string kind, string answer) =>
        ClosesAndStreamsAsync(kind, answer, SampledCuts(answer.Length));

    [Theory]
    [MemberData(nameof(Answers))]
    [Trait("Category", "Simulation")]
    public Task Closes_every_kind_of_prose_answer_and_streams_the_same_at_every_cut(string kind, string answer) =>
        ClosesAndStreamsAsync(kind, answer, Enumerable.Range(0, answer.Length + 1));

    /// <summary>
    /// The cuts the fast run streams at: the ends, every seventh character, and each of the last 24 (where the closing
    /// is decided); the <c>Simulation</c> run streams at every cut.
    /// </summary>
    private static IEnumerable<int> SampledCuts(int length) =>
        Enumerable.Range(0, length + 1).Where(cut => cut == 0 || cut % 7 == 0 || cut >= length - 24);

    private static async Task ClosesAndStreamsAsync(string kind, string answer, IEnumerable<int> cuts)
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
            "generic closing" or "offer as a question" or "long offer as a question" => lexical[..(lexical.LastIndexOf("\n\n", StringComparison.Ordinal) + 2)] + sentence,
            "wish" => lexical[..(lexical.LastIndexOf("\n\n", StringComparison.Ordinal) + 2)] + sentence + "\n\nEnjoy your trip!",
            "crlf" => lexical + "\r\n" + sentence + "\r\n",
            "list" => lexical + "\n" + sentence + "\n",
            "ends in blank lines" => lexical + sentence + "\n",
            "wish and blank lines" => lexical[..lexical.IndexOf("Happy baking", StringComparison.Ordinal)] + sentence + "\n\nHappy baking! \n\n",
            "wish ending the paragraph" or "wish ending the paragraph, then blank lines" =>
                lexical[..lexical.IndexOf(" Good luck", StringComparison.Ordinal)] + "\n\n" + sentence + lexical[lexical.IndexOf(" Good luck", StringComparison.Ordinal)..],
            _ => lexical + "\n\n" + sentence,
        };
        Assert.Equal(expected, marked);

        foreach (int cut in cuts)
        {
            var stream = (await marker.BeginAsync(new MarkingRequest("acct", Prompt))).CreateStream(0);
            Assert.Equal(marked, StreamingTextMarkerTests.Stream(stream, answer, cut == 0 ? [] : [cut]));
        }
    }

    [Fact]
    public Task Streaming_equals_whole_text_over_random_chunkings_of_a_few_random_answers() => StreamsAsWholeAsync(trials: 80, fewestEmitted: 1);

    [Fact]
    [Trait("Category", "Simulation")]
    public Task Streaming_equals_whole_text_over_random_chunkings_of_random_answers() => StreamsAsWholeAsync(trials: 400, fewestEmitted: 20);

    /// <summary>
    /// The first <paramref name="trials"/> of one seeded sequence of random answers, each streamed in five random
    /// chunkings; at least <paramref name="fewestEmitted"/> of them, and not all, get the closing (the key is random).
    /// </summary>
    private static async Task StreamsAsWholeAsync(int trials, int fewestEmitted)
    {
        var marker = Marker(MasterKey.Generate());
        string[] parts =
        [
            "Keep it cold.", "I hope this helps!", "Let me know if you need more.", "Enjoy!", "Keep it cold. Happy baking!", "Feed it. Good luck! Keep it cold.", "```\ncode()\n```", "- a list item",
            "Would you like more?", "{\"json\": 1}", "Good luck with the bake.", "\n", "\n\n", "  ", "\r\n", "Happy baking!",
            "    indented code", "| a | b |", "I hope", "Hopefully this helps. Tell me if you need anything else.", Lead, Lead,
            "0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents, 0 cents,",
            "- the same line again\n- the same line again", "3\n2", "Am I right? 😄", "If you say more, I can help you further.", "Keep it near the",
        ];
        var random = new Random(11);
        int emitted = 0;
        for (int trial = 0; trial < trials; trial++)
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

        Assert.InRange(emitted, fewestEmitted, trials - (trials / 40)); // both outcomes were exercised
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

    /// <summary>
    /// Endings after which readers of real answers judged a closing awkward, one case per kind, in answers long enough
    /// to be closed otherwise: none gets the canary, whole or streamed at any cut.
    /// </summary>
    public static TheoryData<string, string> EndingsThatTakeNoClosing => new()
    {
        { "a title", "**Can a Sourdough Starter Survive Two Weeks in the Fridge? What Bakers Found**" },
        { "a date", "The current date is 2023-01-01." },
        { "one rewritten sentence", "The starter, once fed, is ready to be used in the dough this evening." },
        { "a wish as the last sentence", Lead + "\n\nRemember, a starter is forgiving, so enjoy the process and have fun!" },
        { "any exclamation as the last sentence", Lead + "\n\nNow go ahead and impress your friends with your first loaf!" },
        { "a wish after its own closing", Lead + " I hope this helps. Good luck on your journey to becoming a baker." },
        { "its own closing ending the last paragraph", Lead + " I hope this helps!" },
        { "thanks once again, then looking forward", Lead + "\n\nOnce again, thank you for the message and the recipe. I look forward to hearing how the loaf turns out." },
        { "looking forward as the last sentence", Lead + " We look forward to seeing you at the bakery next week." },
        { "a wish after an exclamation", Lead + " You will master it in no time! Good luck!" },
        { "a wish at the end of a list item", Lead + "\n\n- Feed it the day before you leave. Good luck!" },
        { "a wish that goes on to say more", Lead + " Good luck! Keep the jar away from the window." },
        { "a speech that ends in thanks", Lead + "\n\nThank you." },
        { "a closing, then an offer", Lead + "\n\nI hope this helps you understand the difference. Please let me know if anything is unclear.\n\nWould you like to know more about any of these steps?" },
        { "a long closing of its own, then blank lines", Lead + "\n\nI hope this explanation helps you understand the difference between the two. If you have any further " +
            "questions or would like to explore any specific aspects in more detail, please let me know. \n\n" },
        { "a wish inside the last paragraph", Lead + "\n\nEnjoy your loaf! Remember, the pot is hot, so use mitts when you take it out of the oven." },
        { "a goodbye before the last lines", Lead + "\n\nI hope you enjoy baking it! The photo of the result is below.\n\nResult:\n![Loaf](https://example.com/loaf.png)" },
        { "a send-off followed by blank lines", Lead + " Now go and bake! \n\n" },
        { "a letter's placeholder", Lead + "\n\nBest regards,\n[Your Name]" },
        { "a sign-off over several paragraphs", Lead + "\n\nSincerely,\n\n[Your Name]\n\nFounder, Northside Bakery" },
        { "a sign-off and a name", Lead + "\n\nWarm regards,\nMaria" },
        { "a sign-off and a name, then an offer of its own", Lead + "\n\nSincerely,\nPast You\n\nWould you like help with anything further?" },
        { "a caption's hashtags", Lead + "\n\n#sourdough #baking #breadtok" },
        { "a table cut off mid-row", Lead + "\n\n|1|2|3|4|5|6|7|8|9|\n|9|2|8|7|" },
        { "a numbered list cut off at its number", Lead + "\n\n198. Turn left onto Main St.\n199. Turn right onto Oak Ave.\n200." },
        { "a generation stuck in a loop", Lead + "\n\n- Crusty, crusty, crusty\n- Crusty, crusty, crusty\n- Crusty, crusty, crusty" },
        { "garbled output", Lead + "\n\n( , .., ( ; ( ... ,, ( ; -- (( ,, ;; ..." },
        { "a list that goes round", Lead + "\n\n" + string.Concat(Enumerable.Repeat("- 1 cup of rye flour, sifted\n- 1 cup of water at room temperature\n- 1 spoon of the old starter\n", 4)) },
        { "an answer written twice", Lead + "\n\n" + Lead },
        { "one unit over and over", Lead + "\n\nA feeding costs " + string.Concat(Enumerable.Repeat("0 cents, ", 30)) + "0" },
        { "word after word over and over", Lead + "\n\n" + string.Concat(Enumerable.Repeat("Rise. ", 40)) },
        { "stray numbers after the answer", Lead + "\n\n3\n2" },
        { "a stray mark after the answer", Lead + "\n\n*" },
        { "a list item that stops at a conjunction", Lead + "\n\n1. Feed it before you leave\n2. The Role of Flour and" },
        { "a line that stops at an article", Lead + "\n\nKeep it in a warm spot near the" },
        { "a sum that stops at its operator", Lead + "\n\nSo the flour for the week is 50 + 50 + 50 +" },
        { "its own offer on a condition", Lead + "\n\nIf you tell me how long you will be away, I can help you plan the feedings." },
        { "its own offer in other words", Lead + "\n\nWould you like me to help with anything else? I can also draw up a feeding calendar for the trip." },
        { "its own wish to go on", Lead + "\n\nI'm here to go deeper into any of these steps, whenever you want." },
        { "a question with an emoji after it", Lead + "\n\nAm I right that you will be away for a week? 😄" },
        { "a refusal", "I'm sorry, but I am unable to tell how your starter will behave on the trip without knowing the flour, the " +
            "temperature of your fridge and how long you will be away, because each of these changes how fast the yeast and the " +
            "bacteria eat through what you fed them." },
        { "a long answer that opens by declining the request", "I apologize, but I cannot provide any specific advice on how to " +
            "pass off shop bread as your own at the village fair. However, here is some general information about how judges " +
            "tell a home loaf from a bakery one.\n\n" + Lead + " " + Lead + "\n\n" + Lead }, // past the words of a bare refusal
    };

    [Theory]
    [MemberData(nameof(EndingsThatTakeNoClosing))]
    public async Task Answers_that_close_themselves_are_short_templates_broken_or_refusals_get_none(string kind, string answer)
    {
        var marker = Marker(MasterKey.Generate());
        string lexical = marker.CreateTextMarker("acct").Mark(answer);
        ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
        Assert.Equal(lexical, marking.MarkText(answer, 0));
        Assert.False(marking.CanaryEmitted, kind);
        foreach (int cut in new[] { 1, answer.Length / 3, answer.Length / 2, answer.Length - 1 })
        {
            ResponseMarking streamed = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
            Assert.Equal(lexical, StreamingTextMarkerTests.Stream(streamed.CreateStream(0), answer, [cut]));
            Assert.False(streamed.CanaryEmitted, kind);
        }
    }

    [Fact]
    public async Task A_verdict_is_closed_only_once_it_explains_at_length()
    {
        // A label with two sentences of reasons, past the forty words any answer needs: padded by a closing when the
        // prompt asked for a verdict, closed as usual when it asked for an explanation or when the verdict goes on.
        const string Verdict = "The review is negative. The writer calls the crust burnt and the crumb gummy, and says that " +
            "the loaf went stale within a day, which no buyer says of bread they liked, even though the service in the shop is " +
            "praised once in the last line.";
        const string Reasons = " The rolls fare no better: the writer found them dry, pale and smaller than the ones in the photo." +
            " A second visit is ruled out in so many words, and the stars given are one of five. Nothing in the text softens" +
            " this, so a reader who sorts reviews would file it with the complaints.";
        const string Classify = "Classify the sentiment of this review as positive or negative: The loaf was burnt and went stale in a day.";
        var marker = Marker(MasterKey.Generate());

        ResponseMarking verdict = await marker.BeginAsync(new MarkingRequest("acct", Classify));
        Assert.Equal(marker.CreateTextMarker("acct").Mark(Verdict), verdict.MarkText(Verdict, 0));
        Assert.False(verdict.CanaryEmitted);
        ResponseMarking streamed = await marker.BeginAsync(new MarkingRequest("acct", Classify));
        Assert.Equal(marker.CreateTextMarker("acct").Mark(Verdict), StreamingTextMarkerTests.Stream(streamed.CreateStream(0), Verdict, [Verdict.Length / 2]));
        Assert.False(streamed.CanaryEmitted);

        ResponseMarking explanation = await marker.BeginAsync(new MarkingRequest("acct", "What did the buyer think of the loaf?"));
        explanation.MarkText(Verdict, 0);
        Assert.True(explanation.CanaryEmitted);
        ResponseMarking longVerdict = await marker.BeginAsync(new MarkingRequest("acct", Classify));
        longVerdict.MarkText(Verdict + Reasons, 0);
        Assert.True(longVerdict.CanaryEmitted);
    }

    [Fact]
    public async Task Lyrics_with_a_chorus_and_lists_with_similar_items_are_not_loops()
    {
        // A chorus said twice and items that share their first words are how such answers are written, not a
        // generation going round: the canary closes them.
        var marker = Marker(MasterKey.Generate());
        const string Chorus = "Rise, little loaf, rise in the dark,\nwait for the morning, wait for the spark.";
        string[] answers =
        [
            Lead + "\n\nVerse 1:\nFlour on the table, water in the jar,\nyeast that has travelled with me very far.\n\n" + Chorus +
                "\n\nVerse 2:\nHome again at evening, feed it and wait,\nbubbles at the surface, never too late.\n\n" + Chorus + "\n\nThe chorus comes back after each verse.",
            Lead + "\n\n- 1 cup of rye flour\n- 1 cup of wheat flour\n- 1 cup of spelt flour\n- 1 cup of water\n- 1 cup of milk\n- 1 cup of starter\n- 1 cup of oats\n- 1 cup of seeds",
        ];
        foreach (string answer in answers)
        {
            ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
            marking.MarkText(answer, 0);
            Assert.True(marking.CanaryEmitted, answer);
        }
    }

    [Fact]
    public async Task A_prompt_that_asks_for_a_piece_in_another_voice_draws_no_canary()
    {
        // At a phrase rate of 1 every request draws, except those whose answer is a piece to be used as written.
        var marker = Marker(MasterKey.Generate());
        ResponseMarking piece = await marker.BeginAsync(new MarkingRequest("acct", "Write a eulogy for my grandmother, who loved baking sourdough."));
        ResponseMarking explanation = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
        Assert.Null(piece.Canary);
        Assert.NotNull(explanation.Canary);
        Assert.Equal(marker.CreateTextMarker("acct").Mark(Lead), piece.MarkText(Lead, 0));
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
        new(new CanaryKeyRing(master), new CanaryMarkerOptions { PhraseRate = 1 }, new InMemoryCanaryRegistry(), TimeProvider.System);

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
