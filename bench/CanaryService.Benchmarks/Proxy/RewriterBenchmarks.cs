using System.Text;
using BenchmarkDotNet.Attributes;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Application.Proxy.ServerSentEvents;
using CanaryService.Application.Proxy.Surfaces;
using CanaryService.Benchmarks.Interleaved;
using CanaryService.Benchmarks.Marking;
using CanaryService.Core.Issuance;
using CanaryService.Core.Keys;
using CanaryService.Core.Marking;
using CanaryService.Core.Phrases;
using CanaryService.ProxyBench;

namespace CanaryService.Benchmarks.Proxy;

/// <summary>
/// The proxy's rewriters on the load test's answer (<see cref="BenchAnswer"/>, shared with the fake upstream): one 2 KB
/// completion, and the same text as 86 SSE events fed in one read. Lexical marking only (no phrase canary), as for
/// most responses; allocations are per response.
/// </summary>
[MemoryDiagnoser]
public class RewriterBenchmarks
{
    // Names in the events' JSON that WarmCode's answer keeps even where they are lexicon words: renaming them would send
    // the rewriter down other paths than the real answer's.
    private static readonly HashSet<string> JsonNames = ["id", "object", "created", "model", "choices", "index", "delta", "content", "role",
        "refusal", "logprobs", "finish", "reason", "stop", "usage", "prompt", "tokens", "completion", "total", "system", "fingerprint", "null"];

    // The load test's prompt (bench/launch.sh, chat_body): what a response drawn for a phrase canary takes its topic from.
    private const string Prompt = "How do I find where the time goes in a slow service?";

    private readonly PooledBufferWriter<byte> _output = new(32 * 1024);
    private CanaryMarker _marker = null!;
    private CanaryMarker _phraseMarker = null!;
    private byte[] _completion = null!;
    private byte[] _stream = null!;
    private byte[][] _eventData = null!;
    private byte[][] _threeReads = null!;
    private ReachableMemory _markerData = ReachableMemory.Empty;
    private ReachableMemory _inputData = ReachableMemory.Empty;
    private byte[][] _threeReadsWithoutForms = null!;
    private byte[][] _responseThreeReads = null!;

    [GlobalSetup]
    public void Setup()
    {
        var ring = new CanaryKeyRing(MasterKey.FromBytes(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
        _marker = new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = 0 }, new NoRegistry(), TimeProvider.System);
        _phraseMarker = new CanaryMarker(ring, new CanaryMarkerOptions { PhraseRate = 1 }, new NoRegistry(), TimeProvider.System);
        _completion = BenchAnswer.Completion;
        _stream = [.. BenchAnswer.Events.SelectMany(e => e)];
        _eventData = [.. BenchAnswer.Events.Select(e => e["data: "u8.Length..^2])];
        _threeReads = [.. BenchAnswer.Events.Chunk(30).Select(read => read.SelectMany(e => e).ToArray())];
        _markerData = ReachableMemory.Collect(_marker);
        _inputData = ReachableMemory.Collect(_threeReads, _completion);
        _responseThreeReads = [.. BenchAnswer.ResponseEvents.Chunk(30).Select(read => read.SelectMany(e => e).ToArray())];
        _threeReadsWithoutForms = [.. _threeReads.Select(read => Encoding.UTF8.GetBytes(LexiconFreeText.Of(Encoding.UTF8.GetString(read), JsonNames)))];
    }

    /// <summary>
    /// Streams the same answer with every lexicon word replaced by one that is none: the parser, rewriter, scanner and
    /// marker code and the pooled buffers are then warm, the lexicon's forms, groups and keyed choices are not.
    /// </summary>
    public int WarmCode() => StreamInReadsAsync(_threeReadsWithoutForms).GetAwaiter().GetResult();

    /// <summary>Reads all of the marker's data (lexicon, keys, caches) and none of its code; see <see cref="ReachableMemory"/>.</summary>
    public int WarmMarkerData() => _markerData.Touch();

    /// <summary>Reads the answers fed in, as the Host finds an upstream read the kernel has just copied.</summary>
    public int WarmInput() => _inputData.Touch();

    /// <summary>One 2 KB non-streaming completion: scan, mark, splice.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> Completion2KB() => RewriteCompletionAsync(_marker, "");

    /// <summary>
    /// <see cref="Completion2KB"/> for a response drawn for a phrase canary (a fifth of them at the default
    /// <c>Canary:PhraseRate</c>), with the load test's prompt: its topic, the canary (registered once, then cached), the insertion.
    /// </summary>
    [Benchmark]
    public Task<int> Completion2KBWithPhrase() => RewriteCompletionAsync(_phraseMarker, Prompt);

    /// <summary><see cref="Stream86EventsInThreeReads"/> for a response drawn for a phrase canary.</summary>
    [Benchmark]
    public Task<int> Stream86EventsInThreeReadsWithPhrase() => StreamInReadsAsync(_threeReads, _phraseMarker, Prompt);

    /// <summary>The same answer as 86 SSE events: parse, scan each chunk, stream-mark, re-encode.</summary>
    [Benchmark]
    public async Task<int> Stream86Events()
    {
        ResponseMarking marking = await _marker.BeginAsync(new MarkingRequest("bench", ""), CancellationToken.None).ConfigureAwait(false);
        var rewriter = new ChatCompletionStreamRewriter(marking);
        var parser = new ServerSentEventParser();
        parser.Feed(_stream, rewriter);
        parser.Finish(rewriter);
        rewriter.Complete();
        int length = rewriter.Output.WrittenCount;
        rewriter.Release(); // as the Host does once the answer is sent: the per-answer buffers go back to the pool
        return length;
    }

