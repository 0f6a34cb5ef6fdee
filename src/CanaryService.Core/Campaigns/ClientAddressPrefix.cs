using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CanaryService.Core.Campaigns;

/// <summary>
/// The network hint kept for an account: the prefix of the client's address (IPv4 /24, IPv6 /48), never the address.
/// A prefix is what links the accounts a proxy service runs from one network.
/// </summary>
public static class ClientAddressPrefix
{
    /// <summary>The prefix of the first address in <paramref name="headerValue"/> (a forwarded-for list), or null when there is none.</summary>
    public static string? Of(string? headerValue)
    {
        if (string.IsNullOrWhiteSpace(headerValue))
        {
            return null;
        }

        ReadOnlySpan<char> first = headerValue.AsSpan();
        int comma = first.IndexOf(',');
        first = (comma >= 0 ? first[..comma] : first).Trim();
        IPAddress? address = IPAddress.TryParse(first, out IPAddress? plain) ? plain
            : IPEndPoint.TryParse(first, out IPEndPoint? endpoint) ? endpoint.Address // "203.0.113.7:51234", "[2001:db8::1]:443"
            : null;
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        byte[] bytes = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/24");
        }

        Array.Clear(bytes, 6, bytes.Length - 6);
        return new IPAddress(bytes).ToString() + "/48";
    }
}
