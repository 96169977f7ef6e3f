using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>Creates and updates programs (one per merchant).</summary>
public sealed class ProgramStore(LoyaltyDbContext db, TimeProvider timeProvider)
{
    /// <summary>Creates the merchant's program or updates it to <paramref name="definition"/>, which must be valid.</summary>
    public async Task<LoyaltyProgram> UpsertAsync(ProgramDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = definition.Validate(timeProvider.GetUtcNow());
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid program: " + string.Join("; ", errors.Select(e => $"{e.Field} {e.Message}")), nameof(definition));
        }

        var now = timeProvider.GetUtcNow();
        var program = await db.Programs.SingleOrDefaultAsync(p => p.MerchantId == definition.MerchantId, cancellationToken);
        if (program is null)
        {
            program = new LoyaltyProgram { Id = Guid.NewGuid(), MerchantId = definition.MerchantId!, Name = string.Empty, Reward = string.Empty, CreatedAt = now };
            db.Programs.Add(program);
        }

        definition.ApplyTo(program);
        program.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return program;
    }
}
