// The counter scanner (/scanner and /scanner/kiosk), made fast where scripts run.
//
// Autopilot and kiosk: an external scanner types the code and Enter. Each scan is sent with fetch to
// POST /api/staff/scan (the same service the page's form calls), with the session cookie: the cookie is SameSite=Strict,
// so no other site can make the browser send it, and a cross-site JSON post needs a CORS preflight the host never
// grants. The input is cleared and focused at once, so the next scan can come while this one is answered; scans are
// answered in the order they came. Each answer replaces the last, large and coloured, with a beep (Web Audio: a rising
// pair of tones for done, one low buzz for refused); the kiosk returns to its greeting a few seconds later.
//
// Manual: the form posts as usual (no script needed); the script only adds the camera.
//
// Camera (every mode): the browser's own BarcodeDetector where it has one, else ZXing (vendored under
// lib/zxing-library, loaded only when the camera starts). A code read in manual mode fills the input and posts the
// form; in autopilot and kiosk it is sent as a scan (the same code again only after a pause).
//
// Times come as instants and are shown in the device's own zone. The sentences are the page's (localized there):
// the script only puts the values in. Without this script every mode still works through the form.
(function () {
    "use strict";

    var form = document.querySelector("form[data-scanner]");
    var textsElement = document.getElementById("scanner-texts");
    localizeTimes(document);
    if (!form || !textsElement || form.getAttribute("data-scanner-ready") === "1") {
        return;
    }

    form.setAttribute("data-scanner-ready", "1");
    var texts = textsElement.dataset;
    var mode = form.getAttribute("data-scanner");
    var location = form.getAttribute("data-location") || null;
    var input = form.querySelector("[data-scan-input]");
    var answer = document.querySelector("[data-answer]");
    var queue = Promise.resolve();
    var idleTimer = null;
    var audio = null;
    var kioskIdleAfter = 8000;

    // ---- sentences and times ----

    function sentence(template, values) {
        // The template's {0}, {1}… replaced by the values (text or nodes), as a fragment: never parsed as markup.
        var fragment = document.createDocumentFragment();
        var parts = String(template).split(/(\{\d\})/);
        parts.forEach(function (part) {
            var match = /^\{(\d)\}$/.exec(part);
            if (match && values && Number(match[1]) < values.length) {
                var value = values[Number(match[1])];
                fragment.appendChild(value instanceof Node ? value : document.createTextNode(value == null ? "" : String(value)));
            } else if (part) {
                fragment.appendChild(document.createTextNode(part));
            }
        });
        return fragment;
    }

    function sameDay(a, b) {
        return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
    }

    function formatTime(element) {
        var at = new Date(element.getAttribute("datetime"));
        if (isNaN(at.getTime())) {
            return;
        }

        // The page's language, in the device's own region where they agree (en-GB's 24-hour clock for a page in en).
        var lang = document.documentElement.lang || undefined;
        var device = navigator.language || "";
        if (lang && device.toLowerCase().indexOf(lang.toLowerCase() + "-") === 0) {
            lang = device;
        }

        var kind = element.getAttribute("data-local");
        var options = kind === "day"
            ? { day: "numeric", month: "short", year: "numeric" }
            : sameDay(at, new Date())
                ? { hour: "2-digit", minute: "2-digit" }
                : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
        element.textContent = new Intl.DateTimeFormat(lang, options).format(at);
    }

    function localizeTimes(root) {
        root.querySelectorAll("time[data-local]").forEach(formatTime);
    }

    function timeNode(iso, kind) {
        var element = document.createElement("time");
        element.setAttribute("datetime", iso);
        element.setAttribute("data-local", kind || "moment");
        element.textContent = iso;
        formatTime(element);
        return element;
    }

    // ---- the answer ----

    function paragraph(className, content) {
        var p = document.createElement("p");
        p.className = className;
        p.appendChild(content);
        return p;
    }

    function dots(card) {
        if (!card || card.goal > 30) {
            return null;
        }

        var row = document.createElement("div");
        row.className = "stamp-dots";
        row.setAttribute("aria-hidden", "true");
        for (var i = 1; i <= card.goal; i++) {
            var dot = document.createElement("span");
            dot.className = i <= card.progress ? "dot on" : "dot";
            row.appendChild(dot);
        }
        return row;
    }

    function show(tone, head, detail, extra) {
        // Replaces the answer in one step, so a screen reader reads it once, whole (aria-atomic).
        var content = document.createDocumentFragment();
        content.appendChild(paragraph("answer-head", head));
        if (detail) {
            content.appendChild(paragraph("answer-detail", detail));
        }
        (extra || []).forEach(function (node) {
            if (node) {
                content.appendChild(node);
            }
        });
        answer.className = "answer tone-" + tone;
        answer.replaceChildren(content);
    }

    function text(value) {
        return document.createTextNode(value);
    }

    function alreadyRedeemed(voucher) {
        var at = timeNode(voucher.closedAt || voucher.issuedAt);
        switch (voucher.redeemedBy) {
            case "RedeemCode":
                return sentence(texts.alreadySale, [at, voucher.redeemedBySaleId]);
            case "StaffScan":
                return sentence(texts.alreadyStaff, [at, voucher.redeemedByStaffId]);
            case "SelfRedeem":
                return sentence(texts.alreadyCustomer, [at]);
            default:
                return sentence(texts.already, [at]);
        }
    }

    function render(status, body) {
        if (!body || !body.outcome) {
            var message = status === 400 ? texts.invalid
                : status === 401 ? texts.signedOut
                : status === 403 ? texts.notHere
                : status === 429 ? texts.tooMany
                : texts.failed;
            show(status === 403 || status === 400 ? "bad" : "warn", text(message));
            return false;
        }

        var voucher = body.voucher;
        var card = body.card;
        var readyNote = card && card.ready && card.ready.length > 0 && mode !== "kiosk"
            ? paragraph("answer-note", sentence(texts.ready, [card.ready[0].reward]))
            : null;
        switch (body.outcome) {
            case "Redeemed":
                show("ok", sentence(texts.redeemed, [voucher.reward]), sentence(texts.code, [voucher.code]));
                return true;
            case "AlreadyRedeemed":
                show("bad", alreadyRedeemed(voucher), sentence(texts.rewardCode, [voucher.reward, voucher.code]));
                return false;
            case "Expired":
                show("warn", sentence(texts.expired, [timeNode(voucher.expiresAt || voucher.closedAt || voucher.issuedAt, "day")]), sentence(texts.rewardCode, [voucher.reward, voucher.code]));
                return false;
            case "Voided":
                show("bad", sentence(texts.voided, [timeNode(voucher.closedAt || voucher.issuedAt, "day")]), sentence(texts.rewardCode, [voucher.reward, voucher.code]));
                return false;
            case "Stamped":
                show("ok", sentence(texts.stamped, [card.progress, card.goal]),
                    card.vouchersIssued > 0 ? sentence(texts.goal, [card.reward]) : null, [dots(card), readyNote]);
                return true;
            case "CardFound":
                show("info", sentence(texts.card, [card.shortId, card.progress, card.goal]), null, [dots(card), readyNote]);
                return true;
            case "TooSoon":
                show("warn", sentence(texts.tooSoon, [timeNode(body.nextStampAt)]), sentence(texts.progress, [card.progress, card.goal]));
                return false;
            case "VoucherAtKiosk":
                show("info", text(texts.voucherAtKiosk));
                return false;
            case "NotHere":
                show("bad", text(texts.notHere));
                return false;
            default:
                show("unknown", text(texts.unknown), text(texts.unknownDetail));
                return false;
        }
    }

    // ---- sound ----

    function tone(context, frequency, start, length, type) {
        var oscillator = context.createOscillator();
        var gain = context.createGain();
        oscillator.type = type;
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, context.currentTime + start);
        gain.gain.exponentialRampToValueAtTime(0.25, context.currentTime + start + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + start + length);
        oscillator.connect(gain).connect(context.destination);
        oscillator.start(context.currentTime + start);
        oscillator.stop(context.currentTime + start + length + 0.02);
    }

    function beep(ok) {
        try {
            var Context = window.AudioContext || window.webkitAudioContext;
            if (!Context) {
                return;
            }

            audio = audio || new Context();
            if (audio.state === "suspended") {
                audio.resume();
            }

            if (ok) {
                tone(audio, 880, 0, 0.09, "sine");
                tone(audio, 1320, 0.1, 0.12, "sine");
            } else {
                tone(audio, 196, 0, 0.35, "square");
            }
            answer.setAttribute("data-sound", ok ? "ok" : "refused");
        } catch (e) {
            // No sound on this device: the colour and the words still say it.
        }
    }

    // ---- scans ----

    function idleLater() {
        if (mode !== "kiosk") {
            return;
        }

        clearTimeout(idleTimer);
        idleTimer = setTimeout(function () {
            show("idle", text(texts.idle));
        }, kioskIdleAfter);
    }

    function scan(code) {
        clearTimeout(idleTimer);
        answer.setAttribute("aria-busy", "true");
        return fetch("/api/staff/scan", {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "Accept": "application/json" },
            body: JSON.stringify({ code: code, locationId: location, mode: mode })
        }).then(function (response) {
            var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
            return (json ? response.json() : Promise.resolve(null)).catch(function () { return null; }).then(function (body) {
                return { status: response.status, body: body };
            });
        }).then(function (result) {
            beep(render(result.status, result.body));
        }, function () {
            show("warn", text(texts.failed));
            beep(false);
        }).then(function () {
            answer.removeAttribute("aria-busy");
            answer.setAttribute("data-scans", String(Number(answer.getAttribute("data-scans") || "0") + 1));
            idleLater();
        });
    }

    function enqueue(code) {
        queue = queue.then(function () { return scan(code); });
    }

    if (mode !== "manual") {
        form.addEventListener("submit", function (event) {
            event.preventDefault();
            var code = input.value.trim();
            input.value = "";
            input.focus();
            if (code) {
                enqueue(code);
            }
        });

        // The input keeps the focus: a click on the page's background or a stray tap gives it back at once; a link,
        // button or field chosen on purpose keeps it.
        input.addEventListener("blur", function () {
            setTimeout(function () {
                var active = document.activeElement;
                if (!active || active === document.body || active === answer || active.id === "main") {
                    input.focus();
                }
            }, 0);
        });
        document.addEventListener("visibilitychange", function () {
            if (!document.hidden) {
                input.focus();
            }
        });
        input.focus();
    }

    // ---- camera ----

    var camera = document.querySelector("[data-camera]");
    if (camera && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
        camera.hidden = false;
        var start = camera.querySelector("[data-camera-start]");
        var stop = camera.querySelector("[data-camera-stop]");
        var view = camera.querySelector("[data-camera-view]");
        var status = camera.querySelector("[data-camera-status]");
        var stream = null;
        var timer = null;
        var last = { code: null, at: 0 };

        var stopCamera = function () {
            clearTimeout(timer);
            if (stream) {
                stream.getTracks().forEach(function (track) { track.stop(); });
            }
            stream = null;
            view.hidden = true;
            stop.hidden = true;
            start.hidden = false;
            status.textContent = "";
        };

        var found = function (code) {
            if (mode === "manual") {
                stopCamera();
                input.value = code;
                form.requestSubmit();
                return;
            }

            var now = Date.now();
            if (code === last.code && now - last.at < 4000) {
                return;
            }

            last = { code: code, at: now };
            enqueue(code);
        };

        var loop = function (decode) {
            if (!stream) {
                return;
            }

            decode(view).then(function (code) {
                if (code) {
                    found(code);
                }
            }).catch(function () { }).then(function () {
                if (stream) {
                    timer = setTimeout(function () { loop(decode); }, 200);
                }
            });
        };

        start.addEventListener("click", function () {
            status.textContent = texts.cameraLoading;
            Promise.all([
                navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }),
                decoder(form.getAttribute("data-decoder"))
            ]).then(function (ready) {
                stream = ready[0];
                view.srcObject = stream;
                view.hidden = false;
                start.hidden = true;
                stop.hidden = false;
                status.textContent = texts.cameraOn;
                return view.play().then(function () { loop(ready[1]); });
            }).catch(function () {
                stopCamera();
                status.textContent = texts.cameraNone;
            });
        });
        stop.addEventListener("click", function () {
            stopCamera();
            input.focus();
        });
        window.addEventListener("pagehide", stopCamera);
    }

    // A function reading one frame of an image, video or canvas: the browser's own detector, else ZXing's.
    function decoder(zxingUrl) {
        if ("BarcodeDetector" in window && !window.sevenStampNoNativeDetector) {
            return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
                var wanted = ["qr_code", "code_128"].filter(function (f) { return formats.indexOf(f) >= 0; });
                if (wanted.length === 0) {
                    return zxing(zxingUrl);
                }

                var detector = new window.BarcodeDetector({ formats: wanted });
                return function (source) {
                    return detector.detect(source).then(function (codes) { return codes.length > 0 ? codes[0].rawValue : null; });
                };
            });
        }

        return zxing(zxingUrl);
    }

    function zxing(url) {
        return load(url).then(function () {
            var Z = window.ZXing;
            var hints = new Map();
            hints.set(Z.DecodeHintType.POSSIBLE_FORMATS, [Z.BarcodeFormat.QR_CODE, Z.BarcodeFormat.CODE_128]);
            hints.set(Z.DecodeHintType.TRY_HARDER, true);
            var reader = new Z.MultiFormatReader();
            reader.setHints(hints);
            var canvas = document.createElement("canvas");

            // ZXing misses some codes at one size and finds them at another: each frame is read at the next of these
            // scales, so a code held still is tried at each within a few frames.
            var scales = [1, 0.9, 0.75, 0.5];
            var frame = 0;
            return function (source) {
                var scale = scales[frame++ % scales.length];
                var width = Math.round((source.videoWidth || source.naturalWidth || source.width) * scale);
                var height = Math.round((source.videoHeight || source.naturalHeight || source.height) * scale);
                if (!width || !height) {
                    return Promise.resolve(null);
                }

                canvas.width = width;
                canvas.height = height;
                canvas.getContext("2d", { willReadFrequently: true }).drawImage(source, 0, 0, width, height);
                try {
                    var bitmap = new Z.BinaryBitmap(new Z.HybridBinarizer(new Z.HTMLCanvasElementLuminanceSource(canvas)));
                    return Promise.resolve(reader.decodeWithState(bitmap).getText());
                } catch (e) {
                    return Promise.resolve(null);
                } finally {
                    reader.reset();
                }
            };
        });
    }

    function load(url) {
        if (window.ZXing) {
            return Promise.resolve();
        }

        return new Promise(function (resolve, reject) {
            var script = document.createElement("script");
            script.src = url;
            script.onload = resolve;
            script.onerror = reject;
            document.head.appendChild(script);
        });
    }

    // For the browser tests: the decoder the camera uses, on a still image.
    window.sevenStampScanner = { decoder: function () { return decoder(form.getAttribute("data-decoder")); } };
})();
