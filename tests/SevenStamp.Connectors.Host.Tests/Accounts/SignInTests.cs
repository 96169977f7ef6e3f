using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OtpNet;

namespace SevenStamp.Connectors.Host.Tests.Accounts;

/// <summary>Password reset by a one-time link, and two-factor sign-in with an authenticator app (RFC 6238 codes).</summary>
public sealed class SignInTests(TwoMerchantsFixture fixture) : IClassFixture<TwoMerchantsFixture>
{
    private TwoMerchants Merchants => fixture.Merchants;

    [Fact]
    public async Task ResetPassword_WithTheOwnersOneTimeLink_SetsTheNewPasswordEndsTheLockoutAndCannotBeReused()
    {
        // Arrange: a staff member locks themself out.
        var owner = Merchants.OfA["owner"];
        await Merchants.InviteAndAcceptAsync(owner, TwoMerchants.A, "Staff", "forgetful");
        using var client = Merchants.Client();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "forgetful", password = "Wrong-Pass-2026" });
        }

        using var people = JsonDocument.Parse(await owner.GetStringAsync("/api/merchants/merchant-a/people"));
        var id = people.RootElement.EnumerateArray().Single(p => p.GetProperty("userName").GetString() == "forgetful").GetProperty("id").GetString();

        // Act
        var issued = await owner.PostAsync($"/api/merchants/merchant-a/people/{id}/password-reset", null);
        var token = await TwoMerchants.TokenOfAsync(issued, "token");
        var byB = await Merchants.OwnerOfB.PostAsync($"/api/merchants/merchant-a/people/{id}/password-reset", null);
        var weak = await client.PostAsJsonAsync("/api/account/password-reset", new { userName = "forgetful", token, password = "short" });
        var reset = await client.PostAsJsonAsync("/api/account/password-reset", new { userName = "forgetful", token, password = "Brand-New-Pass-2026" });
        var reused = await client.PostAsJsonAsync("/api/account/password-reset", new { userName = "forgetful", token, password = "Other-New-Pass-2026" });
        var oldPassword = await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "forgetful", password = TwoMerchants.Password });
        var newPassword = await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "forgetful", password = "Brand-New-Pass-2026" });

        // Assert
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byB.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        Assert.Contains("password", await weak.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Contains("token", await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newPassword.StatusCode);
    }

    [Fact]
    public async Task SignIn_AfterTheOwnerTurnsOnTwoFactor_NeedsTheAuthenticatorsCurrentCode()
    {
        // Arrange
        await Merchants.InviteAndAcceptAsync(Merchants.OfA["owner"], TwoMerchants.A, "Owner", "careful-owner");
        var session = await Merchants.SignInAsync("careful-owner");
        var setup = await session.PostAsync("/api/account/two-factor/setup", null);
        var totp = new Totp(Base32Encoding.ToBytes(await TwoMerchants.TokenOfAsync(setup, "sharedKey")));
        var keyCaller = await Merchants.OfA["key"].PostAsync("/api/account/two-factor/setup", null);

        // Act
        var wrongEnable = await session.PostAsJsonAsync("/api/account/two-factor/enable", new { code = "000000" == totp.ComputeTotp() ? "111111" : "000000" });
        var enabled = await session.PostAsJsonAsync("/api/account/two-factor/enable", new { code = totp.ComputeTotp() });
        using var client = Merchants.Client();
        var passwordOnly = await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "careful-owner", password = TwoMerchants.Password });
        var wrongCode = await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "careful-owner", password = TwoMerchants.Password, code = "000000" == totp.ComputeTotp() ? "111111" : "000000" });
        var withCode = await client.PostAsJsonAsync("/api/account/sign-in", new { userName = "careful-owner", password = TwoMerchants.Password, code = totp.ComputeTotp() });

        // Assert
        Assert.Equal(HttpStatusCode.OK, setup.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, keyCaller.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, wrongEnable.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, enabled.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, passwordOnly.StatusCode);
        Assert.Contains("twoFactorRequired", await passwordOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongCode.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);
        using var people = JsonDocument.Parse(await Merchants.OfA["owner"].GetStringAsync("/api/merchants/merchant-a/people"));
        Assert.True(people.RootElement.EnumerateArray().Single(p => p.GetProperty("userName").GetString() == "careful-owner").GetProperty("twoFactor").GetBoolean());
    }
}
