/* The workshop pages' small helpers: keyboard search, confirmations, customer/vehicle lookup on the
   booking form, the live stock of a part on the parts line form. Plain fetch, no libraries. */
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; });
  }

  // "/" focuses the page's search field, as in most list UIs.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var search = document.querySelector("[data-search]");
    if (search) { event.preventDefault(); search.focus(); search.select(); }
  });

  // Forms that destroy something ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // ------------------------------------------------------------------ customer & vehicle lookup
  function setupCustomerLookup(form, withVehicles) {
    var url = form.getAttribute("data-lookup-url");
    var search = form.querySelector("input[type=search]");
    var results = form.querySelector(".lookup-results");
    var hidden = form.querySelector("input[name=customer]");
    var chosen = document.getElementById("chosen-customer");
    var newCustomer = document.getElementById("new-customer");
    var strings = document.getElementById("tpl-strings");
    var dealer = form.querySelector("[name=dealer]");
    if (!url || !search || !results || !hidden) return;

    function chooseCustomer(customer) {
      hidden.value = customer.id;
      chosen.querySelector("[data-chosen-label]").textContent = customer.name + (customer.phone ? " · " + customer.phone : "");
      chosen.hidden = false;
      if (newCustomer) newCustomer.hidden = true;
    }

    function fill(name, value) {
      var input = form.querySelector("[name=" + name + "]");
      if (input && value !== undefined && value !== null) input.value = value;
    }

    function chooseVehicle(vehicle) {
      fill("vin", vehicle.vin);
      fill("plate", vehicle.plate);
      fill("brand", vehicle.brand);
      fill("model", vehicle.model);
      fill("powertrain", vehicle.powertrain);
      fill("model_year", vehicle.model_year);
      var known = document.getElementById("vehicle-known");
      if (known) known.hidden = false;
      if (vehicle.owner) chooseCustomer(vehicle.owner);
    }

    function option(label, onChoose) {
      var li = el("li");
      var button = el("button", { type: "button" }, label);
      button.addEventListener("click", function () { onChoose(); results.innerHTML = ""; });
      li.appendChild(button);
      return li;
    }

    function render(data) {
      results.innerHTML = "";
      if (!data) return;
      var customers = data.customers || [], vehicles = withVehicles ? (data.vehicles || []) : [];
      if (!customers.length && !vehicles.length) {
        results.appendChild(el("li", { class: "muted" }, strings ? strings.dataset.none : ""));
        return;
      }
      customers.forEach(function (customer) {
        var label = customer.name + " · " + (customer.phone || "—") + " · " + customer.dealer;
        results.appendChild(option(label, function () { chooseCustomer(customer); }));
        if (withVehicles) {
          customer.vehicles.forEach(function (vehicle) {
            results.appendChild(option("   ↳ " + (vehicle.plate || "—") + " · " + vehicle.vin + " · " + vehicle.label, function () {
              chooseCustomer(customer);
              fill("vin", vehicle.vin);
              fill("plate", vehicle.plate);
              var known = document.getElementById("vehicle-known");
              if (known) known.hidden = false;
            }));
          });
        }
      });
      vehicles.forEach(function (vehicle) {
        var label = (vehicle.plate || "—") + " · " + vehicle.vin + " · " + vehicle.brand + " " + vehicle.model +
          (vehicle.owner && strings ? " · " + strings.dataset.owner + " " + vehicle.owner.name : "");
        results.appendChild(option(label, function () { chooseVehicle(vehicle); }));
      });
    }

    search.addEventListener("input", debounce(function () {
      var q = search.value.trim();
      if (q.length < 2) { results.innerHTML = ""; return; }
      var query = "?q=" + encodeURIComponent(q) + (dealer && dealer.value ? "&dealer=" + encodeURIComponent(dealer.value) : "");
      getJSON(url + query).then(render);
    }, 250));
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = results.querySelector("button");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
    results.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(results.querySelectorAll("button"));
      var index = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < buttons.length - 1) { event.preventDefault(); buttons[index + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? buttons[index - 1] : search).focus(); }
      if (event.key === "Escape") { results.innerHTML = ""; search.focus(); }
    });
    var clear = form.querySelector("[data-clear-customer]");
    if (clear) clear.addEventListener("click", function () {
      hidden.value = "";
      chosen.hidden = true;
      if (newCustomer) newCustomer.hidden = false;
      search.focus();
    });
  }

  document.querySelectorAll("form[data-booking]").forEach(function (form) { setupCustomerLookup(form, true); });
  document.querySelectorAll("form[data-customer-pick]").forEach(function (form) { setupCustomerLookup(form, false); });

  // ---------------------------------------------------------------- parts line: live stock
  document.querySelectorAll("form[data-part-lookup]").forEach(function (form) {
    var url = form.getAttribute("data-part-lookup");
    var input = form.querySelector("input[name$=part_number]");
    var list = form.querySelector("datalist");
    var info = form.querySelector(".stock-info");
    if (!input || !list || !info) return;
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    var known = {};

    function show(part) {
      if (!part) { info.textContent = input.value ? info.dataset.unknown : ""; info.className = "stock-info"; return; }
      info.textContent = info.dataset.template
        .replace("%(on_hand)s", part.on_hand).replace("%(reserved)s", part.reserved)
        .replace("%(available)s", part.available).replace("%(price)s", part.price);
      info.className = "stock-info " + (part.available > 0 ? "ok" : "out");
    }

    function lookup() {
      var q = input.value.trim();
      if (!q) { show(null); return; }
      getJSON(url + "&q=" + encodeURIComponent(q)).then(function (data) {
        if (!data) return;
        list.innerHTML = "";
        (data.parts || []).forEach(function (part) {
          known[part.number.toUpperCase()] = part;
          list.appendChild(el("option", { value: part.number }, part.name + " · " + part.on_hand));
        });
        show(known[q.toUpperCase()] || null);
      });
    }

    input.addEventListener("input", debounce(lookup, 200));
    input.addEventListener("change", lookup);
    if (input.value) lookup();
  });
})();
