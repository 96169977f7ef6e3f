using Microsoft.Extensions.Options;

namespace SevenStamp.Connectors.Host.Plugins;

/// <summary>How the host finds its plugins: one catalog, loaded once, from the plugin root and the additional one.</summary>
internal static class PluginServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="PluginCatalog"/>, loaded when first asked for from <see cref="SevenStampOptions.PluginRoot"/>
    /// (then <see cref="SevenStampOptions.AdditionalPluginRoot"/>); relative roots are under the host's own folder.
    /// </summary>
    public static IServiceCollection AddPluginCatalog(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<SevenStampOptions>>().Value;
            string[] roots = string.IsNullOrWhiteSpace(settings.AdditionalPluginRoot) ? [settings.PluginRoot] : [settings.PluginRoot, settings.AdditionalPluginRoot];
            return PluginCatalog.Load([.. roots.Select(r => Path.GetFullPath(r, AppContext.BaseDirectory))], sp.GetRequiredService<ILoggerFactory>().CreateLogger<PluginCatalog>());
        });
        return services;
    }
}
