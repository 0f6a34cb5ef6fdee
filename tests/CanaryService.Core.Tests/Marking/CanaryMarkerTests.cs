using System.Text;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Testing.InMemory;

namespace CanaryService.Core.Tests.Marking;

public sealed class CanaryMarkerTests
{
    private const string Prompt = "How should I structure unit tests for a payment service?";

    private static CanaryMarker Create(InMemoryCanaryRegistry registry, double rate = 1.0, MasterKey? master = null) =>
        new(new CanaryKeyRing(master ?? MasterKey.Generate()), new CanaryMarkerOptions { PhraseRate = rate }, registry, TimeProvider.System);

    [Fact]
    public async Task A_marking_counts_the_words_it_reads_whole_and_streamed_alike()
    {
        const string First = "One two three\nfour five.", Second = "six seven";
        var marker = Create(new InMemoryCanaryRegistry());
        var whole = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
        var streamed = await marker.BeginAsync(new MarkingRequest("acct", Prompt));

        whole.MarkText(First, choiceIndex: 0);
        whole.MarkText(Second, choiceIndex: 1);
        StreamingTextMarker stream = streamed.CreateStream(0);
        foreach (string delta in new[] { "One t", "wo three\nfo", "", "ur five." })
        {
            stream.Append(delta);
        }

        stream.Complete();
        StreamingTextMarker other = streamed.CreateStream(1);
        other.Append("six ");
        other.Append("seven");
        other.Complete();

        // Spaces and line breaks, plus one for each text: 5 + 2.
        Assert.Equal(7, whole.WordsSeen);
        Assert.Equal(7, streamed.WordsSeen);
    }

