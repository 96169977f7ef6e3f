using System.Text.Json.Nodes;
using SevenStamp.Loyalty.Data;
using SevenStamp.Loyalty.Queries;
using SevenStamp.Wallet.Google;

namespace SevenStamp.Wallet.Tests.Google;

/// <summary>The Google loyalty object's words in every language customers read; the merchant's reward left as written.</summary>
public sealed class GoogleLoyaltyPassTests
{
    private static CardSnapshot Card(int stamps, params VoucherSnapshot[] vouchers) =>
        new(Guid.NewGuid(), "cafe-1", Guid.NewGuid(), "Coffee card", "A free coffee", 10, stamps, 0, DateTimeOffset.UtcNow, vouchers);

    [Fact]
    public void Patch_TextModulesAndPoints_CarryTranslationsInEveryLanguage()
    {
        // Arrange
        var card = Card(4, new VoucherSnapshot(Guid.NewGuid(), 1, "FREE-7KQ2", "A free coffee", VoucherState.Issued, DateTimeOffset.UtcNow, null, null));

        // Act
        var patch = GoogleLoyaltyPass.Patch(card);

        // Assert
        var voucher = patch["textModulesData"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == "voucher")!;
        Assert.Equal("Ready: show code FREE-7KQ2 at the till.", voucher["body"]!.GetValue<string>());
        Assert.Equal("Ready: show code FREE-7KQ2 at the till.", voucher["localizedBody"]!["defaultValue"]!["value"]!.GetValue<string>());
        Assert.Equal(["he", "fa", "zh-Hans", "kk", "uz"], Languages(voucher["localizedBody"]!));
        Assert.Equal("מוכן: הציגו את הקוד FREE-7KQ2 בקופה.", Translated(voucher["localizedBody"]!, "he"));
        Assert.Equal("可以使用：请在收银台出示代码 FREE-7KQ2。", Translated(voucher["localizedBody"]!, "zh-Hans"));
        Assert.Equal("مهرها", Translated(patch["loyaltyPoints"]!["localizedLabel"]!, "fa"));
        var reward = patch["textModulesData"]!.AsArray().Single(m => m!["id"]!.GetValue<string>() == "reward")!;
        Assert.Contains("A free coffee", Translated(reward["localizedBody"]!, "kk"), StringComparison.Ordinal);
        Assert.Equal("Мөрлер", Translated(patch["loyaltyPoints"]!["localizedLabel"]!, "kk"));
    }

    private static string[] Languages(JsonNode localized) =>
        [.. localized["translatedValues"]!.AsArray().Select(t => t!["language"]!.GetValue<string>())];

    private static string Translated(JsonNode localized, string language) =>
        localized["translatedValues"]!.AsArray().Single(t => t!["language"]!.GetValue<string>() == language)!["value"]!.GetValue<string>();
}
