namespace CanaryService.Application.Probing;

/// <summary>
/// A hard cap on the HTTP requests one competitor gets in one run. Every attempt reserves one unit before it is
/// sent, retries included, so the competitor never sees more than <see cref="Capacity"/> requests.
/// </summary>
public sealed class RequestBudget
{
    private int _used;

    /// <summary>Creates a budget of <paramref name="capacity"/> requests.</summary>
    public RequestBudget(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
    }

    /// <summary>The most requests this budget allows.</summary>
    public int Capacity { get; }

    /// <summary>Requests reserved so far.</summary>
    public int Used => Math.Min(Volatile.Read(ref _used), Capacity);

    /// <summary>Requests still allowed.</summary>
    public int Remaining => Capacity - Used;

    /// <summary>Reserves one request; false when the budget is spent (nothing may be sent then).</summary>
    public bool TryReserve()
    {
        // Increment first and check after: concurrent callers can never both take the last unit.
        if (Interlocked.Increment(ref _used) <= Capacity)
        {
            return true;
        }

        Interlocked.Decrement(ref _used);
        return false;
    }
}

/// <summary>Thrown instead of sending a request when the run's request budget is spent.</summary>
public sealed class RequestBudgetExhaustedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RequestBudgetExhaustedException() : base("The request budget of this probe run is spent; the request was not sent.") { }

    /// <summary>Creates the exception.</summary>
    public RequestBudgetExhaustedException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public RequestBudgetExhaustedException(string message, Exception innerException) : base(message, innerException) { }
}
