using System.Globalization;
using System.Resources;
using System.Text;
using SevenStamp.Http.Localization;

namespace SevenStamp.Wallet;

/// <summary>
/// The words on a wallet pass in every language customers read (<see cref="PeopleLanguages"/>): English in the code,
/// the others in <c>PassText.&lt;lang&gt;.resx</c>. A pass is built in English and remembers each phrase it used, so
/// that the Apple pass can carry a <c>&lt;lang&gt;.lproj/pass.strings</c> per language (Wallet shows the device's
/// language) and the Google object its translated values. Merchant text (the reward sentence, the program name) is
/// never translated.
/// </summary>
public sealed class PassPhrases
{
    private static readonly ResourceManager Resources = new("SevenStamp.Wallet.PassText", typeof(PassPhrases).Assembly);

    private readonly Dictionary<string, Dictionary<string, string>> _used = new(StringComparer.Ordinal);

    /// <summary>
    /// The English text of <paramref name="template"/> with <paramref name="args"/> (formatted invariantly), remembering
    /// its translations. Placeholders are <c>{0}</c>…; Apple's <c>%@</c> passes through untouched.
    /// </summary>
    public string Say(string template, params object[] args)
    {
        ArgumentNullException.ThrowIfNull(template);
        var english = Format(template, template, args, CultureInfo.InvariantCulture);
        if (!_used.ContainsKey(english))
        {
            _used[english] = PeopleLanguages.Cultures
                .Where(c => c.Name != PeopleLanguages.Default)
                .ToDictionary(c => c.Name, c => Format(template, Translate(template, c), args, c), StringComparer.Ordinal);
        }

        return english;
    }

    /// <summary>Each phrase said so far (English) with its text in <paramref name="language"/> (a <see cref="PeopleLanguages"/> tag).</summary>
    public IReadOnlyDictionary<string, string> In(string language) =>
        _used.Keys.ToDictionary(english => english, english => Translation(english, language), StringComparer.Ordinal);

    /// <summary>A phrase said so far (its English text) in <paramref name="language"/>; the English itself when not said or not translated.</summary>
    public string Translation(string english, string language) =>
        _used.TryGetValue(english, out var translations) ? translations.GetValueOrDefault(language, english) : english;

    /// <summary>The translation of <paramref name="template"/> into <paramref name="culture"/>, or the template itself.</summary>
    public static string Translate(string template, CultureInfo culture)
    {
        ArgumentNullException.ThrowIfNull(culture);
        try
        {
            return Resources.GetString(template, culture) is { Length: > 0 } translated ? translated : template;
        }
        catch (MissingManifestResourceException)
        {
            return template;
        }
    }

    /// <summary>
    /// An Apple <c>pass.strings</c> file for <paramref name="language"/>: <c>"English" = "translation";</c> per phrase,
    /// UTF-16 with a byte order mark, as Apple asks.
    /// </summary>
    public byte[] AppleStrings(string language)
    {
        var text = new StringBuilder();
        foreach (var (english, translated) in In(language).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append('"').Append(Escape(english)).Append("\" = \"").Append(Escape(translated)).Append("\";\n");
        }

        return [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text.ToString())];
    }

    private static string Format(string template, string text, object[] args, CultureInfo culture)
    {
        if (args.Length == 0)
        {
            return text;
        }

        try
        {
            return string.Format(culture, text, args);
        }
        catch (FormatException)
        {
            // A translation with broken placeholders must not break a pass: the English template is used instead.
            return string.Format(culture, template, args);
        }
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
