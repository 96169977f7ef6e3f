using System.Net;
using System.Net.Sockets;

namespace SevenStamp.Webhooks.Delivery;

/// <summary>
/// Where a webhook may go. A merchant chooses the URL, so without a check the host could be made to call into the
/// operator's own network (SSRF): loopback, private ranges, link-local (with the clouds' metadata service at
/// 169.254.169.254), carrier-grade NAT, unique-local IPv6 and every reserved range are refused, when a subscription is
/// made and again on every connection (a name can resolve elsewhere later), unless the operator allows private
/// addresses (<see cref="WebhooksOptions.AllowPrivateAddresses"/>).
/// </summary>
public static class WebhookAddresses
{
    /// <summary>Whether <paramref name="address"/> is on the public internet.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] == 0                                  // "this" network
                || b[0] == 10                                   // private
                || b[0] == 127                                  // loopback
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127)   // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                 // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)    // private
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)      // IETF protocol assignments
                || (b[0] == 192 && b[1] == 0 && b[2] == 2)      // documentation
                || (b[0] == 192 && b[1] == 168)                 // private
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19))  // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)   // documentation
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)    // documentation
                || b[0] >= 224);                                // multicast, reserved, broadcast
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> b = stackalloc byte[16];
            address.TryWriteBytes(b, out _);
            if (IPAddress.IPv6Loopback.Equals(address) || IPAddress.IPv6None.Equals(address))
            {
                return false;
            }

            // NAT64 (64:ff9b::/96) and the old IPv4-compatible form carry an IPv4 address: judge that one.
            if (b[..12].SequenceEqual(new byte[] { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 }) || b[..12].IndexOfAnyExcept((byte)0) < 0)
            {
                return IsPublic(new IPAddress(b[12..]));
            }

            return !((b[0] & 0xfe) == 0xfc                      // unique local fc00::/7 (AWS metadata fd00:ec2::254)
                || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)      // link-local fe80::/10
                || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)      // site-local fec0::/10
                || b[0] == 0xff                                 // multicast
                || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)); // documentation
        }

        return false;
    }

    /// <summary>
    /// What is wrong with <paramref name="url"/> as a webhook endpoint, naming the fix, or null when it may be used:
    /// an absolute https (or, when allowed, http) URL without credentials whose host resolves only to allowed addresses.
    /// </summary>
    public static async Task<string?> ProblemAsync(string? url, WebhooksOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(url))
        {
            return "is required: the https address of your endpoint, e.g. https://crm.example.com/hooks/sevenstamp";
        }

        if (url.Length > Data.WebhooksDbContext.UrlLength)
        {
            return $"is longer than {Data.WebhooksDbContext.UrlLength} characters";
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "is not an absolute web address: write it as https://host/path";
        }

        if (uri.Scheme == Uri.UriSchemeHttp && !options.AllowHttp)
        {
            return "must use https: events carry your customers' card and voucher data";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "must not carry a user name or password; the signature proves the sender";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "must not have a #fragment: it is never sent to the server";
        }

        if (options.AllowPrivateAddresses)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return $"names a host that does not resolve ('{uri.Host}'): check the spelling, or create its DNS record first";
        }

        return addresses.Length == 0
            ? $"names a host that does not resolve ('{uri.Host}'): check the spelling, or create its DNS record first"
            : addresses.All(IsPublic)
                ? null
                : "resolves to a private, loopback or link-local address, which webhooks may not reach: use your endpoint's public address";
    }
}
