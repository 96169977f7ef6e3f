using System.Reflection;
using McMaster.NETCore.Plugins;
using SevenStamp.Connectors.Sdk;
using SevenStamp.Contracts;

namespace SevenStamp.Connectors.Host.Plugins;

/// <summary>
/// Discovers connector plugins under the plugin roots (<c>&lt;root&gt;/&lt;Name&gt;/&lt;Name&gt;.dll</c> with a
/// <c>connector.json</c> beside it) and loads each into its own load context. A plugin that fails any check is
/// quarantined and reported; the others load regardless.
/// </summary>
public sealed partial class PluginCatalog : IDisposable
{
    /// <summary>
    /// The types whose assemblies cross the load-context boundary: the SDK (the interfaces the host calls),
    /// the contracts (the bus must see the same message types the plugin creates) and the logging abstractions
    /// the SDK's signatures expose. Everything else a plugin carries stays private to it.
    /// </summary>
    internal static readonly Type[] SharedTypes = [typeof(IPosConnector), typeof(SaleCompleted), typeof(ILogger)];

    private readonly Dictionary<string, LoadedPlugin> _plugins;

    private PluginCatalog(IReadOnlyList<string> roots, Dictionary<string, LoadedPlugin> plugins, IReadOnlyList<PluginLoadFailure> failures)
    {
        Roots = roots;
        _plugins = plugins;
        Failures = failures;
    }

    /// <summary>The canonical plugin roots, in the order they were searched.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>Loaded plugins by plugin id.</summary>
    public IReadOnlyDictionary<string, LoadedPlugin> Plugins => _plugins;

    /// <summary>Plugins that were refused, with the reason.</summary>
    public IReadOnlyList<PluginLoadFailure> Failures { get; }

    public static PluginCatalog Load(string pluginRoot, ILogger logger) => Load([pluginRoot], logger);

    /// <summary>
    /// Loads the plugins of every root in turn (the bundled ones, then e.g. a mount of third-party plugins). A plugin
    /// id already taken by an earlier folder or root is refused.
    /// </summary>
    public static PluginCatalog Load(IReadOnlyList<string> pluginRoots, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(pluginRoots);
        ArgumentNullException.ThrowIfNull(logger);
        var roots = pluginRoots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal).ToList();
        var plugins = new Dictionary<string, LoadedPlugin>(StringComparer.Ordinal);
        var failures = new List<PluginLoadFailure>();
        foreach (var root in roots)
        {
            LoadRoot(root, plugins, failures, logger);
        }

