using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Sdk.Tests;

public class CheckoutTextTests
{
    [Theory]
    [InlineData("ana\u200B")] // zero-width space
    [InlineData("\u202Eana")] // right-to-left override
    [InlineData("\uFEFFana")] // byte order mark
    [InlineData("a\u00ADna")] // soft hyphen
    [InlineData("an\u200Da")] // zero-width joiner
    [InlineData("ana\u2060")] // word joiner
    [InlineData("  ana\t")] // padding
    [InlineData("ana\U000E0041")] // tag character, outside the basic plane
    public void TryNormalizeIdentifier_InvisibleCharactersAndPadding_AreRemoved(string raw)
    {
        // Act
        var ok = CheckoutText.TryNormalizeIdentifier(raw, out var normalized, out var problem);

        // Assert
        Assert.True(ok, problem);
        Assert.Equal("ana", normalized);
    }

    [Theory]
    [InlineData("S-1\n2", "control character")]
    [InlineData("S-1\u0000", "control character")]
    [InlineData("S\u2028-1", "control character")]
    [InlineData("S-\uFFFD", "U+FFFD")]
    [InlineData("S-\uFFFF", "noncharacter")]
    [InlineData("S-\uFDD0", "noncharacter")]
    public void TryNormalizeIdentifier_TextThatCannotBeMadeRight_IsRefusedSayingWhy(string raw, string expected)
    {
        // Act
        var ok = CheckoutText.TryNormalizeIdentifier(raw, out var normalized, out var problem);

        // Assert
        Assert.False(ok);
        Assert.Null(normalized);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain(raw, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('\uD800', "")]
    [InlineData('\uDC00', "x")]
    public void TryNormalizeIdentifier_UnpairedSurrogate_IsRefused(char half, string after)
    {
        // Arrange: built in code, as a test attribute cannot carry half a character.
        var raw = "S-" + half + after;

        // Act
        var ok = CheckoutText.TryNormalizeIdentifier(raw, out _, out var problem);
        var text = CheckoutText.TryNormalizeText(raw, out _, out var textProblem);

        // Assert
        Assert.False(ok);
        Assert.False(text);
        Assert.Contains("unpaired UTF-16 surrogate", problem, StringComparison.Ordinal);
        Assert.Contains("unpaired UTF-16 surrogate", textProblem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalizeIdentifier_LongerThanTheCap_IsRefusedWithoutEchoingIt()
    {
        // Arrange
        var raw = new string('7', CheckoutText.MaxIdentifierLength + 1);

        // Act
        var ok = CheckoutText.TryNormalizeIdentifier(raw, out _, out var problem);

        // Assert
        Assert.False(ok);
        Assert.Contains($"at most {CheckoutText.MaxIdentifierLength}", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(raw, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryNormalizeText_ControlsAndInvisibles_BecomeReadableText()
    {
        // Act
        var ok = CheckoutText.TryNormalizeText("Latte\nlarge\u200B\u202E", out var normalized, out _);

        // Assert
        Assert.True(ok);
        Assert.Equal("Latte large", normalized);
    }

    [Fact]
    public void Normalize_SaleWithInvisibleCharacters_KeysItLikeThePlainOne()
    {
        // Arrange
        var sale = Sale() with
        {
            ExternalSaleId = "\uFEFFS-1",
            Customer = new CustomerIdentifiers { PosCustomerId = "ana\u200B", LoyaltyCardId = "\u200B" },
            Discounts = [new AppliedDiscount { Code = "CAFE-AB12\u200B", Name = "CAFE-AB12\u202E" }],
            LineItems = [new SaleLineItem { Name = "Latte\r\n", Sku = "LAT\u00AD-1", Quantity = 1, UnitPrice = 3 }],
        };

        // Act
        var normalized = CheckoutText.Normalize(sale);

        // Assert
        Assert.Equal("S-1", normalized.ExternalSaleId);
        Assert.Equal("ana", normalized.Customer.PosCustomerId);
        Assert.Null(normalized.Customer.LoyaltyCardId);
        Assert.Equal(("CAFE-AB12", "CAFE-AB12"), (normalized.Discounts[0].Code, normalized.Discounts[0].Name));
        Assert.Equal(("Latte", "LAT-1"), (normalized.LineItems[0].Name, normalized.LineItems[0].Sku));
    }

    [Theory]
    [InlineData("externalSaleId")]
    [InlineData("customer.posCustomerId")]
    [InlineData("discounts[0].code")]
    [InlineData("lineItems[0].sku")]
    public void Normalize_ControlCharacterInAnId_IsRejectedNamingTheField(string field)
    {
        // Arrange
        const string bad = "x\u0007y";
        var sale = field switch
        {
            "externalSaleId" => Sale() with { ExternalSaleId = bad },
            "customer.posCustomerId" => Sale() with { Customer = new CustomerIdentifiers { PosCustomerId = bad } },
            "discounts[0].code" => Sale() with { Discounts = [new AppliedDiscount { Code = bad }] },
            _ => Sale() with { LineItems = [new SaleLineItem { Name = "Tea", Sku = bad, Quantity = 1, UnitPrice = 2 }] },
        };

        // Act
        var rejected = Assert.Throws<CheckoutRecordRejectedException>(() => CheckoutText.Normalize(sale));

        // Assert
        Assert.Equal(field, rejected.Field);
        Assert.DoesNotContain(bad, rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_RefundWhoseSaleIdIsOnlyInvisibleCharacters_IsRejected()
    {
        // Arrange
        var refund = new SaleRefunded
        {
            MerchantId = "m",
            ConnectorId = "c",
            ExternalRefundId = "R-1",
            ExternalSaleId = "\u200B\u200B",
            OccurredAt = DateTimeOffset.UnixEpoch,
            Currency = "EUR",
            Amount = 1,
            IsFullRefund = true,
        };

        // Act
        var rejected = Assert.Throws<CheckoutRecordRejectedException>(() => CheckoutText.Normalize(refund));

        // Assert
        Assert.Equal("externalSaleId", rejected.Field);
    }

    private static SaleCompleted Sale() => new()
    {
        MerchantId = "m",
        ConnectorId = "c",
        ExternalSaleId = "S-1",
        OccurredAt = DateTimeOffset.UnixEpoch,
        Currency = "EUR",
        Total = 3,
    };
}
