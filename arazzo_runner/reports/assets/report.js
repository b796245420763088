// The HTML test report's behaviour: filter cases by verdict and text, draw a case's flow
// picture (kept once per workflow in a <template>) when the case is opened.  Reads only the
// DOM: no data is embedded in this script.
(function () {
  "use strict";
  var cases = Array.prototype.slice.call(document.querySelectorAll("section.case"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button[data-filter]"));
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var empty = document.getElementById("empty");
  var verdict = "all";

  function apply() {
    var query = search.value.trim().toLowerCase();
    var count = 0;
    cases.forEach(function (section) {
      var visible = (verdict === "all" || section.getAttribute("data-verdict") === verdict) &&
        (query === "" || section.getAttribute("data-search").indexOf(query) !== -1);
      section.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count === cases.length ? "" : count + " of " + cases.length + " shown";
    empty.hidden = count !== 0;
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      verdict = button.getAttribute("data-filter");
      buttons.forEach(function (other) { other.setAttribute("aria-pressed", String(other === button)); });
      apply();
    });
  });
  search.addEventListener("input", apply);

  function drawFlow(details) {
    var slot = details.querySelector(".flow-slot");
    if (!slot || slot.childNodes.length) { return; }
    var template = document.getElementById(slot.getAttribute("data-flow"));
    if (template) { slot.appendChild(template.content.cloneNode(true)); }
  }
  cases.forEach(function (section) {
    var details = section.querySelector("details");
    if (!details) { return; }
    if (details.open) { drawFlow(details); }
    details.addEventListener("toggle", function () { if (details.open) { drawFlow(details); } });
  });
  apply();
})();
