using Microsoft.Extensions.DependencyInjection;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty;

/// <summary>
/// Brings the loyalty schema up to date before the consumers start. The first of the store migrators: Loyalty's
/// migrations also created the tables the connector runtime and the wallet own now.
/// </summary>
internal sealed class LoyaltyStoreMigrator(IServiceScopeFactory scopes) : StoreMigrator<LoyaltyDbContext>(scopes);
