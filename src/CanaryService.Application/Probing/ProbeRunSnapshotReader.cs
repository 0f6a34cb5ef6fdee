using CanaryService.Application.Configuration;
using CanaryService.Core.Issuance;
using Microsoft.Extensions.Options;

namespace CanaryService.Application.Probing;

/// <summary>
/// Reads a <see cref="ProbeRunSnapshot"/>: the issuance window of <c>Probe:IssuanceWindowDays</c> days up to today,
/// then the whole canary registry. One read per run: at scale these are the service's largest reads.
/// </summary>
public sealed class ProbeRunSnapshotReader
{
    private readonly ICanaryRegistry _registry;
    private readonly IIssuanceLog _issuance;
    private readonly IOptionsMonitor<ProbeOptions> _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the reader.</summary>
    public ProbeRunSnapshotReader(ICanaryRegistry registry, IIssuanceLog issuance, IOptionsMonitor<ProbeOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(issuance);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _registry = registry;
        _issuance = issuance;
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>Reads both once; a storage fault gives a <see cref="ProbeRunSnapshot.Failed"/> snapshot instead of throwing.</summary>
    public async Task<ProbeRunSnapshot> ReadAsync(CancellationToken cancellationToken = default)
    {
        DateOnly today = DateOnly.FromDateTime(_timeProvider.GetUtcNow().UtcDateTime);
        DateOnly firstDay = today.AddDays(-_options.CurrentValue.IssuanceWindowDays);
        try
        {
            // Issuance first: the proxy registers a canary before it emits it, so every canary issued in the rows
            // read is in the registry read after them.
            IReadOnlyList<AccountIssuance> accounts = await _issuance.QueryAsync(firstDay, today, cancellationToken).ConfigureAwait(false);
            List<CanaryRecord> canaries = [];
            await foreach (CanaryRecord canary in _registry.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                canaries.Add(canary);
            }

            return ProbeRunSnapshot.Of(canaries, accounts, firstDay, today);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ProbeRunSnapshot.Failed(ex, firstDay, today);
        }
    }
}
