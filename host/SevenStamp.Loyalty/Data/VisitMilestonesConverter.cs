using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace SevenStamp.Loyalty.Data;

/// <summary>A program's visit milestones as one JSON text column (a handful per program, always read with it).</summary>
internal sealed class VisitMilestonesConverter() : ValueConverter<List<VisitMilestone>, string>(
    milestones => JsonSerializer.Serialize(milestones, Options),
    json => string.IsNullOrEmpty(json) ? new List<VisitMilestone>() : JsonSerializer.Deserialize<List<VisitMilestone>>(json, Options) ?? new List<VisitMilestone>())
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public static readonly ValueComparer<List<VisitMilestone>> Comparer = new(
        (a, b) => a != null && b != null && a.SequenceEqual(b),
        list => list.Aggregate(0, (hash, m) => HashCode.Combine(hash, m.GetHashCode())),
        list => list.ToList());
}
