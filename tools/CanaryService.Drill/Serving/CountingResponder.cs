namespace CanaryService.Drill.Serving;

/// <summary>Counts the words a model answered with, for the drill's cost figures (words needed for a verdict).</summary>
internal sealed class CountingResponder(IChatResponder inner) : IChatResponder
{
    private long _words;

    /// <summary>Words in every answer given so far.</summary>
    public long Words => Interlocked.Read(ref _words);

    /// <inheritdoc />
    public string? Respond(string prompt) => Count(inner.Respond(prompt));

    /// <inheritdoc />
    public async ValueTask<string?> RespondAsync(string prompt, CancellationToken cancellationToken) =>
        Count(await inner.RespondAsync(prompt, cancellationToken).ConfigureAwait(false));

    private string? Count(string? answer)
    {
        if (answer is not null)
        {
            Interlocked.Add(ref _words, answer.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
        }

        return answer;
    }
}
