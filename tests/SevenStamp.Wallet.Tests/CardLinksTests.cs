namespace SevenStamp.Wallet.Tests;

public sealed class CardLinksTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";

    [Fact]
    public void CardToken_Verify_SucceedsForItsOwnCardOnly()
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
    public void CardToken_SameIdAndSecretAsAVoucherToken_Differs()
    {
        var id = Guid.NewGuid();
        Assert.NotEqual(new Loyalty.Engine.VoucherLinks(Secret).TokenFor(id), new CardLinks(Secret).TokenFor(id));
    }

    [Fact]
    public void CardLinks_ShortSecret_IsRefusedWithTheSettingNamed()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CardLinks("too-short"));
        Assert.Contains("SevenStamp:Vouchers:LinkSecret", ex.Message, StringComparison.Ordinal);
    }
}
