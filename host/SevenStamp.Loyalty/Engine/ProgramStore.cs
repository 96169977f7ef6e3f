using Microsoft.EntityFrameworkCore;
using SevenStamp.Loyalty.Data;

namespace SevenStamp.Loyalty.Engine;

/// <summary>Creates and updates programs (one per merchant).</summary>
public sealed class ProgramStore(LoyaltyDbContext db, TimeProvider timeProvider)
{
    /// <summary>
    /// Validates <paramref name="definition"/> (<see cref="ProgramDefinition.Validate"/>) and, when valid, creates or
    /// updates the merchant's program: the save of the API and the console alike. Returns the errors (then nothing was
    /// written), or the program as it was before (null when new) and as it is now, for the audit log.
    /// </summary>
    public async Task<ProgramSave> SaveAsync(ProgramDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = definition.Validate(timeProvider.GetUtcNow());
        if (errors.Count > 0)
        {
            return new ProgramSave(errors, null, null);
        }

        var before = await db.Programs.AsNoTracking().SingleOrDefaultAsync(p => p.MerchantId == definition.MerchantId, cancellationToken);
        return new ProgramSave([], before, await UpsertAsync(definition, cancellationToken));
    }

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

/// <summary>A program's save: its errors by field, or the program before (null when it was new) and after.</summary>
public sealed record ProgramSave(IReadOnlyList<(string Field, string Message)> Errors, LoyaltyProgram? Before, LoyaltyProgram? After);
