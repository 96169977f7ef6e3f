using SevenStamp.Contracts;

namespace SevenStamp.Loyalty.Tests;

public class CustomerKeyTests
{
    private static SaleCompleted With(CustomerIdentifiers customer) => LoyaltyHarness.Sale("S-1") with { Customer = customer };

    [Fact]
    public void A_scanned_card_wins_over_everything_else() =>
        Assert.Equal("card:CARD-9", CustomerKey.For(With(new CustomerIdentifiers { LoyaltyCardId = " CARD-9 ", PosCustomerId = "c-1", EmailHash = "ab" })));

    [Fact]
    public void A_pos_customer_id_is_scoped_to_its_connector() =>
        Assert.Equal("pos:pos-1:c-1", CustomerKey.For(With(new CustomerIdentifiers { PosCustomerId = "c-1", EmailHash = "ab" })));

    [Fact]
    public void Hashes_are_the_fallback_email_first()
    {
        Assert.Equal("email:ab", CustomerKey.For(With(new CustomerIdentifiers { EmailHash = "AB", PhoneHash = "cd" })));
        Assert.Equal("phone:cd", CustomerKey.For(With(new CustomerIdentifiers { PhoneHash = "cd" })));
    }

    [Fact]
    public void No_identifier_means_no_card() => Assert.Null(CustomerKey.For(With(CustomerIdentifiers.None)));
}
