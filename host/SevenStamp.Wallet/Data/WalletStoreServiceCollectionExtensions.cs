using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Loyalty;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Wallet.Data;

/// <summary>How the host adds the wallet's store.</summary>
public static class WalletStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="WalletDbContext"/> on the database of <paramref name="options"/> and migrates it at start,
    /// after the loyalty store (register that first) and the stores registered before it; and the consumers' <see cref="WalletEventInbox"/>.
    /// </summary>
    public static IServiceCollection AddWalletStore(this IServiceCollection services, LoyaltyStoreOptions options) =>
        services.AddStoreContext<WalletDbContext, SqliteWalletDbContext, PostgresWalletDbContext>(options, WalletDbContext.HistoryTable)
            .AddScoped<WalletEventInbox>();
}
