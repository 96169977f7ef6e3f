using System.Globalization;

namespace SevenStamp.Http.Localization;

/// <summary>
/// The languages of what customers and staff read (join, card and voucher pages, the scanner, the sign-in pages, the
/// wallet passes): English and the languages of the first markets. A merchant's default is one of these; a browser's
/// language is taken when it is one of these (or a regional form of one, e.g. <c>zh-CN</c> → <c>zh-Hans</c>).
/// </summary>
public static class PeopleLanguages
{
    /// <summary>The language of the text as written in the code, and the last resort.</summary>
    public const string Default = "en";

    /// <summary>The language tags, in the order a merchant is offered them.</summary>
    public static IReadOnlyList<string> Tags { get; } = ["en", "he", "fa", "zh-Hans", "kk", "uz"];

    /// <summary>The supported cultures (ICU data), in <see cref="Tags"/> order.</summary>
    public static IReadOnlyList<CultureInfo> Cultures { get; } = [.. Tags.Select(CultureInfo.GetCultureInfo)];

    /// <summary>
    /// The supported tag for <paramref name="tag"/> (any case, a regional form falling back to its language), or null:
    /// <c>HE</c> → <c>he</c>, <c>zh-CN</c> → <c>zh-Hans</c>, <c>uz-Latn-UZ</c> → <c>uz</c>, <c>de</c> → null.
    /// </summary>
    public static string? Match(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag) || tag.Length > 32)
        {
            return null;
        }

        CultureInfo culture;
        try
        {
            culture = CultureInfo.GetCultureInfo(tag.Trim());
        }
        catch (CultureNotFoundException)
        {
            return null;
        }

        for (var c = culture; !Equals(c, CultureInfo.InvariantCulture); c = c.Parent)
        {
            if (Tags.FirstOrDefault(t => string.Equals(t, c.Name, StringComparison.OrdinalIgnoreCase)) is { } supported)
            {
                return supported;
            }
        }

        return null;
    }

    /// <summary>The field error for a language that is not supported, naming the choices.</summary>
    public static string Problem => $"must be one of {string.Join(", ", Tags)} (the language of the customer pages, the scanner and the passes)";
}
