// The query page: YASGUI (@zazuko/yasgui, served from node_modules) against this endpoint,
// the examples one click away, result IRIs linked to this server's pages, and downloads of
// the results in every format the endpoint writes. The page without JavaScript has a form.
(function () {
  "use strict";
  var root = document.getElementById("yasgui");
  if (!root || typeof window.Yasgui !== "function") return;
  var BASE = "https://w3id.org/alliance-kg/";
  var endpoint = window.location.origin + root.getAttribute("data-endpoint");
  var SOLUTION_FORMATS = [["json", "SPARQL JSON"], ["xml", "SPARQL XML"], ["csv", "CSV"], ["tsv", "TSV"]];
  var GRAPH_FORMATS = [["turtle", "Turtle"], ["ntriples", "N-Triples"], ["jsonld", "JSON-LD"],
                       ["rdfxml", "RDF/XML"], ["nquads", "N-Quads"], ["trig", "TriG"]];

  var yasgui = new window.Yasgui(root, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: "alliance-kg-query",
    yasqe: { resizeable: true },
    yasr: { prefixes: { akg: BASE + "ontology/" } }
  });

  function localHref(iri) {
    if (iri.indexOf(BASE) === 0 && iri.length > BASE.length) return "/" + iri.slice(BASE.length);
    return "/resource?iri=" + encodeURIComponent(iri);
  }

  // Result tables link IRIs to themselves; point them at this server's pages instead.
  function relink(scope) {
    scope.querySelectorAll(".yasr a[href^='http']").forEach(function (link) {
      if (link.dataset.local) return;
      var iri = link.getAttribute("href");
      link.setAttribute("href", localHref(iri));
      link.setAttribute("title", iri);
      link.removeAttribute("target");
      link.dataset.local = "1";
    });
  }
  new MutationObserver(function () { relink(root); }).observe(root, { childList: true, subtree: true });

  function showDownloads(tab) {
    var box = document.getElementById("downloads");
    var links = document.getElementById("download-links");
    if (!box || !links) return;
    var query = tab.getQuery();
    var type = (tab.getYasqe().getQueryType() || "SELECT").toUpperCase();
    var formats = type === "CONSTRUCT" || type === "DESCRIBE" ? GRAPH_FORMATS : SOLUTION_FORMATS;
    links.textContent = "";
    formats.forEach(function (format, i) {
      var link = document.createElement("a");
      link.href = "/sparql?query=" + encodeURIComponent(query) + "&format=" + format[0];
      link.textContent = format[1];
      link.setAttribute("download", "results." + format[0]);
      if (i) links.appendChild(document.createTextNode(" · "));
      links.appendChild(link);
    });
    box.hidden = false;
  }

  function share(tab) {
    var hash = "#query=" + encodeURIComponent(tab.getQuery());
    if (window.location.hash !== hash) history.replaceState(null, "", hash);
  }

  yasgui.on("queryResponse", function (instance, tab) {
    showDownloads(tab);
    share(tab);
    relink(root);
  });

  document.querySelectorAll("a.example").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var params = new URLSearchParams(link.hash.slice(1));
      var tab = yasgui.addTab(true, {
        name: link.dataset.summary.slice(0, 40),
        yasqe: { value: params.get("query") },
        requestConfig: { endpoint: endpoint, method: "POST" }
      });
      tab.show();
      tab.query().catch(function () {});
      root.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  window.allianceQuery = yasgui;
})();
