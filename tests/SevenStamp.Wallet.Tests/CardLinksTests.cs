namespace SevenStamp.Wallet.Tests;

public sealed class CardLinksTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";

    [Fact]
    public void A_card_token_verifies_for_its_own_card_only()
    {
        var links = new CardLinks(Secret);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();

        Assert.True(links.Verify(a, links.TokenFor(a)));
        Assert.False(links.Verify(b, links.TokenFor(a)));
        Assert.False(links.Verify(a, null));
        Assert.StartsWith($"/wallet/cards/{a:N}/", links.PathFor(a), StringComparison.Ordinal);
    }

    [Fact]
    public void A_card_token_differs_from_a_voucher_token_of_the_same_id_under_the_same_secret()
    {
        var id = Guid.NewGuid();
        Assert.NotEqual(new Loyalty.Engine.VoucherLinks(Secret).TokenFor(id), new CardLinks(Secret).TokenFor(id));
    }

    [Fact]
    public void A_short_secret_is_refused_with_the_setting_named()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CardLinks("too-short"));
        Assert.Contains("SevenStamp:Vouchers:LinkSecret", ex.Message, StringComparison.Ordinal);
    }
}
