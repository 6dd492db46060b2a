// Light enhancement only: tables with th[data-key] sort on click (numbers when data-type="number").
(function () {
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    return cell.getAttribute("data-value") !== null ? cell.getAttribute("data-value") : cell.textContent.trim();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("th");
    headers.forEach(function (th, index) {
      if (!th.hasAttribute("data-key")) return;
      th.addEventListener("click", function (event) {
        event.preventDefault();
        var numeric = th.getAttribute("data-type") === "number" || th.getAttribute("data-key") === "family";
        var descending = th.getAttribute("data-order") !== "desc";
        headers.forEach(function (h) { h.removeAttribute("data-order"); });
        th.setAttribute("data-order", descending ? "desc" : "asc");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var cmp = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
          return descending ? -cmp : cmp;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
