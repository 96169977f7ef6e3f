using SevenStamp.Connectors.Host.Messaging;

namespace SevenStamp.Connectors.Host.Tests;

public class RabbitMqEndpointTests
{
    [Fact]
    public void RabbitMqEndpoint_FullUri_IsParsedAndItsPasswordNeverPrinted()
    {
        var endpoint = RabbitMqEndpoint.Parse("amqps://loyalty:p%40ss@broker.internal:5673/shop%2Fprod");

        Assert.Equal(("broker.internal", 5673, "shop/prod", "loyalty", "p@ss", true), (endpoint.Host, endpoint.Port, endpoint.VirtualHost, endpoint.Username, endpoint.Password, endpoint.UseTls));
        Assert.DoesNotContain("p@ss", endpoint.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RabbitMqEndpoint_PartialUri_DefaultsFillWhatItLeavesOut()
    {
        var endpoint = RabbitMqEndpoint.Parse("amqp://localhost");

        Assert.Equal((5672, "/", "guest", "guest", false), (endpoint.Port, endpoint.VirtualHost, endpoint.Username, endpoint.Password, endpoint.UseTls));
    }

    [Theory]
    [InlineData("localhost:5672")]
    [InlineData("http://localhost")]
    [InlineData("")]
    public void RabbitMqEndpoint_AnythingElse_IsRefusedWithAnExample(string uri)
    {
        var ex = Assert.Throws<FormatException>(() => RabbitMqEndpoint.Parse(uri));

        Assert.Contains("amqp://user:password@host:5672/vhost", ex.Message, StringComparison.Ordinal);
    }
}
