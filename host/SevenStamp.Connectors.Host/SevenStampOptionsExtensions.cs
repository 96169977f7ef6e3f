using Microsoft.Extensions.Options;
using SevenStamp.Loyalty;

namespace SevenStamp.Connectors.Host;

/// <summary>
/// The host's settings, bound for the services that read them later and read once now for the parts that are wired
/// from them (the bus, the store, the request body limit, the demo).
/// </summary>
internal static class SevenStampOptionsExtensions
{
    /// <summary>Binds <see cref="SevenStampOptions"/> (checked at start, every bad setting named) and returns the values as configured now.</summary>
    public static SevenStampOptions AddSevenStampOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SevenStampOptions>().BindConfiguration(SevenStampOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder.Configuration.GetSection(SevenStampOptions.SectionName).Get<SevenStampOptions>() ?? new SevenStampOptions();
    }

    /// <summary>
    /// Binds the database settings (<c>SevenStamp:Database</c>) and returns them, checked. The store is wired from them
    /// at once, so they are checked at once: a bad one stops the build with the setting named, before anything is made
    /// from it.
    /// </summary>
    public static LoyaltyStoreOptions AddDatabaseOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LoyaltyStoreOptions>().BindConfiguration(LoyaltyStoreOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var store = builder.Configuration.GetSection(LoyaltyStoreOptions.SectionName).Get<LoyaltyStoreOptions>() ?? new LoyaltyStoreOptions();
        if (new DataAnnotationValidateOptions<LoyaltyStoreOptions>(Options.DefaultName).Validate(Options.DefaultName, store) is { Failed: true } invalidStore)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(LoyaltyStoreOptions), invalidStore.Failures);
        }

        return store;
    }
}
