namespace SevenStamp.Connectors.Host.Plugins;

/// <summary>A plugin folder that was refused or failed to load. It is quarantined: nothing of it runs.</summary>
/// <param name="Folder">The folder name under the plugin root.</param>
/// <param name="PluginId">The plugin id from its manifest, when the manifest could be read.</param>
/// <param name="Reason">What is wrong and what to do about it.</param>
public sealed record PluginLoadFailure(string Folder, string? PluginId, string Reason);
