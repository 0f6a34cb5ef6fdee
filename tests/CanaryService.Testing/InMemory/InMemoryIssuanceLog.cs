using CanaryService.Core.Issuance;

namespace CanaryService.Testing.InMemory;

/// <summary>
/// The issuance log in memory, with the table's semantics: each event counts one response on its account's UTC day and,
/// when it carries a canary, one on that (epoch, topic); a query sums the days asked, accounts in ordinal order.
/// Recording writes at once, so <see cref="FlushAsync"/> has nothing to wait for. Thread-safe.
/// </summary>
public sealed class InMemoryIssuanceLog : IIssuanceLog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Account, DateOnly Day), long> _responses = [];
    private readonly Dictionary<(string Account, DateOnly Day, string Epoch, string Topic), long> _canaries = [];

    /// <inheritdoc />
    public bool Record(IssuanceEvent issuance)
    {
        ArgumentNullException.ThrowIfNull(issuance);
        var day = DateOnly.FromDateTime(issuance.IssuedAt.UtcDateTime);
        lock (_gate)
        {
            _responses[(issuance.AccountId, day)] = _responses.GetValueOrDefault((issuance.AccountId, day)) + 1;
            if (issuance.CanaryEpoch is { } epoch && issuance.CanaryTopic is { } topic)
            {
                _canaries[(issuance.AccountId, day, epoch, topic)] = _canaries.GetValueOrDefault((issuance.AccountId, day, epoch, topic)) + 1;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AccountIssuance>> QueryAsync(DateOnly firstDay, DateOnly lastDay, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var totals = new SortedDictionary<string, (long Responses, Dictionary<(string, string), long> Topics)>(StringComparer.Ordinal);
        lock (_gate)
        {
            foreach (var ((account, day), responses) in _responses.Where(r => r.Key.Day >= firstDay && r.Key.Day <= lastDay))
            {
                var total = totals.GetValueOrDefault(account, (0, []));
                totals[account] = (total.Responses + responses, total.Topics);
            }

            foreach (var ((account, day, epoch, topic), responses) in _canaries.Where(r => r.Key.Day >= firstDay && r.Key.Day <= lastDay))
            {
                Dictionary<(string, string), long> topics = totals[account].Topics;
                topics[(epoch, topic)] = topics.GetValueOrDefault((epoch, topic)) + responses;
            }
        }

        return Task.FromResult<IReadOnlyList<AccountIssuance>>([.. totals.Select(t => new AccountIssuance(t.Key, t.Value.Responses, t.Value.Topics))]);
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
}
