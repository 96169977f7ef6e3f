using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace SevenStamp.Wallet;

/// <summary>
/// <c>SevenStamp:Wallet:UpdateRetries</c>: the in-process retries of one wallet update message (the queues
/// <c>apple-pass-updates</c> and <c>google-wallet-updates</c>) while a provider is slow or down. After them the message
/// gets the bus's delayed redeliveries (<c>SevenStamp:Bus:RedeliveryLimit</c>, <c>RedeliveryDelay</c>), each with these
/// retries again, and only then the error queue.
/// </summary>
public sealed class WalletUpdateRetryOptions
{
    public const string SectionName = WalletServiceCollectionExtensions.SectionName + ":UpdateRetries";

    /// <summary>Retries after the first attempt.</summary>
    public int Limit { get; set; } = 8;

    /// <summary>The first pause; each next one grows exponentially (by twice this), up to the queue's cap (1 min Apple, 2 min Google).</summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The settings as the host bound them, or the defaults when the registration has none (e.g. a test harness).</summary>
    internal static WalletUpdateRetryOptions From(IRegistrationContext context) =>
        context.GetService<IOptions<WalletUpdateRetryOptions>>()?.Value ?? new WalletUpdateRetryOptions();

    /// <summary>
    /// Exponential retries of <paramref name="limit"/> attempts (the endpoint's, <see cref="Limit"/>) from
    /// <see cref="FirstDelay"/> to at most <paramref name="cap"/>.
    /// </summary>
    internal void Apply(IRetryConfigurator retry, int limit, TimeSpan cap) =>
        retry.Exponential(limit, FirstDelay, cap < FirstDelay ? FirstDelay : cap, FirstDelay * 2);
}

/// <summary>Checks <see cref="WalletUpdateRetryOptions"/> at start; each failure names its key.</summary>
internal sealed class WalletUpdateRetryOptionsValidator : IValidateOptions<WalletUpdateRetryOptions>
{
    public ValidateOptionsResult Validate(string? name, WalletUpdateRetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string SectionName = WalletUpdateRetryOptions.SectionName;
        var errors = new List<string>();
        if (options.Limit is < 1 or > 20)
        {
            errors.Add($"{SectionName}:Limit must be between 1 and 20.");
        }

        if (options.FirstDelay < TimeSpan.FromMilliseconds(1) || options.FirstDelay > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{SectionName}:FirstDelay must be between 00:00:00.001 and 00:01:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
