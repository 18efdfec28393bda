/* Dashboards: draw the plotly figures embedded as JSON, make chart points open their drill-down, and show
   only the period fields that apply. Everything works without this file except the charts themselves,
   whose numbers are also in tables on the same page. */
(function () {
  "use strict";

  function drawFigures() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var config = { displaylogo: false, responsive: true, showLink: false, showSendToCloud: false,
                     modeBarButtonsToRemove: ["lasso2d", "select2d", "toImage"] };
      window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
        el.setAttribute("data-drawn", "true");
      });
      el.on("plotly_click", function (event) {
        var point = event && event.points && event.points[0];
        var url = point && point.customdata;
        // Only same-site paths: a chart never sends anyone elsewhere.
        if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
          window.location.assign(url);
        }
      });
    });
  }

  function periodPickers() {
    document.querySelectorAll("[data-period-picker]").forEach(function (form) {
      var kind = form.querySelector("select[name=period]");
      var on = form.querySelector(".pp-on");
      var range = form.querySelector(".pp-range");
      if (!kind || !on || !range) { return; }
      function sync() {
        var custom = kind.value === "custom";
        on.hidden = custom;
        range.hidden = !custom;
        // Disabled inputs are not submitted: the address carries only what the period needs.
        on.querySelectorAll("input").forEach(function (i) { i.disabled = custom; });
        range.querySelectorAll("input").forEach(function (i) { i.disabled = !custom; });
      }
      kind.addEventListener("change", sync);
      sync();
    });
  }

  function start() { periodPickers(); drawFigures(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
