using System.Text.RegularExpressions;
using System.Xml.Linq;
using SevenStamp.Http.Localization;
using SevenStamp.Testing;

namespace SevenStamp.Pages.Tests;

/// <summary>
/// Every text a customer or staff member reads has its translation in every language of <see cref="PeopleLanguages"/>,
/// with the same placeholders: the pages' <c>L["…"]</c> in Text.&lt;lang&gt;.resx, the passes' <c>Say("…")</c> in
/// PassText.&lt;lang&gt;.resx. A new sentence without its translations fails here, naming it.
/// </summary>
public sealed partial class TranslationsTests
{
    /// <summary>The people-facing pages and the parts they share (the console, for merchants, is English for now).</summary>
    private static readonly string[] PageSources =
    [
        "host/SevenStamp.Connectors.Host/Components/Pages/Account",
        "host/SevenStamp.Connectors.Host/Components/Pages/Customer",
        "host/SevenStamp.Connectors.Host/Components/Pages/Scanner",
        "host/SevenStamp.Connectors.Host/Components/Customer",
        "host/SevenStamp.Connectors.Host/Components/Pages/NotFound.razor",
        "host/SevenStamp.Connectors.Host/Components/Pages/TooManyRequests.razor",
        "host/SevenStamp.Connectors.Host/Components/Layout/PlainLayout.razor",
        "host/SevenStamp.Connectors.Host/Components/Layout/CustomerLayout.razor",
        "host/SevenStamp.Connectors.Host/Components/Layout/ScannerLayout.razor",
    ];

    public static TheoryData<string> Languages() => [.. PeopleLanguages.Tags.Where(t => t != PeopleLanguages.Default)];

    [Theory]
    [MemberData(nameof(Languages))]
    public void Pages_EveryTextCustomersAndStaffRead_IsTranslated(string language)
    {
        var keys = Keys(PageSources, PageKey());
        var translations = Resx($"host/SevenStamp.Connectors.Host/Components/Text.{language}.resx");

        AssertTranslated(keys, translations, language);
    }

    [Theory]
    [MemberData(nameof(Languages))]
    public void Passes_EveryPhrase_IsTranslated(string language)
    {
        var keys = Keys(["host/SevenStamp.Wallet"], PassKey());
        var translations = Resx($"host/SevenStamp.Wallet/PassText.{language}.resx");

        Assert.Contains("Stamps", keys);
        AssertTranslated(keys, translations, language);
    }

    private static void AssertTranslated(IReadOnlySet<string> keys, IReadOnlyDictionary<string, string> translations, string language)
    {
        var missing = keys.Where(k => !translations.TryGetValue(k, out var t) || string.IsNullOrWhiteSpace(t)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} texts have no {language} translation:\n" + string.Join('\n', missing));
        var broken = keys.Where(k => !Placeholders(k).SetEquals(Placeholders(translations[k]))).ToList();
        Assert.True(broken.Count == 0, $"{language} translations with other placeholders than the English:\n" + string.Join('\n', broken));
    }

    private static HashSet<string> Keys(IEnumerable<string> sources, Regex pattern)
    {
        var files = sources
            .Select(s => Path.Combine(RepositoryRoot.Path, s))
            .SelectMany(p => File.Exists(p) ? [p] : Directory.Exists(p) ? Directory.EnumerateFiles(p, "*.*", SearchOption.AllDirectories) : [])
            .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        return [.. files.SelectMany(f => pattern.Matches(File.ReadAllText(f)).Select(m => Regex.Unescape(m.Groups["text"].Value)))];
    }

    private static Dictionary<string, string> Resx(string path)
    {
        var file = Path.Combine(RepositoryRoot.Path, path);
        Assert.True(File.Exists(file), $"{path} is missing");
        return XDocument.Load(file).Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? string.Empty, StringComparer.Ordinal);
    }

    private static HashSet<string> Placeholders(string text) => [.. PlaceholderPattern().Matches(text).Select(m => m.Value)];

    [GeneratedRegex(@"\bL\[""(?<text>(?:[^""\\]|\\.)+)""")]
    private static partial Regex PageKey();

    [GeneratedRegex(@"\.Say\(""(?<text>(?:[^""\\]|\\.)+)""")]
    private static partial Regex PassKey();

    [GeneratedRegex(@"\{\d+\}|%@")]
    private static partial Regex PlaceholderPattern();
}