    /// <summary>
    /// The same 86 events in three reads of up to 30 events, as the Host's upstream reads arrive at saturation (`perf stat`
    /// counted about three sends per SSE answer): the text a read's marker holds back opens the next read's first delta.
    /// </summary>
    [Benchmark]
    public Task<int> Stream86EventsInThreeReads() => StreamInReadsAsync(_threeReads);

    /// <summary>The same 86 events, each in a read of its own (a slow upstream; a fast one's reads hold many events).</summary>
    [Benchmark]
    public Task<int> Stream86EventsReadEach() => StreamInReadsAsync(BenchAnswer.Events);

    /// <summary>
    /// 64 SSE answers in three reads each, read by read across all of them, as a Host serving 64 connections at saturation
    /// takes them: between two reads of one answer come 63 other answers' reads, so whatever an answer keeps between its
    /// reads has left the core's caches by then. Per call, not per answer: divide by 64.
    /// </summary>
    [Benchmark]
    public async Task<int> Stream64AnswersInterleaved()
    {
        const int Answers = 64;
        var rewriters = new ChatCompletionStreamRewriter[Answers];
        var parsers = new ServerSentEventParser[Answers];
        for (int i = 0; i < Answers; i++)
        {
            ResponseMarking marking = await _marker.BeginAsync(new MarkingRequest("bench", ""), CancellationToken.None).ConfigureAwait(false);
            rewriters[i] = new ChatCompletionStreamRewriter(marking);
            parsers[i] = new ServerSentEventParser();
        }

        int length = 0;
        foreach (byte[] read in _threeReads)
        {
            for (int i = 0; i < Answers; i++)
            {
                parsers[i].Feed(read, rewriters[i]);
                length += SendOutput(rewriters[i]);
            }
        }

        for (int i = 0; i < Answers; i++)
        {
            parsers[i].Finish(rewriters[i]);
            rewriters[i].Complete();
            length += SendOutput(rewriters[i]);
            rewriters[i].Release();
        }

        return length;
    }

    /// <summary>Takes a read's output as the Host does: copied into the response pipe, then emptied.</summary>
    private int SendOutput(ChatCompletionStreamRewriter rewriter)
    {
        int length = rewriter.Output.WrittenCount;
        rewriter.Output.WrittenSpan.CopyTo(_output.GetSpan(length));
        rewriter.OutputSent();
        return length;
    }

    /// <summary>The 2 KB completion marked for a response begun with <paramref name="prompt"/>.</summary>
    private async Task<int> RewriteCompletionAsync(CanaryMarker marker, string prompt)
    {
        ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("bench", prompt), CancellationToken.None).ConfigureAwait(false);
        _output.ResetWrittenCount();
        ChatCompletionRewriter.Rewrite(_completion, marking, _output);
        return _output.WrittenCount;
    }

    /// <summary>One SSE answer fed read by read, its output taken after each read as the Host sends it.</summary>
    private Task<int> StreamInReadsAsync(byte[][] reads) => StreamInReadsAsync(reads, _marker, "");

    private static async Task<int> StreamInReadsAsync(byte[][] reads, CanaryMarker marker, string prompt)
    {
        ResponseMarking marking = await marker.BeginAsync(new MarkingRequest("bench", prompt), CancellationToken.None).ConfigureAwait(false);
        var rewriter = new ChatCompletionStreamRewriter(marking);
        var parser = new ServerSentEventParser();
        int length = 0;
        foreach (byte[] read in reads)
        {
            parser.Feed(read, rewriter);
            length += rewriter.Output.WrittenCount;
            rewriter.OutputSent();
        }

        parser.Finish(rewriter);
        rewriter.Complete();
        length += rewriter.Output.WrittenCount;
        rewriter.Release(); // as the Host does once the answer is sent: the per-answer buffers go back to the pool
        return length;
    }

    /// <summary>
    /// The same answer as the Responses API streams it (the load test's <c>responses</c> mode): 90 typed events in three
    /// reads, 82 deltas marked and the whole text repeated in four events, each copy replaced by the marked deltas joined.
    /// </summary>
    [Benchmark]
    public async Task<int> ResponseStream90EventsInThreeReads()
    {
        ResponseMarking marking = await _marker.BeginAsync(new MarkingRequest("bench", ""), CancellationToken.None).ConfigureAwait(false);
        var rewriter = new ResponseStreamRewriter(marking, ResponseTexts.Events);
        var parser = new ServerSentEventParser();
        int length = 0;
        foreach (byte[] read in _responseThreeReads)
        {
            parser.Feed(read, rewriter);
            length += rewriter.Output.WrittenCount;
            rewriter.OutputSent();
        }

        parser.Finish(rewriter);
        rewriter.Complete();
        length += rewriter.Output.WrittenCount;
        rewriter.Release(); // as the Host does once the answer is sent
        return length;
    }

    /// <summary>Only the JSON scan of the 86 events' data (what the rewriter does before marking).</summary>
    [Benchmark]
    public int ScanOnly86Events()
    {
        var choices = new List<ChoiceContent>();
        var envelope = new List<Range>();
        int found = 0;
        foreach (byte[] data in _eventData)
        {
            ChoiceScan.TryScan(data, "delta"u8, choices, envelope);
            found += choices.Count;
        }

        return found;
    }

    private sealed class NoRegistry : ICanaryRegistry
    {
        public Task RegisterAsync(CanaryRecord record, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async IAsyncEnumerable<CanaryRecord> ListAsync(string? epoch = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            yield break;
        }
    }
}
