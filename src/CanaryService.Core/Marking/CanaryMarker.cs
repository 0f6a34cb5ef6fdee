using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using CanaryService.Core.Keys;
using CanaryService.Core.Lexicon;
using CanaryService.Core.Phrases;
using CanaryService.Core.Issuance;

namespace CanaryService.Core.Marking;

/// <summary>
/// The marking facade the proxy and <c>UseCanaries()</c> share. <see cref="BeginAsync"/> decides, per response and
/// by a keyed draw (the same request always decides the same), whether it carries its topic's phrase canary; the canary is registered (awaited, cached after the first
/// success) before it can ever be emitted, and a registry fault only means no canary, never a failed request.
/// </summary>
public sealed class CanaryMarker : IDisposable
{
    private const int MaxCachedCanaries = 100_000;

    // The phrase draw's message: a length prefix ("-" or up to 10 digits) and its colon per field, and the stack
    // buffer for it (an account id and a short prompt fit; a longer prompt is written into a rented array).
    private const int FieldPrefixBytes = 11;
    private const int StackMessageBytes = 1024;

    /// <summary>
    /// After a registry write fails, how long new canaries are not attempted. The write sits on the request path (the
    /// answer waits for it, up to the registry's own time-out): during a storage outage every response drawn for an
    /// uncached topic would otherwise wait that long. Responses meanwhile carry only the lexical watermark.
    /// </summary>
    internal static readonly TimeSpan RegistryRetryAfter = TimeSpan.FromSeconds(10);

    private readonly CanaryKeyRing _keyRing;
    private readonly CanaryMarkerOptions _options;
    private readonly ICanaryRegistry _registry;
    private readonly TimeProvider _timeProvider;
    private readonly LexiconLayers _layers;
    private readonly PhraseCanaryGenerator _generator;
    private readonly ThreadHmac _phraseDraw;
    private readonly ConcurrentDictionary<(string Epoch, string Topic), PhraseCanary> _registered = new();
    private long _registryRetryAtTicks;

    /// <summary>Creates the marker.</summary>
    /// <exception cref="CanaryConfigurationException">The options are invalid.</exception>
    public CanaryMarker(CanaryKeyRing keyRing, CanaryMarkerOptions options, ICanaryRegistry registry, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _keyRing = keyRing;
        _options = options;
        _registry = registry;
        _timeProvider = timeProvider;
        _layers = LexiconLayers.Create(options.Lexicon, keyRing);
        _generator = new PhraseCanaryGenerator(keyRing, options.PhraseDecoys, timeProvider);
        _phraseDraw = new ThreadHmac(keyRing.PhraseDrawKey);
    }

    /// <summary>Which lexicon groups are keyed globally (the detector scores the same split).</summary>
    public LexiconLayers Layers => _layers;

    /// <summary>The lexical marker of an account, without phrase canaries.</summary>
    public TextMarker CreateTextMarker(string accountId)
    {
        ArgumentException.ThrowIfNullOrEmpty(accountId);
        return new TextMarker(_options.Lexicon, _layers, _keyRing.Global, _keyRing.ForAccount(accountId));
    }

