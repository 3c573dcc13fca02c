// Entity pages: the "Copy" buttons, and the neighbourhood graph, drawn with cytoscape.js only
// when the reader opens it (the library is fetched then, not with the page). The page lists the
// same resources as links, so the graph adds a picture, never information.
(function () {
  "use strict";

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var text = source.textContent.replace(/\s+/g, " ").trim();
      navigator.clipboard.writeText(text).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });

  var panel = document.querySelector("details.graph-panel");
  var box = document.getElementById("graph");
  var data = document.getElementById("graph-data");
  if (!panel || !box || !data) return;

  function loadLibrary(done) {
    if (typeof window.cytoscape === "function") { done(); return; }
    var script = document.createElement("script");
    script.src = panel.getAttribute("data-cytoscape");
    script.onload = done;
    document.head.appendChild(script);
  }

  function draw() {
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
      // Labels count as part of each node, so the layout keeps them apart.
      layout: { name: "concentric", animate: false, avoidOverlap: true,
                nodeDimensionsIncludeLabels: true, spacingFactor: 1.1, padding: 16,
                concentric: function (node) { return node.hasClass("centre") ? 2 : 1; },
                levelWidth: function () { return 1; } },
      userZoomingEnabled: false,  // the wheel scrolls the page; the buttons zoom
      minZoom: 0.2,
      maxZoom: 2,
      style: [
        { selector: "node", style: {
            "label": "data(label)", "font-size": 11, "text-wrap": "wrap",
            "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 4,
            "background-color": "#4f6d8f", "width": 14, "height": 14, "color": "#1d2733",
            "text-background-color": "#fff", "text-background-opacity": 0.85,
            "text-background-padding": 1 } },
        { selector: "node.centre", style: {
            "background-color": "#c2552b", "width": 22, "height": 22, "font-weight": "bold" } },
        { selector: "edge", style: {
            "width": 1.2, "line-color": "#9aa8b8", "target-arrow-color": "#9aa8b8",
            "target-arrow-shape": "triangle", "curve-style": "bezier" } },
        { selector: "edge.inferred", style: { "line-style": "dashed" } }
      ]
    });
    cy.on("tap", "node", function (event) {
      var href = event.target.data("href");
      if (href && !event.target.hasClass("centre")) window.location.href = href;
    });
    var tools = panel.querySelector(".graph-tools");
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var action = event.target.getAttribute("data-graph");
      if (action === "fit") { cy.fit(undefined, 16); return; }
      if (!action) return;
      var centre = { x: box.clientWidth / 2, y: box.clientHeight / 2 };
      cy.zoom({ level: cy.zoom() * (action === "zoom-in" ? 1.25 : 0.8), renderedPosition: centre });
    });
    box.cy = cy;  // for the browser tests, which check that no two labels overlap
  }

  panel.addEventListener("toggle", function () {
    if (panel.open && !box.classList.contains("live")) loadLibrary(draw);
  });
})();
