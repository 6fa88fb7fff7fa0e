// Filters the list as one types or picks, without a round trip; the form still works without JavaScript.
(function () {
  "use strict";
  var form = document.querySelector("form.filters");
  if (!form) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.flags tbody tr"));
  var empty = document.querySelector("[data-empty]");
  function value(name) {
    var field = form.querySelector("[data-filter=" + name + "]");
    return field ? field.value : "";
  }
  function apply() {
    var q = value("q").trim().toLowerCase();
    var owner = value("owner"), state = value("state"), mode = value("mode"), expiry = value("expiry");
    var shown = 0;
    rows.forEach(function (row) {
      var d = row.dataset;
      var keep = (!q || d.name.indexOf(q) >= 0 || d.text.indexOf(q) >= 0) &&
        (!owner || d.owner === owner) && (!state || d.state === state) && (!mode || d.mode === mode) &&
        (!expiry || (expiry === "soon" ? (d.expiry === "soon" || d.expiry === "expired") : d.expiry === expiry));
      row.hidden = !keep;
      if (keep) { shown += 1; }
    });
    if (empty) { empty.hidden = shown > 0; }
    var params = new URLSearchParams(new FormData(form));
    Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) { params.delete(k); } });
    var query = params.toString();
    history.replaceState(null, "", query ? "?" + query : location.pathname);
  }
  // Live states: every few seconds, the list's states and what decided them, from the JSON API.
  var table = document.querySelector("table.flags[data-api]");
  function refresh() {
    fetch(table.dataset.api, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (flags) {
        flags.forEach(function (flag) {
          var row = rows.find(function (r) { return r.dataset.name === flag.name; });
          var pill = row && row.querySelector(".state-cell .pill");
          if (!pill) { return; }
          var state = flag.enabled ? "on" : "off";
          row.dataset.state = state;
          pill.textContent = state;
          pill.className = "pill " + state;
          var source = row.querySelector(".state-cell > .muted");
          if (source) { source.textContent = "by " + flag.source; }
        });
        apply();
      })
      .catch(function () {});
  }
  if (table && window.fetch) { setInterval(refresh, 5000); }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
})();
