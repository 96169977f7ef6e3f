namespace SevenStamp.Testing;

/// <summary>
/// The checkout the tests run from, found by walking up from the test binaries to the solution file, for tests that
/// read the repository itself (the Docker files, the test sources, the built host).
/// </summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The folder holding <c>SevenStamp.Connectors.sln</c>.</summary>
    public static string Path => Root.Value;

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "SevenStamp.Connectors.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root was not found above the test binaries.");
    }
}
