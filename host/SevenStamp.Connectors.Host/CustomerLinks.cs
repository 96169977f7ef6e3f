using Microsoft.Extensions.Options;
using SevenStamp.Loyalty.Engine;
using SevenStamp.Wallet;

namespace SevenStamp.Connectors.Host;

/// <summary>
/// The links customers are given to their voucher (<see cref="VoucherLinks"/>) and their card (<see cref="CardLinks"/>),
/// both signed with one secret, <c>SevenStamp:Vouchers:LinkSecret</c>.
/// </summary>
internal static class CustomerLinks
{
    /// <summary>Adds the voucher and card links, signed with the configured secret or, when unset, a random one.</summary>
    public static IServiceCollection AddCustomerLinks(this IServiceCollection services)
    {
        services.AddSingleton(sp => LinkSecretFrom(sp.GetRequiredService<IOptions<SevenStampOptions>>().Value.Vouchers, sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(CustomerLinks))));
        services.AddSingleton(sp => new VoucherLinks(sp.GetRequiredService<LinkSecret>().Value));
        services.AddSingleton(sp => new CardLinks(sp.GetRequiredService<LinkSecret>().Value));
        return services;
    }

    /// <summary>The secret behind customers' voucher and card links; a random one (links die with the process) when unset.</summary>
    private static LinkSecret LinkSecretFrom(VoucherLinkOptions options, ILogger logger)
    {
        if (!string.IsNullOrEmpty(options.LinkSecret))
        {
            return new LinkSecret(options.LinkSecret);
        }

        logger.LogWarning("SevenStamp:Vouchers:LinkSecret is not set: customers' voucher and card links work until this host restarts. Set it (32+ random characters, the same on every replica).");
        return new LinkSecret(Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
    }

    private sealed record LinkSecret(string Value);
}
