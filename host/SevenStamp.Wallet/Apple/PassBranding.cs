namespace SevenStamp.Wallet.Apple;

/// <summary>
/// The images of a merchant's passes: <c>BrandingRoot/&lt;merchantId&gt;/</c>, each image falling back to
/// <c>BrandingRoot/default/</c>. A merchant id or link that would lead outside the root is refused.
/// </summary>
public sealed class PassBranding
{
    public const string DefaultFolder = "default";

    /// <summary>The images a store card uses, at 1x, 2x and 3x.</summary>
    public static readonly IReadOnlyList<string> ImageNames =
    [
        "icon.png", "icon@2x.png", "icon@3x.png",
        "logo.png", "logo@2x.png", "logo@3x.png",
        "strip.png", "strip@2x.png", "strip@3x.png",
    ];

    private readonly string _root;

    public PassBranding(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
    }

    /// <summary>The image files of <paramref name="merchantId"/>'s passes by name; the merchant's own before the defaults.</summary>
    public IReadOnlyDictionary<string, string> ImagesFor(string merchantId)
    {
        ArgumentNullException.ThrowIfNull(merchantId);
        var merchant = FolderInside(merchantId);
        var fallback = FolderInside(DefaultFolder);
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in ImageNames)
        {
            var file = (merchant is null ? null : FileInside(merchant, name)) ?? (fallback is null ? null : FileInside(fallback, name));
            if (file is not null)
            {
                images[name] = file;
            }
        }

        return images;
    }

    /// <summary>The folder <paramref name="name"/> directly below the root, or null when it is absent or leads outside it.</summary>
    internal string? FolderInside(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0']) >= 0 || Path.IsPathRooted(name))
        {
            return null;
        }

        var folder = Path.GetFullPath(Path.Combine(_root, name));
        if (!folder.StartsWith(_root, StringComparison.Ordinal) || !Directory.Exists(folder))
        {
            return null;
        }

        // A symbolic link (or junction) in place of the folder must not lead outside the root either.
        var target = new DirectoryInfo(folder).ResolveLinkTarget(returnFinalTarget: true);
        if (target is not null && !Path.TrimEndingDirectorySeparator(Path.GetFullPath(target.FullName)).StartsWith(_root, StringComparison.Ordinal))
        {
            return null;
        }

        return folder;
    }

    private string? FileInside(string folder, string name)
    {
        var file = Path.Combine(folder, name);
        if (!File.Exists(file))
        {
            return null;
        }

        var target = new FileInfo(file).ResolveLinkTarget(returnFinalTarget: true);
        return target is null || Path.GetFullPath(target.FullName).StartsWith(_root, StringComparison.Ordinal) ? file : null;
    }
}
