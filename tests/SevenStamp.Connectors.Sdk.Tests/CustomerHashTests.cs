using System.Security.Cryptography;
using System.Text;

namespace SevenStamp.Connectors.Sdk.Tests;

public class CustomerHashTests
{
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Hash_Email_IsNormalizedBeforeHashing()
    {
        Assert.Equal(Sha256("ana@example.com"), CustomerHash.Email("  Ana@Example.COM "));
        Assert.Null(CustomerHash.Email("not an email"));
        Assert.Null(CustomerHash.Email(null));
    }

    [Fact]
    public void Hash_Phone_KeepsOnlyDigitsWithAPlus()
    {
        Assert.Equal(Sha256("+4915112345678"), CustomerHash.Phone("+49 151 1234-5678"));
        Assert.Equal(Sha256("+4915112345678"), CustomerHash.Phone("0049 (151) 12345678"));
        Assert.Null(CustomerHash.Phone("12"));
    }
}