        return new PluginCatalog(roots, plugins, failures);
    }

    private static void LoadRoot(string root, Dictionary<string, LoadedPlugin> plugins, List<PluginLoadFailure> failures, ILogger logger)
    {
        if (!Directory.Exists(root))
        {
            LogNoPluginRoot(logger, root);
            return;
        }

        foreach (var folder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(folder);
            try
            {
                var plugin = LoadOne(root, folder, name);
                if (!plugins.TryAdd(plugin.Manifest.Id, plugin))
                {
                    plugin.Dispose();
                    throw new PluginRefusedException(plugin.Manifest.Id, $"another plugin folder, '{plugins[plugin.Manifest.Id].Directory}', already has the id '{plugin.Manifest.Id}'; plugin ids must be unique");
                }

                LogLoaded(logger, plugin.Manifest.Id, plugin.Manifest.Version, name);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var failure = ex switch
                {
                    PluginRefusedException refused => new PluginLoadFailure(name, refused.PluginId, refused.Message),
                    ConnectorManifestException manifest => new PluginLoadFailure(name, null, manifest.Message),
                    _ => new PluginLoadFailure(name, null, $"failed to load: {ex.GetType().Name}: {ex.Message}"),
                };
                failures.Add(failure);
                LogQuarantined(logger, name, failure.Reason);
            }
        }
    }

    public void Dispose()
    {
        foreach (var plugin in _plugins.Values)
        {
            plugin.Dispose();
        }

        _plugins.Clear();
    }

    /// <summary>Loads the one plugin folder <paramref name="folder"/> with every check of <see cref="Load(IReadOnlyList{string}, ILogger)"/> (a connector worker process); throws when it is refused.</summary>
    internal static LoadedPlugin LoadFolder(string folder) =>
        LoadOne(Path.TrimEndingDirectorySeparator(Path.GetDirectoryName(Path.GetFullPath(folder))!), Path.GetFullPath(folder), Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)));

    private static LoadedPlugin LoadOne(string root, string folder, string name)
    {
        var directory = RequireInsideRoot(root, folder, null);
        RefuseLinks(directory, null);

        var manifestPath = Path.Combine(directory, ConnectorManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            throw new PluginRefusedException(null, $"has no {ConnectorManifest.FileName}; every plugin ships one with its id, name, version and sdkVersion");
        }

        RefuseLinks(manifestPath, null);
        var manifest = ConnectorManifest.Parse(File.ReadAllText(manifestPath), $"{name}/{ConnectorManifest.FileName}");

        if (!SdkInfo.IsCompatible(manifest.SdkVersion))
        {
            throw new PluginRefusedException(manifest.Id, $"was built against SDK {manifest.SdkVersion}, but this host runs SDK {SdkInfo.AbiVersion}; rebuild the plugin against SDK {SdkInfo.AbiVersion.Major}.x (at most {SdkInfo.AbiVersion})");
        }

        var assemblyPath = RequireInsideRoot(root, Path.Combine(directory, name + ".dll"), manifest.Id);
        if (!File.Exists(assemblyPath))
        {
            throw new PluginRefusedException(manifest.Id, $"has no {name}.dll; the plugin assembly must be named after its folder");
        }

        RefuseLinks(assemblyPath, manifest.Id);

        var loader = PluginLoader.CreateFromAssemblyFile(assemblyPath, SharedTypes, config => config.PreferSharedTypes = false);
        try
        {
            var assembly = loader.LoadDefaultAssembly();
            CheckSdkReference(assembly, manifest.Id);
            var connector = CreateConnector(assembly, manifest.Id);
            return new LoadedPlugin(manifest, directory, connector, loader);
        }
        catch
        {
            loader.Dispose();
            throw;
        }
    }

    /// <summary>The assembly itself must agree with the manifest: a plugin compiled against another SDK major is refused now, not with a cast error later.</summary>
    private static void CheckSdkReference(Assembly assembly, string pluginId)
    {
        var sdkName = typeof(IPosConnector).Assembly.GetName();
        var reference = assembly.GetReferencedAssemblies().FirstOrDefault(r => string.Equals(r.Name, sdkName.Name, StringComparison.Ordinal))
            ?? throw new PluginRefusedException(pluginId, $"does not reference {sdkName.Name}; a connector plugin implements {nameof(IPosConnector)} from the SDK");
        if (reference.Version is { } version && sdkName.Version is { } hostVersion && (version.Major != hostVersion.Major || version > hostVersion))
        {
            throw new PluginRefusedException(pluginId, $"was compiled against {sdkName.Name} {version}, but this host has {hostVersion}; rebuild the plugin against the host's SDK");
        }
    }

    private static IPosConnector CreateConnector(Assembly assembly, string pluginId)
    {
        Type[] candidates;
        try
        {
            candidates = [.. assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IPosConnector).IsAssignableFrom(t))];
        }
        catch (ReflectionTypeLoadException ex)
        {
            throw new PluginRefusedException(pluginId, $"has types that cannot load ({ex.LoaderExceptions.FirstOrDefault()?.Message}); a dependency is missing from the plugin folder");
        }

        if (candidates.Length != 1)
        {
            throw new PluginRefusedException(pluginId, candidates.Length == 0
                ? $"has no public class implementing {nameof(IPosConnector)}"
                : $"has {candidates.Length} public classes implementing {nameof(IPosConnector)} ({string.Join(", ", candidates.Select(c => c.Name))}); a plugin has exactly one");
        }

        var type = candidates[0];
        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new PluginRefusedException(pluginId, $"class {type.Name} needs a public parameterless constructor");
        }

        try
        {
            return (IPosConnector)Activator.CreateInstance(type)!;
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw new PluginRefusedException(pluginId, $"class {type.Name} threw from its constructor: {ex.InnerException.GetType().Name}: {ex.InnerException.Message}");
        }
    }

    /// <summary>Canonicalizes <paramref name="path"/> and refuses anything that is not strictly under the root.</summary>
    internal static string RequireInsideRoot(string root, string path, string? pluginId)
    {
        var full = Path.GetFullPath(path);
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, StringComparison.Ordinal) || full.Length == prefix.Length)
        {
            throw new PluginRefusedException(pluginId, $"resolves outside the plugin root {root}; plugins must live in a folder directly under it");
        }

        return full;
    }

    /// <summary>Symbolic links and junctions could point out of the root; they are refused, not followed.</summary>
    private static void RefuseLinks(string path, string? pluginId)
    {
        var info = Directory.Exists(path) ? (FileSystemInfo)new DirectoryInfo(path) : new FileInfo(path);
        if (info.LinkTarget is not null || info.Attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            throw new PluginRefusedException(pluginId, $"'{info.Name}' is a symbolic link or junction; copy the plugin into the plugin root instead of linking it");
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Plugin root {PluginRoot} does not exist; no connector plugins are loaded")]
    private static partial void LogNoPluginRoot(ILogger logger, string pluginRoot);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Loaded plugin {PluginId} {PluginVersion} from {Folder}")]
    private static partial void LogLoaded(ILogger logger, string pluginId, Version pluginVersion, string folder);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Plugin folder {Folder} quarantined: {Reason}")]
    private static partial void LogQuarantined(ILogger logger, string folder, string reason);
}
