using System.Buffers;
using CanaryService.Application.Proxy.Rewriting;
using CanaryService.Core.Marking;
using CanaryService.Core.Issuance;

namespace CanaryService.Application.Proxy.Marking;

/// <summary>The proxy's <see cref="IResponseMarker"/> over the engine's <see cref="CanaryMarker"/>.</summary>
public sealed class EngineResponseMarker : IResponseMarker
{
    private readonly CanaryMarker _marker;

    /// <summary>Creates the adapter.</summary>
    public EngineResponseMarker(CanaryMarker marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        _marker = marker;
    }

    /// <inheritdoc />
    public async ValueTask<IResponseMarking> BeginAsync(string accountId, string promptText, CancellationToken cancellationToken)
    {
        ResponseMarking marking = await _marker.BeginAsync(new MarkingRequest(accountId, promptText), cancellationToken).ConfigureAwait(false);
        return new Marking(marking);
    }

    private sealed class Marking(ResponseMarking marking) : IResponseMarking
    {
        public string MarkText(string text, int choiceIndex) => marking.MarkText(text, choiceIndex);

        public bool TryMarkText(ReadOnlySpan<char> text, int choiceIndex, IBufferWriter<char> output) => marking.TryMarkText(text, choiceIndex, output);

        public IStreamingTextMarking CreateStream(int choiceIndex) => new Stream(marking.CreateStream(choiceIndex));

        public IssuanceEvent ToIssuance(int markedChoices) => marking.ToIssuance(markedChoices);
    }

    private sealed class Stream(StreamingTextMarker marker) : IStreamingTextMarking
    {
        public string Append(string delta) => marker.Append(delta);

        public ReadOnlySpan<char> AppendSpan(ReadOnlySpan<char> delta) => marker.AppendSpan(delta);

        public string Complete() => marker.Complete();

        public void ReleaseBuffers() => marker.ReleaseBuffers();
    }
}