    [Fact]
    public async Task Registers_before_emitting_closes_choice_zero_once_and_logs_the_issuance()
    {
        var registry = new InMemoryCanaryRegistry();
        var marker = Create(registry);
        var marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));

        Assert.NotNull(marking.Canary);
        Assert.Single(registry.Rows);
        Assert.Equivalent(marking.Canary!.Record, registry.Rows.Single(), strict: true);

        string other = marking.MarkText(MarkingTexts.Answer, choiceIndex: 1);
        Assert.DoesNotContain(marking.Canary.Sentence, other, StringComparison.Ordinal);
        string first = marking.MarkText(MarkingTexts.Answer, choiceIndex: 0);
        Assert.EndsWith("\n\n" + marking.Canary.Sentence, first, StringComparison.Ordinal);
        Assert.StartsWith(marker.CreateTextMarker("acct").Mark(MarkingTexts.Answer), first, StringComparison.Ordinal);
        string again = marking.MarkText(MarkingTexts.Answer, choiceIndex: 0);
        Assert.DoesNotContain(marking.Canary.Sentence, again, StringComparison.Ordinal);

        var issuance = marking.ToIssuance(2);
        Assert.Equal("acct", issuance.AccountId);
        Assert.Equal(marking.Canary.Epoch, issuance.CanaryEpoch);
        Assert.Equal(marking.Canary.Topic, issuance.CanaryTopic);
    }

    [Fact]
    public async Task Canary_never_goes_into_json_or_an_unclosed_code_block()
    {
        var marker = Create(new InMemoryCanaryRegistry());
        foreach (string text in new[] { "{\"answer\": \"It usually works.\"}", "[1, 2, 3]", "Here is the code:\n\n```python\nprint('it usually works')\n" })
        {
            var marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
            string marked = marking.MarkText(text, 0);
            Assert.DoesNotContain(marking.Canary!.Sentence, marked, StringComparison.Ordinal);
            Assert.False(marking.CanaryEmitted);
            Assert.Null(marking.ToIssuance(1).CanaryTopic);
        }
    }

    [Fact]
    public async Task Marking_a_marked_answer_again_adds_no_second_canary_whatever_the_request()
    {
        var master = MasterKey.Generate();
        var marked = (await Create(new InMemoryCanaryRegistry(), master: master).BeginAsync(new MarkingRequest("acct", Prompt))).MarkText(MarkingTexts.Answer, 0);
        foreach (string prompt in new[] { Prompt, "How do I reduce the size of my Docker images?" })
        {
            var marking = await Create(new InMemoryCanaryRegistry(), master: master).BeginAsync(new MarkingRequest("other", prompt));
            Assert.Equal(marker(master).CreateTextMarker("other").Mark(marked), marking.MarkText(marked, 0));
            Assert.False(marking.CanaryEmitted);
        }

        CanaryMarker marker(MasterKey key) => Create(new InMemoryCanaryRegistry(), master: key);
    }

    [Fact]
    public async Task The_keyed_draw_is_the_same_for_the_same_request_and_holds_the_rate_over_many()
    {
        var master = MasterKey.Generate();
        var first = Create(new InMemoryCanaryRegistry(), rate: 0.2, master: master);
        var second = Create(new InMemoryCanaryRegistry(), rate: 0.2, master: master);
        const int Requests = 4_000;
        int drawn = 0;
        for (int i = 0; i < Requests; i++)
        {
            var request = new MarkingRequest("acct-" + (i % 7), "How should I size connection pools for replicas? (variant " + i + ")");
            bool a = (await first.BeginAsync(request)).Canary is not null;
            bool b = (await second.BeginAsync(request)).Canary is not null; // another process with the same key
            Assert.Equal(a, b);
            drawn += a ? 1 : 0;
        }

        // Binomial(4000, 0.2): mean 800, standard deviation about 25; ±5 standard deviations.
        Assert.InRange(drawn, 800 - 126, 800 + 126);

        // A response id tells two responses to one prompt apart: they draw independently.
        int byId = 0;
        for (int i = 0; i < 1_000; i++)
        {
            byId += (await first.BeginAsync(new MarkingRequest("acct", Prompt, "resp-" + i))).Canary is not null ? 1 : 0;
        }

        Assert.InRange(byId, 200 - 64, 200 + 64);

        // Another key decides differently for the same requests.
        var foreign = Create(new InMemoryCanaryRegistry(), rate: 0.5);
        var own = Create(new InMemoryCanaryRegistry(), rate: 0.5, master: master);
        int differ = 0;
        for (int i = 0; i < 200; i++)
        {
            var request = new MarkingRequest("acct", "Prompt about queues number " + i);
            differ += ((await foreign.BeginAsync(request)).Canary is null) != ((await own.BeginAsync(request)).Canary is null) ? 1 : 0;
        }

        Assert.InRange(differ, 50, 150);
    }

    [Fact]
    public async Task Streaming_with_canary_is_byte_identical_to_whole_text()
    {
        var master = MasterKey.Generate();
        var registry = new InMemoryCanaryRegistry();
        var marker = Create(registry, master: master);
        string whole = (await marker.BeginAsync(new MarkingRequest("acct", Prompt))).MarkText(MarkingTexts.Answer, 0);
        var random = new Random(7);
        for (int trial = 0; trial < 100; trial++)
        {
            var marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt));
            var cuts = new SortedSet<int>(Enumerable.Range(0, random.Next(1, 60)).Select(_ => random.Next(1, MarkingTexts.Answer.Length)));
            string streamed = StreamingTextMarkerTests.Stream(marking.CreateStream(0), MarkingTexts.Answer, cuts);
            Assert.Equal(whole, streamed);
            Assert.True(marking.CanaryEmitted);
        }

        Assert.Single(registry.Rows); // same topic, same canary within the epoch
        Assert.Equal(1, registry.Writes); // cached after the first success
    }

    [Fact]
    public async Task Registry_fault_means_no_canary_and_no_exception()
    {
        var registry = new InMemoryCanaryRegistry { Fault = new IOException("storage is down") };
        var marking = await Create(registry).BeginAsync(new MarkingRequest("acct", Prompt));
        Assert.Null(marking.Canary);
        string marked = marking.MarkText(MarkingTexts.Answer, 0);
        Assert.False(marking.CanaryEmitted);
        Assert.Null(marking.ToIssuance(1).CanaryEpoch);
        Assert.NotEmpty(marked);

        registry.Fault = null; // after recovery the canary is registered and used
        var next = await Create(registry).BeginAsync(new MarkingRequest("acct", Prompt));
        Assert.NotNull(next.Canary);
    }

    [Fact]
    public async Task After_a_registry_fault_no_caller_waits_for_the_registry_until_the_retry_time()
    {
        // The registry write is on the request path; during an outage each new topic's first response would wait for
        // the registry's time-out. After one failure the marker stops asking for a while.
        var registry = new InMemoryCanaryRegistry { Fault = new IOException("storage is down") };
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
        var marker = new CanaryMarker(new CanaryKeyRing(MasterKey.Generate()), new CanaryMarkerOptions { PhraseRate = 1 }, registry, clock);
        string[] prompts = ["How do I tune PostgreSQL vacuum?", "Why does Kafka rebalance consumers?", "How are Rust lifetimes checked?"];

        Assert.Null((await marker.BeginAsync(new MarkingRequest("acct", prompts[0]))).Canary);
        Assert.Equal(1, registry.Writes);
        registry.Fault = null;
        foreach (string prompt in prompts)
        {
            Assert.Null((await marker.BeginAsync(new MarkingRequest("acct", prompt))).Canary);
        }

        Assert.Equal(1, registry.Writes);

        clock.Now += CanaryMarker.RegistryRetryAfter;
        Assert.NotNull((await marker.BeginAsync(new MarkingRequest("acct", prompts[1]))).Canary);
        Assert.Equal(2, registry.Writes);
    }

    [Fact]
    public async Task A_stored_answer_fetched_again_carries_the_canary_it_was_created_with_whatever_the_draw_and_the_month()
    {
        MasterKey master = MasterKey.Generate();
        var created = new InMemoryCanaryRegistry();
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero));
        var creating = new CanaryMarker(new CanaryKeyRing(master), new CanaryMarkerOptions { PhraseRate = 1 }, created, clock);
        ResponseMarking first = await creating.BeginAsync(new MarkingRequest("acct", Prompt));
        string sent = first.MarkText(MarkingTexts.Answer, choiceIndex: 0);
        Assert.True(first.CanaryEmitted);
        var stored = new StoredCanary("resp_1", first.IssuedAt, first.Canary!.Epoch, first.Canary.Topic);

        // A later month, another instance (its own registry cache) that never draws, and no prompt: the same canary.
        clock.Now = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
        var fetching = new CanaryMarker(new CanaryKeyRing(master), new CanaryMarkerOptions { PhraseRate = 0 }, created, clock);
        ResponseMarking again = await fetching.BeginAsync(new MarkingRequest("acct", "") { Stored = stored });
        Assert.Equal(sent, again.MarkText(MarkingTexts.Answer, choiceIndex: 0));
        Assert.Equal(first.Canary.Sentence, again.Canary!.Sentence);
        IssuanceEvent issued = again.ToIssuance(1);
        Assert.Equal(("2026-11", first.Canary.Topic), (issued.CanaryEpoch, issued.CanaryTopic));

        // Another account reads its own lexical marks with the same canary.
        ResponseMarking other = await fetching.BeginAsync(new MarkingRequest("other", "") { Stored = stored });
        Assert.EndsWith("\n\n" + first.Canary.Sentence, other.MarkText(MarkingTexts.Answer, choiceIndex: 0), StringComparison.Ordinal);

        // An entry whose topic is not a topic key gives no canary rather than an error.
        Assert.Null((await fetching.BeginAsync(new MarkingRequest("acct", "") { Stored = stored with { Topic = "Not a+topic" } })).Canary);
        Assert.Null((await fetching.BeginAsync(new MarkingRequest("acct", "") { Stored = stored with { Epoch = "" } })).Canary);
    }

    [Fact]
    public async Task An_answer_created_earlier_draws_the_canary_of_the_epoch_it_was_created_in()
    {
        var registry = new InMemoryCanaryRegistry();
        var marker = Create(registry);
        ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("acct", Prompt, "line-1") { CreatedAt = new DateTimeOffset(2025, 12, 31, 23, 0, 0, TimeSpan.Zero) });
        Assert.Equal("2025-12", marking.Canary!.Epoch);
        Assert.Equal("2025-12", Assert.Single(registry.Rows).Epoch);
        Assert.True(marking.IssuedAt > new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)); // issued now, for the record
    }

    [Fact]
    public async Task Rate_zero_never_draws_a_canary()
    {
        var registry = new InMemoryCanaryRegistry();
        var marking = await Create(registry, rate: 0).BeginAsync(new MarkingRequest("acct", Prompt));
        Assert.Null(marking.Canary);
        Assert.Empty(registry.Rows);
    }

    [Fact]
    public void Invalid_options_are_a_configuration_error()
    {
        var ring = new CanaryKeyRing(MasterKey.Generate());
        Assert.Throws<CanaryConfigurationException>(() => new CanaryMarker(ring, new CanaryMarkerOptions { PhraseDecoys = 10 }, new InMemoryCanaryRegistry(), TimeProvider.System));
        Assert.Throws<CanaryConfigurationException>(() => new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = 1.5 }, new InMemoryCanaryRegistry(), TimeProvider.System));
    }

    [Fact]
    public async Task Bad_input_never_throws_and_output_stays_valid()
    {
        var marking = await Create(new InMemoryCanaryRegistry()).BeginAsync(new MarkingRequest("acct", Prompt));
        var big = new StringBuilder();
        while (big.Length < 10 * 1024 * 1024)
        {
            big.Append(MarkingTexts.Answer).Append("\n\n");
        }

        string huge = big.ToString();
        string markedHuge = marking.MarkText(huge, 1);
        Assert.InRange(markedHuge.Length, huge.Length * 0.95, huge.Length * 1.05);
        Assert.Equal(markedHuge, marking.MarkText(markedHuge, 1));

        string broken = "Typically \uD800 usually \uDC00 often \uDBFF\uDFFF many people.";
        string markedBroken = marking.MarkText(broken, 1);
        Assert.Contains("\uD800", markedBroken, StringComparison.Ordinal);
        Assert.Contains("\uDC00", markedBroken, StringComparison.Ordinal);
        Assert.Contains("\uDBFF\uDFFF", markedBroken, StringComparison.Ordinal);

        const string mixed = "Обычно это typically 通常 usually مثلاً often.";
        string markedMixed = marking.MarkText(mixed, 1);
        Assert.Contains("Обычно это", markedMixed, StringComparison.Ordinal);
        Assert.Contains("通常", markedMixed, StringComparison.Ordinal);
        Assert.Contains("مثلاً", markedMixed, StringComparison.Ordinal);

        Assert.Equal("", marking.MarkText(null, 1));
        var stream = marking.CreateStream(1);
        Assert.Equal("", stream.Append(null));
        Assert.Equal("", stream.Complete());
    }

    [Fact]
    public async Task The_span_overload_writes_exactly_what_MarkText_returns_and_nothing_when_the_text_stays()
    {
        var master = MasterKey.Generate();
        var random = new Random(41);
        int emitted = 0;
        string[] texts =
        [
            MarkingTexts.Answer,
            MarkingTexts.Answer + "\n\n" + MarkingTexts.Answer,
            "",
            "Just one line with no lexicon word: 42.",
            "```\ncode only\n```",
            "Typically \uD800 usually \uDC00 often many people.",
        ];
        for (int round = 0; round < 60; round++)
        {
            string text = round < texts.Length ? texts[round] : string.Join("\n\n", Enumerable.Range(0, random.Next(1, 4)).Select(_ => MarkingTexts.Answer[..random.Next(MarkingTexts.Answer.Length)]));
            int choice = random.Next(2);
            // Two markings of the same response: the phrase canary is claimed once per marking.
            var byString = await Create(new InMemoryCanaryRegistry(), master: master).BeginAsync(new MarkingRequest("acct", Prompt));
            var bySpan = await Create(new InMemoryCanaryRegistry(), master: master).BeginAsync(new MarkingRequest("acct", Prompt));
            string expected = byString.MarkText(text, choice);
            var output = new System.Buffers.ArrayBufferWriter<char>();
            bool changed = bySpan.TryMarkText(text, choice, output);

            Assert.Equal(!string.Equals(expected, text, StringComparison.Ordinal), changed);
            Assert.Equal(changed ? expected : "", output.WrittenSpan.ToString());
            Assert.Equal(byString.CanaryEmitted, bySpan.CanaryEmitted);
            emitted += bySpan.CanaryEmitted ? 1 : 0;
        }

        Assert.InRange(emitted, 5, 55); // both paths were exercised: with the phrase inserted and without
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
