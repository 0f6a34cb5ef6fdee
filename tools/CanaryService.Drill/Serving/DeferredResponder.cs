namespace CanaryService.Drill.Serving;

/// <summary>
/// A responder whose model arrives later: the students' endpoints must exist (and their URLs be configured as
/// competitors) before the service starts, but the students can only be trained on traffic that went through it.
/// Until then it answers nothing (the endpoint replies 404).
/// </summary>
internal sealed class DeferredResponder : IChatResponder
{
    private volatile IChatResponder? _model;

    /// <summary>Puts the trained model behind the endpoint.</summary>
    public void Attach(IChatResponder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
    }

    /// <inheritdoc />
    public string? Respond(string prompt) => _model?.Respond(prompt);

    /// <inheritdoc />
    public ValueTask<string?> RespondAsync(string prompt, CancellationToken cancellationToken) =>
        _model?.RespondAsync(prompt, cancellationToken) ?? ValueTask.FromResult<string?>(null);
}
