using Microsoft.AspNetCore.Identity;
using SevenStamp.Accounts.Data;

namespace SevenStamp.Accounts;

/// <summary>
/// The e-mail hook when none is configured: nothing is sent, and the invite and reset links are handed over by whoever
/// asked for them (the API returns them). A host that has a mail service registers its own
/// <see cref="IEmailSender{TUser}"/> for <see cref="AccountUser"/>: invites arrive through
/// <see cref="IEmailSender{TUser}.SendConfirmationLinkAsync"/> (the invitee is not a person yet: the user it gets holds
/// the address, merchant and role), reset links through <see cref="IEmailSender{TUser}.SendPasswordResetLinkAsync"/>.
/// </summary>
internal sealed class NoEmailSender : IEmailSender<AccountUser>
{
    public Task SendConfirmationLinkAsync(AccountUser user, string email, string confirmationLink) => Task.CompletedTask;

    public Task SendPasswordResetLinkAsync(AccountUser user, string email, string resetLink) => Task.CompletedTask;

    public Task SendPasswordResetCodeAsync(AccountUser user, string email, string resetCode) => Task.CompletedTask;
}
