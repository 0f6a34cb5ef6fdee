using System.Security.Cryptography;
using CanaryService.Core.Probing;
using CanaryService.Storage.Transcripts;

namespace CanaryService.Storage.Tests.Transcripts;

/// <summary>What every <see cref="ITranscriptStore"/> does, run against the blob container and against the in-memory fake.</summary>
public abstract class TranscriptStoreContract
{
    /// <summary>A new, empty store.</summary>
    protected abstract Task<ITranscriptStore> CreateAsync();

    /// <summary>Replaces the stored bytes of <paramref name="name"/> behind the store's back, as tampering would.</summary>
    protected abstract Task AlterAsync(ITranscriptStore store, string name, byte[] content);

    internal static Transcript Sample(string competitor = "rival", string run = "run-1") => new(
        competitor,
        run,
        new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.FromHours(1)),
        [
            new ProbeExchange("topic", "2026-11", "tide+pool", "Tell me about tide pools.", "Tide pools are…\nthe copper-lantern rule.", null, new DateTimeOffset(2026, 11, 22, 8, 31, 0, TimeSpan.Zero)),
            new ProbeExchange("open", null, null, "Write about rivers \"quoted\" ünïcode", null, "HTTP 429", new DateTimeOffset(2026, 11, 22, 8, 32, 0, 123, TimeSpan.Zero)),
        ]);

    [Fact]
    public async Task A_transcript_round_trips_named_by_the_hash_of_its_json_lines()
    {
        ITranscriptStore store = await CreateAsync();
        Transcript transcript = Sample();

        string name = await store.PutAsync(transcript);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(TranscriptFormat.Serialize(transcript))), name);
        Transcript back = await store.GetAsync(name);
        Assert.Equal(transcript.Competitor, back.Competitor);
        Assert.Equal(transcript.RunId, back.RunId);
        Assert.Equal(transcript.StartedAt, back.StartedAt);
        Assert.Equal(transcript.Exchanges, back.Exchanges);
        Assert.Equal(name, await store.ComputeHashAsync(name));
    }

    [Fact]
    public async Task Putting_the_same_transcript_again_gives_the_same_name_and_another_gives_another()
    {
        ITranscriptStore store = await CreateAsync();
        string name = await store.PutAsync(Sample());

        Assert.Equal(name, await store.PutAsync(Sample()));
        Assert.NotEqual(name, await store.PutAsync(Sample(run: "run-2")));
        Assert.Equal(name, await store.ComputeHashAsync(name));
    }

    [Fact]
    public async Task An_altered_transcript_is_detected_and_a_missing_one_is_reported()
    {
        ITranscriptStore store = await CreateAsync();
        string name = await store.PutAsync(Sample());
        await AlterAsync(store, name, "{\"transcript\":1}\n"u8.ToArray());

        Assert.NotEqual(name, await store.ComputeHashAsync(name));
        await Assert.ThrowsAsync<InvalidDataException>(() => store.GetAsync(name));
        string absent = new('a', 64);
        Assert.Null(await store.ComputeHashAsync(absent));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.GetAsync(absent));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => store.GetAsync("../escape"));
        Assert.Null(await store.ComputeHashAsync("../escape"));
    }
}
