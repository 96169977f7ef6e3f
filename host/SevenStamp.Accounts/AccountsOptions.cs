using System.ComponentModel.DataAnnotations;

namespace SevenStamp.Accounts;

/// <summary>Settings of the accounts: the operator's key and how long invites and reset links live.</summary>
public sealed class AccountsOptions
{
    public const string SectionName = "SevenStamp:Accounts";

    /// <summary>The operator's bearer key (<c>SevenStamp:Api:AdminKey</c>); null or empty: there is no operator.</summary>
    public string? AdminKey { get; set; }

    /// <summary>How long an invite link stays valid.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00", ErrorMessage = "SevenStamp:Accounts:InviteLifetime must be between 5 minutes and 30 days.")]
    public TimeSpan InviteLifetime { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How long a password reset link stays valid.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00", ErrorMessage = "SevenStamp:Accounts:ResetLinkLifetime must be between 5 minutes and 7 days.")]
    public TimeSpan ResetLinkLifetime { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Failed sign-ins in a row after which a person is locked out.</summary>
    [Range(1, 100, ErrorMessage = "SevenStamp:Accounts:MaxFailedSignIns must be between 1 and 100.")]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a lockout lasts.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "SevenStamp:Accounts:LockoutFor must be between 1 second and 1 day.")]
    public TimeSpan LockoutFor { get; set; } = TimeSpan.FromMinutes(15);
}
