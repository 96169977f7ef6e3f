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

    [Fact]
    public void RabbitMqEndpoint_ClusterNodes_UriHostFirstThenEachOtherNodeOnce()
    {
        var endpoint = RabbitMqEndpoint.Parse("amqp://loyalty:secret@rabbit-1:5681/", " rabbit-2:5682, rabbit-1:5681,rabbit-3 ");

        Assert.Equal([new RabbitMqNode("rabbit-1", 5681), new RabbitMqNode("rabbit-2", 5682), new RabbitMqNode("rabbit-3", 5681)], endpoint.Nodes);
        Assert.Equal("amqp://loyalty@rabbit-1:5681/ (cluster: rabbit-1:5681, rabbit-2:5682, rabbit-3:5681)", endpoint.ToString());
    }

    [Fact]
    public void RabbitMqEndpoint_NoClusterNodes_TheUrisHostAlone()
    {
        var endpoint = RabbitMqEndpoint.Parse("amqp://localhost", "  ");

        Assert.Equal([new RabbitMqNode("localhost", 5672)], endpoint.Nodes);
    }

    [Theory]
    [InlineData("rabbit-2:port")]
    [InlineData("rabbit-2:70000")]
    [InlineData(":5672")]
    public void RabbitMqEndpoint_BadClusterNode_IsRefusedNamingTheSettingAndTheEntry(string nodes)
    {
        var ex = Assert.Throws<FormatException>(() => RabbitMqEndpoint.Parse("amqp://localhost", nodes));

        Assert.Contains("SevenStamp:Bus:RabbitMqNodes", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{nodes}\"", ex.Message, StringComparison.Ordinal);
    }
}
