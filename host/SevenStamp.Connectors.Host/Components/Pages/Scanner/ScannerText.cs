using System.Globalization;
using Microsoft.AspNetCore.Components;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Connectors.Host.Components.Pages.Scanner;

/// <summary>
/// What the scanner's pages share: the counter's location, the colour of an answer, and sentences whose
/// placeholders hold markup (a time the browser shows in its own zone). The scanner's script
/// (<c>wwwroot/js/scanner.js</c>) draws the same answers from the same localized sentences.
/// </summary>
public static class ScannerText
{
    /// <summary>
    /// The location the scanner works at: the one asked for when the caller may work there; for staff of one
    /// location, that one; otherwise none (staff of several locations pick one first, see <see cref="MustPick"/>).
    /// </summary>
    public static string? LocationOf(Caller caller, string? requested)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var asked = string.IsNullOrWhiteSpace(requested) ? null : requested.Trim();
        if (caller.Locations is null)
        {
            return asked;
        }

        return asked is not null && caller.Locations.Contains(asked) ? asked
            : caller.Locations.Count == 1 ? caller.Locations.First()
            : null;
    }

    /// <summary>Whether the caller must pick a location before scanning: staff of several locations who have not.</summary>
    public static bool MustPick(Caller caller, string? location) => caller.Locations is { Count: > 1 } && location is null;

    /// <summary>The answer's colour: green done, red refused, amber expired or too soon, blue a card shown, grey unknown.</summary>
    public static string Tone(ScanOutcome outcome) => outcome switch
    {
        ScanOutcome.Redeemed or ScanOutcome.Stamped => "ok",
        ScanOutcome.Expired or ScanOutcome.TooSoon => "warn",
        ScanOutcome.CardFound or ScanOutcome.VoucherAtKiosk => "info",
        ScanOutcome.Unknown => "unknown",
        _ => "bad",
    };

    /// <summary>
    /// A localized sentence with <c>{0}</c>, <c>{1}</c>… replaced by <paramref name="args"/>: text, or markup given as a
    /// <see cref="RenderFragment"/>. The sentence stays whole for translators; only the values are put in.
    /// </summary>
    public static RenderFragment Sentence(string template, params object?[] args) => builder =>
    {
        ArgumentNullException.ThrowIfNull(template);
        var start = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '{' && i + 2 < template.Length && char.IsAsciiDigit(template[i + 1]) && template[i + 2] == '}' && template[i + 1] - '0' < args.Length)
            {
                builder.AddContent(0, template[start..i]);
                var value = args[template[i + 1] - '0'];
                if (value is RenderFragment fragment)
                {
                    builder.AddContent(1, fragment);
                }
                else
                {
                    builder.AddContent(2, Convert.ToString(value, CultureInfo.CurrentCulture));
                }

                start = i + 3;
                i += 2;
            }
        }

        builder.AddContent(3, template[start..]);
    };

    /// <summary>
    /// An instant as a <c>&lt;time&gt;</c> the scanner's script shows in the device's own zone (the time alone when it is
    /// today, else the day too; <paramref name="dayOnly"/>: the day alone); without the script, in UTC.
    /// </summary>
    public static RenderFragment When(DateTimeOffset at, bool dayOnly = false) => builder =>
    {
        var utc = at.UtcDateTime;
        builder.OpenElement(0, "time");
        builder.AddAttribute(1, "datetime", utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        builder.AddAttribute(2, "data-local", dayOnly ? "day" : "moment");
        builder.AddContent(3, dayOnly
            ? utc.ToString("d MMM yyyy", CultureInfo.InvariantCulture)
            : utc.ToString(utc.Date == DateTime.UtcNow.Date ? "HH:mm" : "d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " UTC");
        builder.CloseElement();
    };

    /// <summary>The page's query for a mode and location (the location kept across the scanner's pages).</summary>
    public static string Query(string path, string? mode, string? location)
    {
        var parts = new List<string>();
        if (mode is not null)
        {
            parts.Add("mode=" + Uri.EscapeDataString(mode));
        }

        if (location is not null)
        {
            parts.Add("location=" + Uri.EscapeDataString(location));
        }

        return parts.Count == 0 ? path : path + "?" + string.Join('&', parts);
    }
}
