/* The customer's progress page refreshes itself when the work order moves: it polls the small JSON
   status endpoint and reloads the page when the status differs from the one shown. */
(function () {
  "use strict";
  var card = document.querySelector("[data-progress]");
  if (!card || !window.fetch) return;
  var url = card.getAttribute("data-url");
  var shown = card.getAttribute("data-status");
  var interval = Math.max(5, parseInt(card.getAttribute("data-interval"), 10) || 30) * 1000;

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, cache: "no-store", referrerPolicy: "no-referrer" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== shown) { window.location.reload(); return; }
        setTimeout(poll, interval);
      })
      .catch(function () { setTimeout(poll, interval * 2); });
  }
  setTimeout(poll, interval);
})();
