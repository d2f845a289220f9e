// Sortable, filterable tables and the charts of an outrank-cli report; no network, no globals
// besides what the inlined Vega bundle defines.
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }

  function cellText(value, column) {
    if (value === null || value === undefined) return "";
    if (column.kind === "num" && typeof value === "number") {
      if (column.format === "int") return value.toLocaleString("en-US");
      if (column.format === "pct") return (100 * value).toFixed(1) + "%";
      if (column.format === "p") return value === 0 ? "<1e-300" : (value < 1e-3 ? value.toExponential(1) : value.toPrecision(2));
      return value.toFixed(column.digits === undefined ? 4 : column.digits);
    }
    return String(value);
  }

  function compare(a, b) {
    var an = a === null || a === undefined, bn = b === null || b === undefined;
    if (an || bn) return an === bn ? 0 : (an ? 1 : -1);  // blanks last
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), "en", { numeric: true });
  }

  function table(root) {
    var spec = data(root.dataset.table);
    var columns = spec.columns, rows = spec.rows, order = rows.slice();
    var sortKey = null, direction = 1, filter = "";
    var thead = root.querySelector("thead"), tbody = root.querySelector("tbody");
    var count = root.querySelector(".count"), input = root.querySelector("input");
    var head = document.createElement("tr");
    columns.forEach(function (column) {
      var th = document.createElement("th");
      th.textContent = column.label;
      if (column.kind === "num") th.className = "num";
      th.addEventListener("click", function () {
        direction = sortKey === column.key ? -direction : (column.kind === "num" ? -1 : 1);
        sortKey = column.key;
        head.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
        order = rows.slice().sort(function (a, b) { return direction * compare(a[sortKey], b[sortKey]); });
        draw();
      });
      head.appendChild(th);
    });
    thead.appendChild(head);
    var texts = rows.map(function (row) {
      return columns.map(function (c) { return cellText(row[c.key], c); }).join(" ").toLowerCase();
    });
    var index = new Map(rows.map(function (row, i) { return [row, i]; }));
    function draw() {
      var words = filter.toLowerCase().split(/\s+/).filter(Boolean);
      var fragment = document.createDocumentFragment(), shown = 0;
      order.forEach(function (row) {
        var text = texts[index.get(row)];
        if (!words.every(function (w) { return text.indexOf(w) >= 0; })) return;
        shown += 1;
        var tr = document.createElement("tr");
        columns.forEach(function (column) {
          var td = document.createElement("td");
          td.textContent = cellText(row[column.key], column);
          if (column.kind === "num") td.className = "num";
          if (column.key === "severity") td.className = "sev-" + row[column.key];
          tr.appendChild(td);
        });
        fragment.appendChild(tr);
      });
      tbody.replaceChildren(fragment);
      count.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
    }
    input.addEventListener("input", function () { filter = input.value; draw(); });
    draw();
  }

  document.querySelectorAll("[data-table]").forEach(table);
  document.querySelectorAll("[data-chart]").forEach(function (node) {
    window.vegaEmbed(node, data(node.dataset.chart), { renderer: "svg", actions: false })
      .catch(function (error) { console.error("chart " + node.dataset.chart + ": " + error); });
  });
})();
