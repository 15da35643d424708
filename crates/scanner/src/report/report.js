// trawl report: sortable tables, the objects filter, and #filter=TEXT / #severity=HIGH in the
// address. Without script the page is complete; tables are just not sortable.
(function () {
  "use strict";
  function cellKey(row, i) {
    var c = row.cells[i];
    if (!c) return "";
    return c.hasAttribute("data-v") ? c.getAttribute("data-v") : c.textContent.trim().toLowerCase();
  }
  function compare(a, b) {
    var x = parseFloat(a), y = parseFloat(b);
    if (!isNaN(x) && !isNaN(y) && String(x) === a && String(y) === b) return x - y;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortBy(table, th, i) {
    var body = table.tBodies[0];
    if (!body) return;
    var asc = th.getAttribute("aria-sort") !== "ascending";
    if (!th.hasAttribute("aria-sort") && th.hasAttribute("data-desc")) asc = false;
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var d = compare(cellKey(r1, i), cellKey(r2, i));
      return asc ? d : -d;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th, i) {
      if (th.classList.contains("nosort")) return;
      th.title = "Sort";
      th.addEventListener("click", function () { sortBy(table, th, i); });
    });
  });

  var input = document.getElementById("filter");
  var severity = document.getElementById("severity");
  var shown = document.getElementById("shown");
  var table = document.getElementById("objects");
  function apply() {
    if (!table) return;
    var terms = (input ? input.value : "").toLowerCase().split(/\s+/).filter(Boolean);
    var sev = severity ? severity.value : "";
    var n = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var q = row.getAttribute("data-q") || "";
      var ok = (!sev || row.getAttribute("data-sev") === sev) &&
        terms.every(function (t) { return q.indexOf(t) !== -1; });
      row.hidden = !ok;
      if (ok) n++;
    });
    if (shown) shown.textContent = String(n);
  }
  if (input) input.addEventListener("input", apply);
  if (severity) severity.addEventListener("change", apply);

  function fromHash() {
    var params = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var i = kv.indexOf("=");
      if (i > 0) {
        try { params[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, " ")); } catch (e) { }
      }
    });
    if (severity && params.severity !== undefined) {
      severity.value = params.severity.toUpperCase();
      severity.dispatchEvent(new Event("change"));
    }
    if (input && params.filter !== undefined) {
      input.value = params.filter;
      input.dispatchEvent(new Event("input"));
    }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  document.documentElement.setAttribute("data-ready", "1");
})();
