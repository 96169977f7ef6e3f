using SevenStamp.Connectors.Sdk;
using SevenStamp.Connectors.TestKit;

namespace Company.PosConnector1.Tests;

/// <summary>Rotating the signing secret: while both are set, bodies signed with either are accepted.</summary>
public sealed class KeyRotationTests
{
    private const string NewSecret = "new-signing-secret-9876543210";

    [Fact]
    public async Task HandleWebhook_SignedWithThePreviousSecretDuringARotation_IsAccepted()
    {
        // Arrange: the new secret is current, the old one still accepted.
        var (task, sink) = ConnectorHarness.Create(new PosConnector(), new Dictionary<string, string?>
        {
            ["signingSecret"] = NewSecret,
            ["previousSigningSecret"] = PosConnectorComplianceTests.Secret,
        });
        await using var _ = task;

        // Act
        var response = await ((IWebhookReceiver)task).HandleWebhookAsync(PosConnectorComplianceTests.SignWith(PosConnectorComplianceTests.Secret, PosConnectorComplianceTests.Sample), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(WebhookOutcome.Accepted, response.Outcome);
        Assert.Single(sink.Sales);
    }

    [Fact]
    public async Task HandleWebhook_SignedWithARemovedSecret_IsRefused()
    {
        // Arrange: the rotation is over, the old secret removed.
        var (task, sink) = ConnectorHarness.Create(new PosConnector(), new Dictionary<string, string?> { ["signingSecret"] = NewSecret });
        await using var _ = task;

        // Act
        var response = await ((IWebhookReceiver)task).HandleWebhookAsync(PosConnectorComplianceTests.SignWith(PosConnectorComplianceTests.Secret, PosConnectorComplianceTests.Sample), TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(WebhookOutcome.Unauthorized, response.Outcome);
        Assert.Empty(sink.Records);
    }
}
