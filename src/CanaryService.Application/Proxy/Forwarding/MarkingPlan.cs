using System.Collections.Concurrent;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Issuance;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CanaryService.Application.Proxy.Forwarding;

/// <summary>
/// The marking of one answer, begun while the request is still on its way upstream so the registry
/// write (if any) overlaps the model's answer.
/// </summary>
internal sealed partial class MarkingPlan
{
    private Task<ResponseMarking?> _marking;

    public MarkingPlan(Task<ResponseMarking?> marking, int maxRewrittenResponseBytes, bool findsAnswerId = false)
    {
        _marking = marking;
        MaxRewrittenResponseBytes = maxRewrittenResponseBytes;
        FindsAnswerId = findsAnswerId;
    }

    /// <summary>
    /// For a batch output file whose input was read: by <c>custom_id</c>, the marking of each request that drew a phrase
    /// canary, and null for each that asked for structured output (set before <see cref="MarkingAsync"/> completes).
    /// </summary>
    public IReadOnlyDictionary<string, ResponseMarking?>? RequestMarkings { get; private set; }

    /// <summary>For a list of stored answers: reads the canaries the listed answers carried, once the list has arrived.</summary>
    public StoredAnswerLookup? StoredLookup { get; private init; }

    // How many of a batch's requests register their canary at once (the registry write is awaited, once per new topic),
    // and how many listed answers are looked up at once.
    private const int BatchRegistrations = 8;

    /// <summary>The most answers of one list looked up (a page of stored chat completions holds at most 100).</summary>
    public const int MaxListLookups = 100;

    /// <summary>
    /// The most topics of one batch file whose requests may carry a canary: each new topic is a registry write the
    /// download waits for. Topics are taken in file order, so every download of a file carries the same canaries.
    /// </summary>
    public const int MaxBatchTopics = 2_000;

    public int MaxRewrittenResponseBytes { get; }

    /// <summary>
    /// The answer will be stored by the provider: the rewriting body reads its id, so that a canary it carries can be
    /// recorded for the fetches of the stored copy.
    /// </summary>
    public bool FindsAnswerId { get; }

    /// <summary>Starts the marking; a failure leaves the answer unmarked rather than failing the caller.</summary>
    public static MarkingPlan Begin(
        CanaryMarker marker, string accountId, string promptText, int maxRewrittenResponseBytes, ILogger logger, CancellationToken cancellationToken,
        bool findsAnswerId = false)
    {
        ArgumentNullException.ThrowIfNull(marker);
        return new MarkingPlan(BeginCoreAsync(marker, new MarkingRequest(accountId, promptText), logger, cancellationToken), maxRewrittenResponseBytes, findsAnswerId);
    }

    /// <summary>
    /// Starts the marking of a stored answer fetched again: the index is read (while the upstream answers) for the
    /// phrase canary the answer carried when created, and the marking carries it again. A failed or slow read means no
    /// canary, never a failed fetch.
    /// </summary>
    public static MarkingPlan BeginStored(
        CanaryMarker marker, IStoredCanaryIndex index, string accountId, string answerId, int maxRewrittenResponseBytes, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        ArgumentNullException.ThrowIfNull(index);
        return new MarkingPlan(BeginStoredCoreAsync(marker, index, accountId, answerId, logger, cancellationToken), maxRewrittenResponseBytes);
    }

    /// <summary>The marking, or null when it could not be prepared.</summary>
    public Task<ResponseMarking?> MarkingAsync() => _marking;

    /// <summary>Words of the text marked so far (an estimate; 0 when the marking could not be prepared).</summary>
    public long OutputWords => _marking.IsCompletedSuccessfully && _marking.Result is { } marking ? marking.WordsSeen : 0;

    /// <summary>
    /// Starts the marking of a batch output file: while the upstream sends it, the batch's input is read (the prompts
    /// its lines answer) and each request draws its phrase canary as it would sent on its own, keyed by its
    /// <c>custom_id</c> and in the epoch the batch was created in, so every download of the file reads the same. When
    /// the input cannot be read the lines carry the lexical watermark alone, never a failed download.
    /// </summary>
    public static MarkingPlan BeginBatch(
        CanaryMarker marker, BatchInputReader reader, HttpRequest download, string accountId, int maxRewrittenResponseBytes, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        ArgumentNullException.ThrowIfNull(reader);
        var plan = new MarkingPlan(Task.FromResult<ResponseMarking?>(null), maxRewrittenResponseBytes);
        plan._marking = plan.BeginBatchCoreAsync(marker, reader, download, accountId, logger, cancellationToken);
        return plan;
    }

