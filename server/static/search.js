// Autocomplete for the site search box: suggestions from /search.json as a keyboard-usable
// listbox. Without JavaScript the box is a plain form that opens /search.
(function () {
  "use strict";
  var input = document.getElementById("site-search");
  var list = document.getElementById("site-search-list");
  if (!input || !list || !window.fetch) return;
  var active = -1;
  var items = [];
  var pending = null;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function mark(index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0 && options[index]) {
      input.setAttribute("aria-activedescendant", options[index].id);
    }
  }

  function render(results) {
    items = results;
    list.textContent = "";
    results.forEach(function (hit, i) {
      var li = document.createElement("li");
      li.id = "suggestion-" + i;
      li.setAttribute("role", "option");
      var link = document.createElement("a");
      link.href = hit.href;
      link.tabIndex = -1;
      link.textContent = hit.label;
      li.appendChild(link);
      if (hit.kind) {
        var kind = document.createElement("span");
        kind.className = "kind-name";
        kind.textContent = hit.kind;
        li.appendChild(kind);
      }
      if (hit.matched && hit.matched !== hit.label) {
        var matched = document.createElement("span");
        matched.className = "muted";
        matched.textContent = "“" + hit.matched + "”";
        li.appendChild(matched);
      }
      li.addEventListener("mousedown", function (event) {
        event.preventDefault();
        window.location.href = hit.href;
      });
      list.appendChild(li);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
    active = -1;
  }

  input.addEventListener("input", function () {
    var q = input.value.trim();
    if (pending) clearTimeout(pending);
    if (!q) { close(); return; }
    pending = setTimeout(function () {
      fetch("/search.json?limit=8&q=" + encodeURIComponent(q))
        .then(function (response) { return response.json(); })
        .then(function (data) { if (input.value.trim() === q) render(data.results); })
        .catch(close);
    }, 80);
  });

  input.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      mark(Math.min(active + 1, items.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      mark(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.href = items[active].href;
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
