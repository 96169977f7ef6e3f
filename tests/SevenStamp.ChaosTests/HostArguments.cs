using SevenStamp.Loyalty;

namespace SevenStamp.ChaosTests;

/// <summary>The command line every chaos host runs with: the broker, the database, the connectors file and one coffee program.</summary>
internal static class HostArguments
{
    public const string MerchantId = "cafe-1";

    public const int StampGoal = 10;

    /// <summary>
    /// The host's settings for <paramref name="provider"/> at <paramref name="connectionString"/>, RabbitMQ at
    /// <paramref name="rabbitUri"/> (with <paramref name="clusterNodes"/> when it is a cluster), queue names starting
    /// with <paramref name="prefix"/>, and <paramref name="extra"/> settings after them.
    /// </summary>
    public static string[] For(LoyaltyStoreProvider provider, string connectionString, string rabbitUri, string? clusterNodes, string prefix, string connectorsFile, params IEnumerable<string> extra) =>
    [
        "--SevenStamp:Bus:Transport=RabbitMq",
        $"--SevenStamp:Bus:RabbitMqUri={rabbitUri}",
        $"--SevenStamp:Bus:RabbitMqNodes={clusterNodes}",
        $"--SevenStamp:Bus:NamePrefix={prefix}",
        $"--SevenStamp:Database:Provider={provider}",
        $"--SevenStamp:Database:ConnectionString={connectionString}",
        $"--SevenStamp:ConnectorsFile={connectorsFile}",
        $"--SevenStamp:Programs:0:MerchantId={MerchantId}",
        "--SevenStamp:Programs:0:Name=Coffee card",
        "--SevenStamp:Programs:0:Reward=A free coffee",
        $"--SevenStamp:Programs:0:StampGoal={StampGoal}",
        "--Logging:LogLevel:Default=Warning",
        .. extra,
    ];

    /// <summary>A connectors file with the signed generic webhook <c>shop</c> of the coffee program's merchant.</summary>
    public static string ShopConnector(string secret) =>
        $$"""{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "{{MerchantId}}", "settings": { "signingSecret": "{{secret}}" } } ] }""";
}
