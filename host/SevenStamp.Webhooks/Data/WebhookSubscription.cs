namespace SevenStamp.Webhooks.Data;

/// <summary>
/// A merchant's endpoint that hears card and voucher events. The signing secret is stored protected (ASP.NET Core
/// Data Protection, whose keys every replica shares) and shown to the merchant once; after a rotation the previous
/// one keeps signing beside it until <see cref="PreviousSecretUntil"/>.
/// </summary>
public sealed class WebhookSubscription
{
    public Guid Id { get; set; }

    public required string MerchantId { get; set; }

    public required string Url { get; set; }

    /// <summary>The events it hears, comma-separated (<c>stamp_added,voucher_issued</c>), or <c>*</c> for all.</summary>
    public required string Events { get; set; }

    public string? Description { get; set; }

    public bool Enabled { get; set; }

    /// <summary>Why it was disabled, in words for the owner: by hand, a 410 from the receiver, or retries used up.</summary>
    public string? DisabledReason { get; set; }

    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>The signing secret, protected.</summary>
    public required string Secret { get; set; }

    /// <summary>The secret before the last rotation, protected; signs beside the new one until <see cref="PreviousSecretUntil"/>.</summary>
    public string? PreviousSecret { get; set; }

    public DateTimeOffset? PreviousSecretUntil { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
