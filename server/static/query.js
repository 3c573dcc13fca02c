// The query page with JavaScript: YASGUI (@zazuko/yasgui, served from node_modules, fetched
// after the page's load event) against
// this endpoint in place of the plain form, the examples run in the editor, result IRIs linked
// to this server's pages, and downloads of the editor's query in every format the endpoint
// writes. The editor never takes focus by itself and leaves Tab and Shift+Tab to the browser,
// so a keyboard moves through it like any other control. Without JavaScript, the form and the
// example links run queries on the server (query_page.py).
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  var form = document.getElementById("query-form");
  if (!root || !form) return;
  var BASE = "https://w3id.org/alliance-kg/";
  var endpoint = window.location.origin + root.getAttribute("data-endpoint");
  var SOLUTION_FORMATS = [["json", "SPARQL JSON"], ["xml", "SPARQL XML"], ["csv", "CSV"], ["tsv", "TSV"]];
  var GRAPH_FORMATS = [["turtle", "Turtle"], ["ntriples", "N-Triples"], ["jsonld", "JSON-LD"],
                       ["rdfxml", "RDF/XML"], ["nquads", "N-Quads"], ["trig", "TriG"]];
  var given = new URLSearchParams(window.location.search).get("query");

  // YASGUI is a megabyte of script: it is fetched once the page has loaded, so the form, the
  // server's results and the examples are usable first, and on a slow phone at once.
  function fetchEditor() {
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = root.getAttribute("data-style");
    document.head.appendChild(style);
    var script = document.createElement("script");
    script.src = root.getAttribute("data-script");
    script.onload = start;
    document.head.appendChild(script);
  }
  if (document.readyState === "complete") fetchEditor();
  else window.addEventListener("load", fetchEditor);

  function start() {
    form.hidden = true;
    // YASGUI would read `?query=` itself and run it again: the server has shown its results.
    if (given !== null) history.replaceState(null, "", "/sparql");
    var yasgui = new window.Yasgui(root, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      persistenceId: "alliance-kg-query",
      autofocus: false,
      // The editor grows with its query, so it never scrolls inside itself: a scrolling box
      // that a keyboard cannot focus would hide part of the query from it.
      yasqe: {
        resizeable: false, editorHeight: "auto", viewportMargin: Infinity, lineWrapping: true,
        extraKeys: { Tab: false, "Shift-Tab": false }
      },
      yasr: { prefixes: { akg: BASE + "ontology/" } }
    });

    function localHref(iri) {
      if (iri.indexOf(BASE) === 0 && iri.length > BASE.length) return "/" + iri.slice(BASE.length);
      return "/resource?iri=" + encodeURIComponent(iri);
    }

    // Result tables link IRIs to themselves; point them at this server's pages instead. The
    // editor's text field and the table's page size get the names YASGUI does not give them.
    function tidy(scope) {
      scope.querySelectorAll(".yasr a[href^='http']").forEach(function (link) {
        if (link.dataset.local) return;
        var iri = link.getAttribute("href");
        link.setAttribute("href", localHref(iri));
        link.setAttribute("title", iri);
        link.removeAttribute("target");
        link.dataset.local = "1";
      });
      scope.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach(function (field) {
        field.setAttribute("aria-label", "SPARQL query");
      });
      scope.querySelectorAll(".yasr select.tableSizer:not([aria-label])").forEach(function (field) {
        field.setAttribute("aria-label", "Rows per page");
      });
    }
    new MutationObserver(function () { tidy(root); }).observe(root, { childList: true, subtree: true });
    tidy(root);

    function showDownloads(tab) {
      var box = document.getElementById("downloads");
      var links = document.getElementById("download-links");
      if (!box || !links || !tab.getYasqe()) return;
      var query = tab.getQuery();
      var type = (tab.getYasqe().getQueryType() || "SELECT").toUpperCase();
      var formats = type === "CONSTRUCT" || type === "DESCRIBE" ? GRAPH_FORMATS : SOLUTION_FORMATS;
      links.textContent = "";
      formats.forEach(function (format, i) {
        var link = document.createElement("a");
        link.href = "/sparql?" + new URLSearchParams({ query: query, format: format[0] });
        link.textContent = format[1];
        link.setAttribute("download", "results." + format[0]);
        if (i) links.appendChild(document.createTextNode(" · "));
        links.appendChild(link);
      });
      box.hidden = false;
    }

    function share(tab) {
      var hash = "#query=" + encodeURIComponent(tab.getQuery());
      if (window.location.hash !== hash) history.replaceState(null, "", "/sparql" + hash);
    }

    function current() {
      var tab = yasgui.getTab();
      tab.show();
      return tab;
    }

    yasgui.on("queryResponse", function (instance, tab) {
      var served = document.getElementById("page-results");
      if (served) served.hidden = true; // the editor's own results replace the server's table
      showDownloads(tab);
      share(tab);
      tidy(root);
    });

    var tab = current();
    if (given !== null) tab.setQuery(given); // the server already shows its results below
    showDownloads(tab);
    tab.getYasqe().on("change", function () { showDownloads(yasgui.getTab()); });

    document.querySelectorAll("a.example").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var shown = current();
        shown.setQuery(new URL(link.href).searchParams.get("query"));
        shown.query().catch(function () {});
        root.scrollIntoView({ behavior: "smooth", block: "start" });
      });
    });
    window.allianceQuery = yasgui;
  }
})();
