using System.Text.RegularExpressions;
using SevenStamp.Testing;

namespace SevenStamp.Connectors.Host.Tests;

/// <summary>
/// Every test in the repository is named <c>Method_Scenario_Result</c> (the unit or endpoint under test, the situation,
/// what happens), so a failing test's name alone says where to look. The check reads the test sources of every project
/// under <c>tests/</c>, the ones outside the solution too, rather than reflecting over one assembly.
/// </summary>
public sealed partial class TestNamingTests
{
    /// <summary>
    /// Test methods allowed another shape, as <c>Project/File.cs:Method</c>. Empty: every test fits the convention; a
    /// name goes here only when the convention truly cannot say it, with the reason beside it.
    /// </summary>
    private static readonly HashSet<string> Exceptions = new(StringComparer.Ordinal);

    [Fact]
    public void TestMethods_EveryTestProject_AreNamedMethodScenarioResult()
    {
        var tests = TestMethods().ToList();
        var misnamed = tests.Where(t => !Convention().IsMatch(t.Method) && !Exceptions.Contains(t.Key)).Select(t => t.Key).ToList();

        Assert.True(tests.Count > 400, $"Only {tests.Count} test methods were found under tests/: the scan no longer sees them.");
        Assert.True(misnamed.Count == 0, $"Not named Method_Scenario_Result ({Convention()}):{Environment.NewLine}{string.Join(Environment.NewLine, misnamed)}");
    }

    private static IEnumerable<(string Key, string Method)> TestMethods()
    {
        var tests = Path.Combine(RepositoryRoot.Path, "tests");
        foreach (var file in Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(tests, file).Replace('\\', '/');
            if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal))
            {
                continue;
            }

            var source = File.ReadAllText(file);
            foreach (Match attribute in TestAttribute().Matches(source))
            {
                var method = MethodDeclaration().Match(source, attribute.Index + attribute.Length);
                if (method.Success)
                {
                    yield return ($"{relative}:{method.Groups[1].Value}", method.Groups[1].Value);
                }
            }
        }
    }

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*_[A-Z][A-Za-z0-9]*_[A-Z][A-Za-z0-9]*$")]
    private static partial Regex Convention();

    [GeneratedRegex(@"^\s*\[(?:Fact|Theory)\b", RegexOptions.Multiline)]
    private static partial Regex TestAttribute();

    [GeneratedRegex(@"\b(?:void|Task|ValueTask)\s+([A-Za-z0-9_]+)\s*\(")]
    private static partial Regex MethodDeclaration();
}
