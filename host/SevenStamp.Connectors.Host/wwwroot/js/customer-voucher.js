// The customer's card and voucher pages, where scripts run: the time a voucher was redeemed is shown in the phone's
// own time zone, and a clock beside it shows the time now, ticking every second, so staff can tell a fresh
// redemption from a screenshot of an old one. Without this script the page shows the time in UTC and no clock.
(function () {
    "use strict";

    function format(date, withDate) {
        var options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" };
        if (withDate) {
            options.day = "numeric";
            options.month = "short";
            options.year = "numeric";
        }

        return date.toLocaleString(document.documentElement.lang || undefined, options);
    }

    function start() {
        document.querySelectorAll("[data-local-time]").forEach(function (element) {
            var at = new Date(element.getAttribute("data-local-time"));
            if (!isNaN(at.getTime())) {
                element.textContent = element.getAttribute("data-text").replace("{0}", format(at, element.getAttribute("data-with-date") === "yes"));
            }
        });

        var clock = document.querySelector("[data-clock]");
        if (!clock || clock.getAttribute("data-clock-started") === "yes") {
            return;
        }

        clock.setAttribute("data-clock-started", "yes");
        var text = clock.getAttribute("data-text");
        var timer = 0;
        function tick() {
            // An enhanced navigation replaced the page: this clock is gone, so is its timer.
            if (!document.body.contains(clock)) {
                window.clearInterval(timer);
                return;
            }

            clock.textContent = text.replace("{0}", format(new Date(), false));
        }

        tick();
        clock.hidden = false;
        timer = window.setInterval(tick, 1000);
    }

    // Runs on a full load, and again after each enhanced navigation (SevenStamp.Connectors.Host.lib.module.js).
    start();
}());
