(function () {
  "use strict";
  // Everything shown from data goes through textContent: no markup is ever built from it.
  var data = JSON.parse(document.getElementById("symphony-data").textContent);
  var tooltip = document.getElementById("tooltip");

  function fmt(value, unit) {
    if (value === null || value === undefined) { return "–"; }
    if (unit === "ms") { return value >= 1000 ? (value / 1000).toFixed(2) + " s" : value.toFixed(1) + " ms"; }
    if (unit === "%") { return (value * 100).toFixed(1) + "%"; }
    return value.toFixed(4);
  }

  // Hovering a chart shows the run under the pointer and every series' value there.
  Array.prototype.forEach.call(document.querySelectorAll("svg[data-chart]"), function (svg) {
    var chart = data.charts[svg.getAttribute("data-chart")];
    if (!chart || !chart.x.length) { return; }
    var guide = svg.querySelector(".guide");
    var box = chart.box;
    svg.addEventListener("mousemove", function (evt) {
      var rect = svg.getBoundingClientRect();
      var x = (evt.clientX - rect.left) * (box.width / rect.width);
      var n = chart.x.length;
      var i = n === 1 ? 0 : Math.round((x - box.left) / (box.right - box.left) * (n - 1));
      i = Math.max(0, Math.min(n - 1, i));
      var px = n === 1 ? (box.left + box.right) / 2 : box.left + i * (box.right - box.left) / (n - 1);
      guide.setAttribute("x1", px); guide.setAttribute("x2", px); guide.removeAttribute("visibility");
      var lines = ["run " + chart.x[i], chart.when[i] || ""];
      chart.series.forEach(function (s) { lines.push(s.name + ": " + fmt(s.values[i], chart.unit)); });
      tooltip.textContent = lines.join("\n");
      tooltip.hidden = false;
      tooltip.style.left = (evt.clientX + 14) + "px";
      tooltip.style.top = (evt.clientY + 14) + "px";
    });
    svg.addEventListener("mouseleave", function () {
      tooltip.hidden = true; guide.setAttribute("visibility", "hidden");
    });
  });

  // Sortable tables: a header with data-sort sorts its table by that column's data-value.
  Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (th) {
    th.addEventListener("click", function () {
      var table = th.closest("table");
      var body = table.tBodies[0];
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var asc = !th.classList.contains("asc");
      Array.prototype.forEach.call(th.parentNode.children, function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(asc ? "asc" : "desc");
      var numeric = th.getAttribute("data-sort") === "num";
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-value") || a.cells[col].textContent;
        var y = b.cells[col].getAttribute("data-value") || b.cells[col].textContent;
        var r = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });

  function setAll(open) {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) { d.open = open; });
  }
  document.getElementById("expand-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { setAll(false); });
  // A link to #seq-<id> opens that sequence's drill-down.
  function openTarget() {
    var el = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (el && el.tagName === "DETAILS") { el.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.body.setAttribute("data-ready", "1");
})();
