using Microsoft.Extensions.Localization;
using SevenStamp.Accounts;
using SevenStamp.Connectors.Host.Components.Codes;
using SevenStamp.Http.Access;
using SevenStamp.Loyalty.Engine;

namespace SevenStamp.Connectors.Host.Components.Pages.Console.Program;

/// <summary>
/// The join poster's downloads for the console (<c>/console/program/poster</c>): the QR code of the join URL as PNG and
/// SVG, and the A4 poster as PDF. Each is the signed-in person's own merchant's, under the console's rule
/// (<see cref="PageAccessAttribute"/>: a person of the merchant who may read its program; never a key): no route names
/// a merchant, so nobody can ask for another's.
/// </summary>
internal static class PosterDownloads
{
    public const string PngPath = "/console/program/poster.png";
    public const string SvgPath = "/console/program/poster.svg";
    public const string PdfPath = "/console/program/poster.pdf";

    public static IEndpointRouteBuilder MapPosterDownloads(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet(PngPath, PngAsync).WithMetadata(new PageAccessAttribute(Permission.Read)).ExcludeFromDescription();
        endpoints.MapGet(SvgPath, SvgAsync).WithMetadata(new PageAccessAttribute(Permission.Read)).ExcludeFromDescription();
        endpoints.MapGet(PdfPath, PdfAsync).WithMetadata(new PageAccessAttribute(Permission.Read)).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>The poster's words for the caller's merchant, or null when it has no program (nothing to join yet).</summary>
    public static async Task<PosterText?> TextAsync(HttpContext http, string merchantId, CardJoining joining, MerchantAccounts merchants, IStringLocalizer<Text> l, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(joining);
        ArgumentNullException.ThrowIfNull(merchants);
        ArgumentNullException.ThrowIfNull(l);
        if (await joining.OfferAsync(merchantId, cancellationToken) is not { } offer)
        {
            return null;
        }

        return new PosterText(
            await merchants.DisplayNameAsync(merchantId, cancellationToken),
            offer.ProgramName,
            l["Collect {0} stamps: {1}", offer.StampGoal, offer.Reward],
            l["Scan to get your stamp card"],
            l["No app, no account: one tap and your card is ready."],
            JoinPoster.JoinUrl(http.Request, merchantId));
    }

    private static async Task<IResult> PngAsync(HttpContext http, CardJoining joining, MerchantAccounts merchants, IStringLocalizer<Text> l, CancellationToken cancellationToken) =>
        await TextAsync(http, MerchantOf(http), joining, merchants, l, cancellationToken) is { } text
            ? Results.File(CodeImages.QrPng(text.JoinUrl), "image/png", $"join-{MerchantOf(http)}-qr.png")
            : NoProgram();

    private static async Task<IResult> SvgAsync(HttpContext http, CardJoining joining, MerchantAccounts merchants, IStringLocalizer<Text> l, CancellationToken cancellationToken) =>
        await TextAsync(http, MerchantOf(http), joining, merchants, l, cancellationToken) is { } text
            ? Results.File(System.Text.Encoding.UTF8.GetBytes(CodeImages.QrSvg(text.JoinUrl)), "image/svg+xml", $"join-{MerchantOf(http)}-qr.svg")
            : NoProgram();

    private static async Task<IResult> PdfAsync(HttpContext http, CardJoining joining, MerchantAccounts merchants, IStringLocalizer<Text> l, CancellationToken cancellationToken) =>
        await TextAsync(http, MerchantOf(http), joining, merchants, l, cancellationToken) is { } text
            ? Results.File(JoinPoster.Pdf(text), "application/pdf", $"join-{MerchantOf(http)}-poster.pdf")
            : NoProgram();

    /// <summary>The signed-in person's merchant: the tenant check let only a person of one merchant through.</summary>
    private static string MerchantOf(HttpContext http) => Caller.From(http.User)?.MerchantId ?? throw new InvalidOperationException("A poster download ran without a person of a merchant.");

    private static IResult NoProgram() => Results.Problem("Your merchant has no program yet: create it on /console/program first.", statusCode: StatusCodes.Status404NotFound);
}
