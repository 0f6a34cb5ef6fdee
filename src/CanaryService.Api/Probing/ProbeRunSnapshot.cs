using System.Runtime.ExceptionServices;
using CanaryService.Api.Configuration;
using CanaryService.Core.Ports;
using Microsoft.Extensions.Options;

namespace CanaryService.Api.Probing;

/// <summary>
/// What a probe run knows of the registry and the issuance window, read once at its start: the planner draws its
/// prompts and the scoring tests its candidates from the same rows, for every competitor of the run.
/// </summary>
public sealed class ProbeRunSnapshot
{
    private readonly IReadOnlyList<CanaryRecord> _canaries;
    private readonly IReadOnlyList<AccountIssuance> _accounts;

    private ProbeRunSnapshot(IReadOnlyList<CanaryRecord> canaries, IReadOnlyList<AccountIssuance> accounts, Exception? failure)
    {
        _canaries = canaries;
        _accounts = accounts;
        Failure = failure;
    }

    /// <summary>Why the rows could not be read; null when they were.</summary>
    public Exception? Failure { get; }

    /// <summary>Every registered canary (empty when the read failed).</summary>
    public IReadOnlyList<CanaryRecord> Canaries => _canaries;

    /// <summary>Every account's issuance over the window (empty when the read failed).</summary>
    public IReadOnlyList<AccountIssuance> Accounts => _accounts;

    /// <summary>A snapshot of the given rows.</summary>
    public static ProbeRunSnapshot Of(IReadOnlyList<CanaryRecord> canaries, IReadOnlyList<AccountIssuance> accounts)
    {
        ArgumentNullException.ThrowIfNull(canaries);
        ArgumentNullException.ThrowIfNull(accounts);
        return new ProbeRunSnapshot(canaries, accounts, null);
    }

    /// <summary>A snapshot whose rows could not be read.</summary>
    public static ProbeRunSnapshot Failed(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new ProbeRunSnapshot([], [], failure);
    }

    /// <summary>The rows, or the read's failure rethrown: evidence is never computed without them.</summary>
    public (IReadOnlyList<CanaryRecord> Canaries, IReadOnlyList<AccountIssuance> Accounts) Require()
    {
        if (Failure is not null)
        {
            ExceptionDispatchInfo.Throw(Failure);
        }

        return (_canaries, _accounts);
    }
}

/// <summary>Reads a <see cref="ProbeRunSnapshot"/>: the registry and the issuance window of <c>Probe:IssuanceWindowDays</c>.</summary>
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
        try
        {
            DateOnly today = DateOnly.FromDateTime(_timeProvider.GetUtcNow().UtcDateTime);
            IReadOnlyList<AccountIssuance> accounts = await _issuance.QueryAsync(today.AddDays(-_options.CurrentValue.IssuanceWindowDays), today, cancellationToken).ConfigureAwait(false);
            List<CanaryRecord> canaries = [];
            await foreach (CanaryRecord canary in _registry.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                canaries.Add(canary);
            }

            return ProbeRunSnapshot.Of(canaries, accounts);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ProbeRunSnapshot.Failed(ex);
        }
    }
}
