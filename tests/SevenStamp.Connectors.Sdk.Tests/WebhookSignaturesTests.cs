using System.Text;

namespace SevenStamp.Connectors.Sdk.Tests;

public class WebhookSignaturesTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"eventId\":\"e1\"}");
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("key-one-0123456789");
    private static readonly byte[] OtherKey = Encoding.UTF8.GetBytes("key-two-0123456789");

    [Fact]
    public void Sign_IndependentlyKnownVector_Matches()
    {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        var signature = WebhookSignatures.ComputeHmacSha256(Encoding.ASCII.GetBytes("what do ya want for nothing?"), Encoding.ASCII.GetBytes("Jefe"), SignatureEncoding.Hex);

        Assert.Equal("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", signature);
    }

    [Theory]
    [InlineData(SignatureEncoding.Hex)]
    [InlineData(SignatureEncoding.Base64)]
    public void Verify_CorrectSignature_Verifies(SignatureEncoding encoding)
    {
        var signature = WebhookSignatures.ComputeHmacSha256(Body, Key, encoding);

        Assert.True(WebhookSignatures.VerifyHmacSha256(Body, signature, [Key], encoding));
    }

    [Fact]
    public void Verify_EitherKeyDuringARotation_Verifies()
    {
        var signature = WebhookSignatures.ComputeHmacSha256(Body, OtherKey, SignatureEncoding.Hex);

        Assert.True(WebhookSignatures.VerifyHmacSha256(Body, signature, [Key, OtherKey], SignatureEncoding.Hex));
        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, signature, [Key], SignatureEncoding.Hex));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-hex")]
    [InlineData("abcd")]
    public void Verify_MissingOrMalformedSignature_Fails(string? signature) =>
        Assert.False(WebhookSignatures.VerifyHmacSha256(Body, signature, [Key], SignatureEncoding.Hex));

    [Fact]
    public void Verify_ChangedBody_Fails()
    {
        var signature = WebhookSignatures.ComputeHmacSha256(Body, Key, SignatureEncoding.Hex);
        var reserialized = Encoding.UTF8.GetBytes("{ \"eventId\": \"e1\" }");

        Assert.False(WebhookSignatures.VerifyHmacSha256(reserialized, signature, [Key], SignatureEncoding.Hex));
    }
}
