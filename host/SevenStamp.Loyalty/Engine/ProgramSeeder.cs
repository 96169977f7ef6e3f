using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SevenStamp.Loyalty.Engine;

/// <summary>
/// Writes the programs from configuration (<c>SevenStamp:Programs</c>) at start, so a merchant can run with a
/// configuration file only. A broken definition is reported by field and skipped; the others are written.
/// </summary>
internal sealed partial class ProgramSeeder(IServiceScopeFactory scopes, IReadOnlyList<ProgramDefinition> definitions, TimeProvider timeProvider, ILogger<ProgramSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < definitions.Count; i++)
        {
            var definition = definitions[i];
            var errors = definition.Validate(timeProvider.GetUtcNow());
            if (errors.Count > 0)
            {
                foreach (var (field, message) in errors)
                {
                    LogInvalid(logger, i, definition.MerchantId ?? "?", field, message);
                }

                continue;
            }

            await using var scope = scopes.CreateAsyncScope();
            var program = await scope.ServiceProvider.GetRequiredService<ProgramStore>().UpsertAsync(definition, cancellationToken);
            LogWritten(logger, program.MerchantId, program.Name, program.StampGoal);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "SevenStamp:Programs:{Index} (merchant {MerchantId}): {Field} {Problem}; this program was not written")]
    private static partial void LogInvalid(ILogger logger, int index, string merchantId, string field, string problem);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "Program of merchant {MerchantId}: '{Name}', {Goal} stamps per voucher")]
    private static partial void LogWritten(ILogger logger, string merchantId, string name, int goal);
}
