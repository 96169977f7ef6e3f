// Loaded by Blazor at start (a JS initializer). Enhanced navigation swaps a page in without running the scripts in it;
// this runs a page's own scripts (a <script src> inside <main>) after each enhanced navigation, as a full load would.
// A page script must therefore be safe to run again on the same page.
export function afterWebStarted(blazor) {
    blazor.addEventListener("enhancedload", () => {
        document.querySelectorAll("main script[src]").forEach((old) => {
            const script = document.createElement("script");
            script.src = old.src;
            old.replaceWith(script);
        });
    });
}
