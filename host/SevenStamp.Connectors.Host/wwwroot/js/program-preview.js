// The program page, made livelier where scripts run: the card preview follows the form as the merchant types, and
// fields that do not apply to the chosen rule are hidden. Without this script every field shows and the preview
// shows the program as last saved (or as last posted).
(function () {
    "use strict";
    var maxCells = 60;

    function value(id) {
        var field = document.getElementById(id);
        return field ? field.value : "";
    }

    function showFields(form) {
        form.querySelectorAll("[data-show-when]").forEach(function (field) {
            var rule = field.getAttribute("data-show-when").split("=");
            field.hidden = value(rule[0]) !== rule[1];
        });
    }

    function goalOf(text) {
        var goal = Number(text);
        return Number.isInteger(goal) && goal >= 1 && goal <= 1000 ? goal : 10;
    }

    function render(preview, texts) {
        var name = value("Name").trim() || texts.name;
        var reward = value("Reward").trim() || texts.reward;
        var goal = goalOf(value("StampGoal").trim());
        preview.querySelector("[data-preview=name]").textContent = name;
        var grid = preview.querySelector("[data-preview=grid]");
        var cells = Math.min(goal, maxCells);
        if (grid.children.length !== cells || grid.getAttribute("data-goal") !== String(goal)) {
            grid.textContent = "";
            for (var i = 1; i <= cells; i++) {
                var cell = document.createElement("li");
                cell.className = i === goal ? "stamp goal" : "stamp";
                var label = document.createElement("span");
                label.textContent = String(i);
                cell.appendChild(label);
                // Scoped styles match the page's own elements by this attribute; new cells copy it.
                copyScope(texts.scope, cell);
                copyScope(texts.scope, label);
                grid.appendChild(cell);
            }
            grid.setAttribute("data-goal", String(goal));
            grid.setAttribute("aria-label", texts.cells.replace("{0}", goal));
        }
        var more = preview.querySelector("[data-preview=more]");
        more.hidden = goal <= maxCells;
        more.textContent = texts.more.replace("{0}", Math.max(0, goal - maxCells));
        preview.querySelector("[data-preview=count]").textContent = "0 / " + goal;
        preview.querySelector("[data-preview=sentence]").textContent = texts.sentence.replace("{0}", goal).replace("{1}", reward);
    }

    function copyScope(scope, element) {
        if (scope) {
            element.setAttribute(scope, "");
        }
    }

    function start() {
        var form = document.querySelector("[data-program-form]");
        var preview = document.querySelector("[data-program-preview]");
        if (!form || !preview || form.getAttribute("data-preview-started") === "yes") {
            return;
        }

        form.setAttribute("data-preview-started", "yes");
        var sample = preview.querySelector(".stamp");
        var scope = sample ? Array.prototype.find.call(sample.attributes, function (a) { return a.name.indexOf("b-") === 0; }) : null;
        var texts = {
            name: preview.getAttribute("data-text-name"),
            reward: preview.getAttribute("data-text-reward"),
            sentence: preview.getAttribute("data-text-sentence"),
            cells: preview.getAttribute("data-text-cells"),
            more: preview.getAttribute("data-text-more"),
            scope: scope ? scope.name : null,
        };
        form.addEventListener("input", function () { render(preview, texts); });
        form.addEventListener("change", function () { showFields(form); render(preview, texts); });
        showFields(form);
        render(preview, texts);
    }

    // Runs on a full load, and again after each enhanced navigation (SevenStamp.Connectors.Host.lib.module.js).
    start();
}());
