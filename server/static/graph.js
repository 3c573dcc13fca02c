// The neighbourhood graph of an entity page, drawn with cytoscape.js from the JSON the page
// carries; each node opens its page. The page lists the same links without JavaScript.
(function () {
  "use strict";
  var box = document.getElementById("graph");
  var data = document.getElementById("graph-data");
  if (!box || !data || typeof window.cytoscape !== "function") return;
  var graph = JSON.parse(data.textContent);
  var elements = graph.nodes.map(function (node) {
    return { data: node, classes: node.centre ? "centre" : "" };
  }).concat(graph.edges.map(function (edge) {
    return { data: edge, classes: edge.inferred ? "inferred" : "" };
  }));
  box.classList.add("live");
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    layout: { name: graph.nodes.length > 12 ? "concentric" : "cose", animate: false,
              concentric: function (node) { return node.hasClass("centre") ? 2 : 1; },
              levelWidth: function () { return 1; }, padding: 20 },
    minZoom: 0.3,
    maxZoom: 1.4,
    style: [
      { selector: "node", style: {
          "label": "data(label)", "font-size": 11, "text-wrap": "ellipsis",
          "text-max-width": 130, "text-valign": "bottom", "text-margin-y": 4,
          "background-color": "#4f6d8f", "width": 14, "height": 14, "color": "#1d2733" } },
      { selector: "node.centre", style: {
          "background-color": "#c2552b", "width": 22, "height": 22, "font-weight": "bold" } },
      { selector: "edge", style: {
          "width": 1.2, "line-color": "#9aa8b8", "target-arrow-color": "#9aa8b8",
          "target-arrow-shape": "triangle", "curve-style": "bezier",
          "label": "data(label)", "font-size": 9, "color": "#5a6675",
          "text-rotation": "autorotate", "text-background-color": "#fff",
          "text-background-opacity": 0.8 } },
      { selector: "edge.inferred", style: { "line-style": "dashed" } }
    ]
  });
  cy.on("tap", "node", function (event) {
    var href = event.target.data("href");
    if (href && !event.target.hasClass("centre")) window.location.href = href;
  });
  box.setAttribute("role", "img");
})();
