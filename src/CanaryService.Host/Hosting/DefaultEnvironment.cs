namespace CanaryService.Host.Hosting;

/// <summary>
/// The environment the Host runs in when the user names none. The launch profile that <c>dotnet run</c> uses sets
/// <see cref="VariableName"/> rather than <c>ASPNETCORE_ENVIRONMENT</c>: a launch profile's variables replace the
/// user's own, so one that set the environment would run <c>ASPNETCORE_ENVIRONMENT=Production dotnet run</c> as
/// Development. Outside <c>dotnet run</c> nothing sets it, and the host's own default (Production) applies.
/// </summary>
internal static class DefaultEnvironment
{
    /// <summary>The variable naming the environment to use when none is chosen.</summary>
    public const string VariableName = "CANARY_DEFAULT_ENVIRONMENT";

    /// <summary>
    /// The arguments to build the Host with: <paramref name="args"/> plus <c>--environment</c> from
    /// <see cref="VariableName"/>, only when neither <c>ASPNETCORE_ENVIRONMENT</c>, <c>DOTNET_ENVIRONMENT</c> nor an
    /// <c>--environment</c> argument chooses one.
    /// </summary>
    public static string[] Apply(string[] args, Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(variable);
        string? fallback = variable(VariableName);
        if (string.IsNullOrWhiteSpace(fallback)
            || !string.IsNullOrWhiteSpace(variable("ASPNETCORE_ENVIRONMENT"))
            || !string.IsNullOrWhiteSpace(variable("DOTNET_ENVIRONMENT"))
            || args.Any(NamesEnvironment))
        {
            return args;
        }

        return [.. args, "--environment", fallback.Trim()];
    }

    // The command-line forms the host reads: --environment X, --environment=X, /environment X.
    private static bool NamesEnvironment(string argument) =>
        argument.TrimStart('-', '/').StartsWith("environment", StringComparison.OrdinalIgnoreCase);
}
