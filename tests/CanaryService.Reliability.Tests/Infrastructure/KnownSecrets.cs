using System.Security.Cryptography;

namespace CanaryService.Reliability.Tests.Infrastructure;

/// <summary>
/// The secrets every host in this project is configured with, and the forms in which a leak would show: the master
/// key as base64, base64url and hex of its bytes, the upstream key, the competitors' keys, the admin key and every
/// raw caller key (they all share <see cref="CallerKeyPrefix"/>).
/// </summary>
internal static class KnownSecrets
{
    public const string UpstreamApiKey = "sk-upstream-6f1c9e2a7b3d48e5a0c4";
    public const string CompetitorApiKey = "sk-competitor-3b8d0f5e9a2c41d7b6e1";
    public const string AdminKey = "admin-4e7a1c9d2f6b08e3a5c7";
    public const string CallerKeyPrefix = "sk-caller-91d3e7";

    public static readonly byte[] MasterKeyBytes = SHA256.HashData("canary-reliability-master-key"u8);

    public static string MasterKey { get; } = Convert.ToBase64String(MasterKeyBytes);

    /// <summary>A raw caller API key (each distinct <paramref name="id"/> is a distinct account).</summary>
    public static string CallerKey(string id) => CallerKeyPrefix + "-" + id;

    /// <summary>Every string that must never appear in a response or a log line.</summary>
    public static IReadOnlyList<(string Name, string Value)> Forms { get; } =
    [
        ("master key (base64)", MasterKey),
        ("master key (base64url)", Convert.ToBase64String(MasterKeyBytes).TrimEnd('=').Replace('+', '-').Replace('/', '_')),
        ("master key (hex)", Convert.ToHexStringLower(MasterKeyBytes)),
        ("master key (HEX)", Convert.ToHexString(MasterKeyBytes)),
        ("upstream key", UpstreamApiKey),
        ("competitor key", CompetitorApiKey),
        ("admin key", AdminKey),
        ("a raw caller key", CallerKeyPrefix),
    ];

    /// <summary>The names of the secrets that occur in <paramref name="text"/> (empty when none).</summary>
    public static IReadOnlyList<string> FoundIn(string text) =>
        [.. Forms.Where(f => text.Contains(f.Value, StringComparison.OrdinalIgnoreCase)).Select(f => f.Name)];

    /// <summary>Fails, naming the secret and showing where, when any of them occurs in <paramref name="texts"/>.</summary>
    public static void AssertAbsent(IEnumerable<string> texts, string what)
    {
        foreach (string text in texts)
        {
            IReadOnlyList<string> found = FoundIn(text);
            if (found.Count > 0)
            {
                Assert.Fail($"{string.Join(", ", found)} found in {what}: {Excerpt(text)}");
            }
        }
    }

    private static string Excerpt(string text) => text.Length <= 2000 ? text : text[..2000] + "…";
}
