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

// The family page: more tree rows, and a copy's side-by-side view, fetched when asked for.
(function () {
  var tree = document.getElementById("family-tree");
  if (!tree) return;
  function fetchHtml(url, done) {
    fetch(url, { headers: { "Accept": "text/html" } }).then(function (r) {
      return r.text().then(function (text) { done(r.ok, text); });
    }).catch(function (err) { done(false, String(err)); });
  }
  var more = document.getElementById("more-rows");
  if (more) {
    more.addEventListener("click", function () {
      more.disabled = true;
      fetchHtml(more.getAttribute("data-href"), function (ok, html) {
        if (!ok) { more.textContent = "could not load more rows"; return; }
        var holder = document.createElement("ul");
        holder.innerHTML = html;  // rendered by the server's templates: every name escaped
        var marker = holder.querySelector(".more-marker");
        if (marker) holder.removeChild(marker);
        while (holder.firstChild) tree.appendChild(holder.firstChild);
        if (marker) {
          more.setAttribute("data-href", marker.getAttribute("data-next"));
          more.textContent = "show " + marker.getAttribute("data-more") + " more";
          more.disabled = false;
        } else {
          more.parentNode.removeChild(more);
        }
      });
    });
  }
  tree.addEventListener("click", function (event) {
    var link = event.target.closest("a.cmp");
    if (!link) return;
    event.preventDefault();
    var row = link.closest("li");
    var open = row.nextElementSibling;
    if (open && open.classList.contains("pair-slot")) { tree.removeChild(open); return; }
    var slot = document.createElement("li");
    slot.className = "pair-slot";
    slot.textContent = "aligning\u2026";
    row.parentNode.insertBefore(slot, row.nextSibling);
    fetchHtml(link.getAttribute("href") + "&fragment=1", function (ok, html) {
      if (ok) { slot.innerHTML = html; } else { slot.textContent = "could not load this pair"; }
    });
  });
})();
