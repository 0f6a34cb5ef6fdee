using System.Security.Cryptography;
using System.Text;

namespace CanaryService.Core.Keys;

/// <summary>
/// The one master secret everything else is derived from (HMAC-SHA256 with a label). It never prints itself.
/// </summary>
public sealed class MasterKey
{
    /// <summary>The minimum length of the decoded master key, in bytes.</summary>
    public const int MinimumLength = 32;

    private readonly byte[] _key;

    private MasterKey(byte[] key) => _key = key;

    /// <summary>
    /// Reads a base64 master key (configuration <c>Canary:MasterKey</c>).
    /// </summary>
    /// <exception cref="CanaryConfigurationException">The value is missing, not base64, or shorter than 32 bytes.</exception>
    public static MasterKey FromBase64(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new CanaryConfigurationException(
                "Canary:MasterKey is not set. Configure at least 32 random bytes, base64-encoded (for example: openssl rand -base64 32).");
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(value.Trim());
        }
        catch (FormatException)
        {
            // Never echo the value: a mistyped key is still a secret.
            throw new CanaryConfigurationException("Canary:MasterKey is not valid base64.");
        }

        if (key.Length < MinimumLength)
        {
            throw new CanaryConfigurationException(
                $"Canary:MasterKey decodes to {key.Length} bytes; at least {MinimumLength} random bytes are required.");
        }

        return new MasterKey(key);
    }

    /// <summary>Creates a master key from raw bytes (tests and the drill).</summary>
    public static MasterKey FromBytes(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinimumLength)
        {
            throw new CanaryConfigurationException($"A master key needs at least {MinimumLength} bytes.");
        }

        return new MasterKey(key.ToArray());
    }

    /// <summary>Creates a fresh random master key.</summary>
    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(MinimumLength));

    /// <summary>Derives a 32-byte subkey: HMAC-SHA256(master, label).</summary>
    public byte[] Derive(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(label));
    }

    /// <inheritdoc />
    public override string ToString() => "MasterKey(redacted)";
}
