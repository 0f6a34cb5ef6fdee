namespace CanaryService.Core.Keys;

/// <summary>The service's configuration is missing or invalid; the message says which setting and why.</summary>
public sealed class CanaryConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CanaryConfigurationException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public CanaryConfigurationException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception.</summary>
    public CanaryConfigurationException() { }
}
