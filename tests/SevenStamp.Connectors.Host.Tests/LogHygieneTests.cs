using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// Every log line of a host at every level, through sales with contact data, forged and oversized requests, the
/// management API and staff redemption: no email address, phone number, secret, token or Authorization header,
/// and no line broken by a CR/LF smuggled in a value.
/// </summary>
public sealed partial class LogHygieneTests
{
    private const string Secret = "log-hygiene-signing-secret-0123";
    private const string AdminKey = "log-hygiene-admin-key-0123456789";
    private const string Email = "ana.lopez@example.org";
    private const string Phone = "+49 151 2345 6789";

    [Fact]
    public async Task LogLines_WholeRun_CarryNoContactDataSecretOrToken()
    {
        var logs = new CapturingLoggerProvider();
        var host = await RunningHost.StartAsync(
            """{ "connectors": [ { "id": "shop", "plugin": "generic-webhook", "merchantId": "cafe-1", "settings": { "signingSecret": "log-hygiene-signing-secret-0123" } } ] }""",
            new Dictionary<string, string?>
            {
                ["SevenStamp:Bus:Transport"] = "InMemory",
                ["SevenStamp:Api:AdminKey"] = AdminKey,
                ["SevenStamp:Programs:0:StampGoal"] = "1",
                ["Logging:LogLevel:Default"] = "Trace",
            },
            logs: logs);
        string staffToken;
        await using (host)
        {
            var sale = $$"""
                { "eventId": "evt-log-1", "type": "sale.completed",
                  "sale": { "id": "S-LOG-1", "occurredAt": "2026-11-23T09:30:00Z",
                            "customer": { "id": "c-log", "email": "{{Email}}", "phone": "{{Phone}}" },
                            "currency": "EUR", "total": 3.5 } }
                """;
            await host.PostWebhookAsync("shop", sale, Secret);
            await host.PostWebhookAsync("shop", sale.Replace("evt-log-1", "evt-log-2", StringComparison.Ordinal), "wrong-secret-but-long-enough");
            await host.PostWebhookAsync("shop", """{ "eventId": "e\r\nFORGED: admin logged in", "type": "x" }""", Secret);
            try
            {
                await host.PostWebhookAsync("shop", "{\"pad\":\"" + new string('x', 2_000_000) + "\"}", Secret);
            }
            catch (HttpRequestException)
            {
                // The host answers 413 from the Content-Length and closes the connection while the body is still being sent.
            }
            await Eventually.HoldsAsync(async () => await host.StampsOfAsync("shop", "c-log") == 1, TimeSpan.FromSeconds(20));

            host.Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
            var staff = await host.Client.PostAsJsonAsync("/api/merchants/cafe-1/staff", new { staffId = "anna" });
            using var body = JsonDocument.Parse(await staff.Content.ReadAsStringAsync());
            staffToken = body.RootElement.GetProperty("token").GetString()!;
            using var redeem = new HttpRequestMessage(HttpMethod.Post, "/api/staff/redeem") { Content = JsonContent.Create(new { code = "CAFE-NOSUCH" }) };
            redeem.Headers.Authorization = new AuthenticationHeaderValue("Bearer", staffToken);
            await host.Client.SendAsync(redeem);
        }

        var lines = logs.Lines.ToList();
        Assert.NotEmpty(lines);
        var all = string.Join("\n", lines);
        Assert.DoesNotMatch(EmailPattern(), all);
        Assert.DoesNotContain("2345", all, StringComparison.Ordinal);
        Assert.DoesNotContain("6789", all, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, all, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminKey, all, StringComparison.Ordinal);
        Assert.DoesNotContain(staffToken, all, StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer ", all, StringComparison.Ordinal);
        Assert.DoesNotContain("guest:guest", all, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Contains("FORGED", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();
}
