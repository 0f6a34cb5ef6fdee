using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CanaryService.Core.Keys;

namespace CanaryService.Storage.PromptSamples;

/// <summary>
/// Windows, row keys and priorities of the prompt sample. A row key is <c>{window}|{priority}</c>: the window's start
/// as <c>yyyy-MM-ddTHHmm</c> (fixed length, so keys sort by time) and the prompt's priority as 16 hex digits, so a
/// window's rows come back from a range query smallest priority first and its sample is simply its first K rows.
/// </summary>
internal sealed class PromptSampleKeys : IDisposable
{
    private const string WindowFormat = "yyyy-MM-dd'T'HHmm";

    // Bytes of a priority's input encoded on the stack; a longer prompt (up to PromptSampleMaxPromptChars) rents.
    private const int StackLimit = 1024;

    /// <summary>The length of a formatted window (<c>2026-01-31T0000</c>).</summary>
    public const int WindowLength = 15;
    private readonly ThreadHmac _hmac;
    private readonly long _windowTicks;

    public PromptSampleKeys(byte[] priorityKey, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(priorityKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.FromMinutes(1));
        _hmac = new ThreadHmac(priorityKey); // the reducer computes a priority for every prompt
        _windowTicks = window.Ticks;
    }

    /// <summary>The start of the window <paramref name="at"/> falls in (windows are aligned to the Unix epoch).</summary>
    public DateTimeOffset WindowStart(DateTimeOffset at)
    {
        long since = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(since - (((since % _windowTicks) + _windowTicks) % _windowTicks));
    }

    /// <summary>The row-key prefix of the window that starts at <paramref name="windowStart"/>.</summary>
    public static string Window(DateTimeOffset windowStart) => windowStart.UtcDateTime.ToString(WindowFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses a row key's window back (null when the key is not a prompt-sample key).</summary>
    public static DateTimeOffset? ParseWindow(string rowKey) =>
        rowKey.Length > WindowLength
        && DateTime.TryParseExact(rowKey.AsSpan(0, WindowLength), WindowFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime start)
            ? new DateTimeOffset(start, TimeSpan.Zero)
            : null;

    /// <summary>
    /// The prompt's priority in its account's window: the first 8 bytes of a keyed HMAC, so priorities are uniform
    /// and independent of arrival order (the K smallest are a uniform sample), the same prompt always gets the same
    /// one (asked twice, kept once), and nobody without the key can write prompts that crowd out the others.
    /// </summary>
    public ulong Priority(string accountId, string window, string prompt)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(prompt);

        // The UTF-8 of "{account}\0{window}\0{prompt}", encoded into one buffer (on the stack for the usual prompt):
        // the reducer computes this for every prompt, so it allocates nothing.
        int length = Encoding.UTF8.GetMaxByteCount(accountId.Length + window.Length + prompt.Length + 2);
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> data = rented ?? stackalloc byte[StackLimit];
        try
        {
            int written = Encoding.UTF8.GetBytes(accountId, data);
            data[written++] = 0;
            written += Encoding.UTF8.GetBytes(window, data[written..]);
            data[written++] = 0;
            written += Encoding.UTF8.GetBytes(prompt, data[written..]);
            Span<byte> mac = stackalloc byte[32];
            _hmac.Compute(data[..written], mac);
            return BinaryPrimitives.ReadUInt64BigEndian(mac);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _hmac.Dispose();

    /// <summary>The row key of a prompt with <paramref name="priority"/> in <paramref name="window"/>.</summary>
    public static string RowKey(string window, ulong priority) => window + "|" + priority.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>
    /// Where a prompt of <paramref name="priority"/> falls in the order <paramref name="draw"/> reads a sample in:
    /// SplitMix64's finaliser of the two mixed, a bijection that scrambles the priorities anew for each draw, so the
    /// first of that order are a uniform choice from the sample.
    /// </summary>
    public static ulong DrawOrder(ulong priority, ulong draw)
    {
        ulong value = priority ^ draw;
        value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9UL;
        value = (value ^ (value >> 27)) * 0x94d049bb133111ebUL;
        return value ^ (value >> 31);
    }

    /// <summary>The priority in a row key (which ends in it).</summary>
    public static ulong PriorityOf(string rowKey) => ulong.Parse(rowKey.AsSpan(rowKey.Length - 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
