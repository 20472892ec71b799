/* Régie portal: draws the map of the region's stops and routes (Leaflet) from the JSON block
 * #map-data. Feed text only reaches the page through textContent. */
(function () {
  "use strict";

  function readData() {
    var block = document.getElementById("map-data");
    return block ? JSON.parse(block.textContent) : { stops: [], routes: [] };
  }

  function label(text, operator) {
    var box = document.createElement("div");
    var name = document.createElement("div");
    name.className = "stop-name";
    name.textContent = text || "";
    box.appendChild(name);
    if (operator) {
      var op = document.createElement("div");
      op.className = "stop-operator";
      op.textContent = operator;
      box.appendChild(op);
    }
    return box;
  }

  function draw() {
    var container = document.getElementById("portal-map");
    if (!container) { return; }
    var data = readData();
    var stops = data.stops || [];
    if (!window.L || stops.length === 0) {
      container.classList.add("empty");
      container.textContent = window.L ? "-" : "The map library could not be loaded.";
      return;
    }
    var map = L.map(container, { zoomSnap: 0.25 });
    if (data.tiles && data.tiles.url) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution || "", maxZoom: 19 }).addTo(map);
    } else {
      container.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    var renderer = stops.length > 5000 ? L.canvas() : L.svg();
    (data.routes || []).forEach(function (route) {
      var line = L.polyline(route.points, { renderer: renderer, color: route.color, weight: 3, opacity: 0.7,
        className: "route-line" });
      line.bindTooltip(function () { return label(route.name); }, { sticky: true });
      line.addTo(map);
    });
    stops.forEach(function (stop) {
      var marker = L.circleMarker([stop[0], stop[1]], { renderer: renderer, radius: 4, color: "#102a43",
        weight: 1, fillColor: "#f0b429", fillOpacity: 0.9, className: "stop-marker" });
      marker.bindTooltip(function () { return label(stop[2], stop[3]); }, { direction: "top" });
      marker.addTo(map);
    });
    map.fitBounds(L.latLngBounds(stops.map(function (stop) { return [stop[0], stop[1]]; })), { padding: [20, 20] });
    container.dataset.stops = String(stops.length);
    container.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