    /// <summary>Starts marking one response.</summary>
    public async Task<ResponseMarking> BeginAsync(MarkingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string accountId = string.IsNullOrEmpty(request.AccountId) ? AccountIds.Anonymous : request.AccountId;
        DateTimeOffset now = _timeProvider.GetUtcNow();
        TextMarker marker = CreateTextMarker(accountId);
        PhraseCanary? canary = null;
        if (request.Stored is { } stored)
        {
            // The canary was drawn, registered and inserted when the answer was created; the same text closes the same way.
            if (TopicBucket.FromKey(stored.Topic) is { } storedTopic && !string.IsNullOrEmpty(stored.Epoch))
            {
                canary = await RegisteredCanaryAsync(stored.Epoch, storedTopic, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (DrawsCanary(accountId, request) && !PieceRequest.Matches(request.PromptText) && TopicBucket.FromPrompt(request.PromptText) is { } topic)
        {
            canary = await RegisteredCanaryAsync(_options.EpochOf(request.CreatedAt ?? now), topic, cancellationToken).ConfigureAwait(false);
        }

        // A verdict ("Classify the tweet…") is closed only once it explains at length (VerdictRequest); the prompt is read
        // for that only when there is a canary to close with.
        return new ResponseMarking(accountId, now, marker, canary, canary is null ? PhraseInsertion.MinimumProseWords : MinimumProseWords(request.PromptText));
    }

    /// <summary>The fewest words of prose an answer to <paramref name="prompt"/> needs before a canary closes it.</summary>
    internal static int MinimumProseWords(string? prompt) =>
        VerdictRequest.Matches(prompt) ? VerdictRequest.MinimumWords : PhraseInsertion.MinimumProseWords;

    /// <summary>
    /// Whether this request carries a phrase canary: a keyed draw over what identifies the response (account, prompt,
    /// response id), true with probability <see cref="CanaryMarkerOptions.PhraseRate"/> over distinct requests. Being
    /// keyed, the same response marked twice (fetched again, replayed from a batch file) reads the same, and runs are
    /// reproducible; being secret, a caller cannot find the prompts that draw one.
    /// </summary>
    internal bool DrawsCanary(string accountId, MarkingRequest request)
    {
        double rate = _options.PhraseRate;
        if (rate <= 0)
        {
            return false;
        }

        if (rate >= 1)
        {
            return true;
        }

        // The UTF-8 of length-prefixed fields, so no two different requests hash the same input:
        // "{account.Length}:{account}\n{prompt.Length}:{prompt}\n{response.Length or -}:{response}", written out first and
        // then appended at once: every append is a native call (OpenSSL, clearing its error queue first), which cost more
        // on the request path than hashing the bytes.
        string prompt = request.PromptText ?? "", response = request.ResponseId ?? "";
        int maxBytes = (3 * FieldPrefixBytes) + 2 + Encoding.UTF8.GetMaxByteCount(accountId.Length + prompt.Length + response.Length);
        byte[]? rented = maxBytes > StackMessageBytes ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        Span<byte> message = rented ?? stackalloc byte[StackMessageBytes];
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        try
        {
            int written = WriteField(message, accountId.Length, accountId);
            message[written++] = (byte)'\n';
            written += WriteField(message[written..], prompt.Length, prompt);
            message[written++] = (byte)'\n';
            written += WriteField(message[written..], request.ResponseId is null ? -1 : response.Length, response);
            _phraseDraw.Compute(message[..written], mac);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        // The top 53 bits as a uniform double in [0, 1): below the rate with probability exactly the rate (to 2^-53).
        double uniform = (BinaryPrimitives.ReadUInt64BigEndian(mac) >> 11) * (1.0 / (1UL << 53));
        return uniform < rate;
    }

    /// <summary>
    /// Writes <c>{length}:{text}</c> (<c>-</c> for a length of -1) as UTF-8, an unpaired surrogate as U+FFFD (as
    /// <see cref="Encoding.UTF8"/> encodes it); returns the bytes written.
    /// </summary>
    private static int WriteField(Span<byte> destination, int length, string text)
    {
        int written;
        if (length < 0)
        {
            destination[0] = (byte)'-';
            written = 1;
        }
        else
        {
            length.TryFormat(destination, out written, provider: CultureInfo.InvariantCulture);
        }

        destination[written++] = (byte)':';
        Utf8.FromUtf16(text, destination[written..], out _, out int textBytes, replaceInvalidSequences: true, isFinalBlock: true);
        return written + textBytes;
    }

    /// <inheritdoc />
    public void Dispose() => _phraseDraw.Dispose();

    private async Task<PhraseCanary?> RegisteredCanaryAsync(string epoch, TopicBucket topic, CancellationToken cancellationToken)
    {
        if (_registered.TryGetValue((epoch, topic.Key), out var known))
        {
            return known;
        }

        if (_timeProvider.GetUtcNow().UtcTicks < Interlocked.Read(ref _registryRetryAtTicks))
        {
            return null; // the registry failed a moment ago: don't make this caller wait for it too
        }

        PhraseCanary canary = _generator.Create(epoch, topic.Key, topic.Words);
        try
        {
            await _registry.RegisterAsync(canary.Record, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A storage fault must never fail the caller: the response just carries no canary.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Exchange(ref _registryRetryAtTicks, (_timeProvider.GetUtcNow() + RegistryRetryAfter).UtcTicks);
            return null;
        }

        if (_registered.Count >= MaxCachedCanaries)
        {
            _registered.Clear();
        }

        _registered.TryAdd((epoch, topic.Key), canary);
        return canary;
    }
}
