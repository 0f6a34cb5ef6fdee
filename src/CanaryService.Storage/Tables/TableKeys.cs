using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CanaryService.Storage.Tables;

/// <summary>Builds valid, order-preserving partition and row keys from arbitrary strings and numbers.</summary>
internal static class TableKeys
{
    // Keys may hold up to 1 KiB; longer values keep a readable prefix and a hash suffix so they stay unique.
    private const int MaxKeyLength = 400;

    /// <summary>
    /// Escapes the characters Table keys forbid (<c>/ \ # ?</c> and control characters) plus <c>%</c> (the escape)
    /// and <c>|</c> (our row-key separator) as <c>%XX</c>, so distinct values always give distinct keys.
    /// </summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        StringBuilder? escaped = null;
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool forbidden = c is '/' or '\\' or '#' or '?' or '%' or '|' || char.IsControl(c);
            if (forbidden)
            {
                escaped ??= new StringBuilder(value.Length + 8).Append(value, 0, i);
                escaped.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped?.Append(c);
            }
        }

        string key = escaped?.ToString() ?? value;
        if (key.Length <= MaxKeyLength)
        {
            return key;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        return string.Concat(key.AsSpan(0, MaxKeyLength - hash.Length - 1), "~", hash);
    }

    /// <summary>A zero-padded sequence number: row keys sort in numeric order.</summary>
    public static string Sequence(long sequence) => sequence.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Inverted UTC ticks, zero-padded: newer times sort first.</summary>
    public static string InvertedTime(DateTimeOffset time) =>
        (DateTimeOffset.MaxValue.UtcTicks - time.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>An issuance day as a row key prefix (<c>yyyy-MM-dd</c>).</summary>
    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
