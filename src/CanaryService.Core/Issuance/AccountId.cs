namespace CanaryService.Core.Issuance;

/// <summary>
/// Well-known account labels. Account ids are opaque strings: a front-door header value, or
/// <c>key-</c> followed by a salted hash of the caller's API key (raw keys are never stored).
/// </summary>
public static class AccountIds
{
    /// <summary>Requests with no identifiable caller.</summary>
    public const string Anonymous = "anonymous";
}