    /// <summary>
    /// Starts the marking of a list of stored answers: each listed answer that carried a phrase canary when created
    /// carries it again (read from the index once the list has arrived, at most <see cref="MaxListLookups"/> ids, several
    /// at once); a failed or slow read leaves that answer with the lexical watermark alone.
    /// </summary>
    public static MarkingPlan BeginStoredList(
        CanaryMarker marker, IStoredCanaryIndex index, string accountId, int maxRewrittenResponseBytes, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(marker);
        ArgumentNullException.ThrowIfNull(index);
        return new MarkingPlan(BeginCoreAsync(marker, new MarkingRequest(accountId, ""), logger, cancellationToken), maxRewrittenResponseBytes)
        {
            StoredLookup = (ids, token) => LookUpStoredAsync(marker, index, accountId, ids, logger, token),
        };
    }

    private static async Task<IReadOnlyDictionary<string, ResponseMarking?>?> LookUpStoredAsync(
        CanaryMarker marker, IStoredCanaryIndex index, string accountId, IReadOnlyList<string> ids, ILogger logger, CancellationToken cancellationToken)
    {
        var byAnswer = new ConcurrentDictionary<string, ResponseMarking?>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            ids.Distinct(StringComparer.Ordinal).Take(MaxListLookups),
            new ParallelOptions { MaxDegreeOfParallelism = BatchRegistrations, CancellationToken = cancellationToken },
            async (id, token) =>
            {
                if (await BeginStoredCoreAsync(marker, index, accountId, id, logger, token).ConfigureAwait(false) is { Canary: not null } marking)
                {
                    byAnswer.TryAdd(id, marking);
                }
            }).ConfigureAwait(false);
        return byAnswer.IsEmpty ? null : byAnswer;
    }

    private async Task<ResponseMarking?> BeginBatchCoreAsync(
        CanaryMarker marker, BatchInputReader reader, HttpRequest download, string accountId, ILogger logger, CancellationToken cancellationToken)
    {
        ResponseMarking? marking = await BeginCoreAsync(marker, new MarkingRequest(accountId, ""), logger, cancellationToken).ConfigureAwait(false);
        if (marking is null)
        {
            return null;
        }

        try
        {
            if (await reader.ReadAsync(download, cancellationToken).ConfigureAwait(false) is { } input)
            {
                var byRequest = new ConcurrentDictionary<string, ResponseMarking?>(StringComparer.Ordinal);
                // Enumerated once, in file order (Parallel.ForEachAsync takes items one at a time): the first topics win.
                var topics = new HashSet<string>(StringComparer.Ordinal);
                bool MayCarryCanary(BatchInputLine line) =>
                    TopicBucket.FromPrompt(line.Prompt) is { } topic && (topics.Contains(topic.Key) || (topics.Count < MaxBatchTopics && topics.Add(topic.Key)));
                await Parallel.ForEachAsync(
                    input.Lines.Where(line => line.Structured || MayCarryCanary(line)),
                    new ParallelOptions { MaxDegreeOfParallelism = BatchRegistrations, CancellationToken = cancellationToken },
                    async (line, token) =>
                    {
                        if (line.Structured)
                        {
                            byRequest.TryAdd(line.CustomId, null);
                            return;
                        }

                        var request = new MarkingRequest(accountId, line.Prompt, line.CustomId) { CreatedAt = input.CreatedAt };
                        if (await marker.BeginAsync(request, token).ConfigureAwait(false) is { Canary: not null } drawn)
                        {
                            byRequest.TryAdd(line.CustomId, drawn);
                        }
                    }).ConfigureAwait(false);
                RequestMarkings = byRequest;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
#pragma warning disable CA1031 // The batch's input only adds phrase canaries: without it the file is marked as before.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogBatchInputFailed(logger, exception);
        }

        return marking;
    }

    private static async Task<ResponseMarking?> BeginStoredCoreAsync(
        CanaryMarker marker, IStoredCanaryIndex index, string accountId, string answerId, ILogger logger, CancellationToken cancellationToken)
    {
        StoredCanary? stored = null;
        try
        {
            stored = await index.FindAsync(answerId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
#pragma warning disable CA1031 // A storage fault must never fail a fetch: the copy then carries the lexical watermark alone.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogStoredCanaryLookupFailed(logger, exception);
        }

        return await BeginCoreAsync(marker, new MarkingRequest(accountId, "") { Stored = stored }, logger, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<ResponseMarking?> BeginCoreAsync(
        CanaryMarker marker, MarkingRequest request, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            return await marker.BeginAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
#pragma warning disable CA1031 // Marking must never be the reason a caller's request fails.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogMarkingFailed(logger, exception);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the input of a batch whose output is downloaded; its lines carry the lexical watermark alone.")]
    private static partial void LogBatchInputFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the phrase canary of a stored answer; the fetched copy carries the lexical watermark alone.")]
    private static partial void LogStoredCanaryLookupFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not prepare the marking of a response; it is passed through unmarked.")]
    private static partial void LogMarkingFailed(ILogger logger, Exception exception);
}
