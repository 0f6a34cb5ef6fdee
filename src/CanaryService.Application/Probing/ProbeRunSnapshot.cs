using System.Runtime.ExceptionServices;
using CanaryService.Core.Issuance;

namespace CanaryService.Application.Probing;

/// <summary>
/// What a probe run knows of the canary registry and the issuance window, read once at its start
/// (<see cref="ProbeRunSnapshotReader"/>): the planner draws its prompts and the scoring tests its candidates from
/// the same rows, for every competitor of the run, so a canary issued mid-run is used by neither.
/// </summary>
public sealed class ProbeRunSnapshot
{
    private ProbeRunSnapshot(IReadOnlyList<CanaryRecord> canaries, IReadOnlyList<AccountIssuance> accounts, DateOnly firstDay, DateOnly lastDay, Exception? failure)
    {
        Canaries = canaries;
        Accounts = accounts;
        FirstDay = firstDay;
        LastDay = lastDay;
        Failure = failure;
    }

    /// <summary>Every registered canary (empty when the read failed).</summary>
    public IReadOnlyList<CanaryRecord> Canaries { get; }

    /// <summary>Every account's issuance over the window (empty when the read failed).</summary>
    public IReadOnlyList<AccountIssuance> Accounts { get; }

    /// <summary>The window's first day (inclusive).</summary>
    public DateOnly FirstDay { get; }

    /// <summary>The window's last day (inclusive): the run's start day.</summary>
    public DateOnly LastDay { get; }

    /// <summary>Why the rows could not be read; null when they were.</summary>
    public Exception? Failure { get; }

    /// <summary>A snapshot of rows already read.</summary>
    public static ProbeRunSnapshot Of(IReadOnlyList<CanaryRecord> canaries, IReadOnlyList<AccountIssuance> accounts, DateOnly firstDay, DateOnly lastDay)
    {
        ArgumentNullException.ThrowIfNull(canaries);
        ArgumentNullException.ThrowIfNull(accounts);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstDay, lastDay);
        return new ProbeRunSnapshot(canaries, accounts, firstDay, lastDay, null);
    }

    /// <summary>A snapshot whose rows could not be read.</summary>
    public static ProbeRunSnapshot Failed(Exception failure, DateOnly firstDay, DateOnly lastDay)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new ProbeRunSnapshot([], [], firstDay, lastDay, failure);
    }

    /// <summary>The rows, or the read's failure rethrown: evidence is never computed without them.</summary>
    public (IReadOnlyList<CanaryRecord> Canaries, IReadOnlyList<AccountIssuance> Accounts) Require()
    {
        if (Failure is not null)
        {
            ExceptionDispatchInfo.Throw(Failure);
        }

        return (Canaries, Accounts);
    }
}
