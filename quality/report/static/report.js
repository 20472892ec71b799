/* Régie quality report: draws the stop map (Leaflet) and the score history (Chart.js) from the
 * JSON block #report-data. Feed text only ever reaches the page through textContent. */
(function () {
  "use strict";

  var COLORS = { ERROR: "#c62828", WARNING: "#e67e00", INFO: "#1565c0", waived: "#7b61a8", ok: "#486581" };

  function readData() {
    var block = document.getElementById("report-data");
    return block ? JSON.parse(block.textContent) : { map: { stops: [] }, history: [], words: {} };
  }

  var WORDS = {};  // the page's language, from the JSON block; English when a word is missing
  var ENGLISH = {
    no_name: "(no name)", stop_id: "stop id", findings_one: "1 finding", findings_many: "{n} findings",
    all_waived: "(all waived)", no_stops: "No stop with coordinates.", no_map: "The map library could not be loaded.",
    no_chart: "The chart library could not be loaded; see the table below.", score: "Score (0 to 100)",
    errors: "Errors", accepted: "accepted", blocked: "blocked", this_version: "(this version)",
    outlier: "far from the other stops"
  };
  function word(key) { return WORDS[key] || ENGLISH[key]; }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function tooltip(stop) {
    var box = element("div", "stop-tooltip");
    box.appendChild(element("div", "stop-name", stop[3] || word("no_name")));
    box.appendChild(element("div", "stop-id", word("stop_id") + " " + stop[2]));
    if (stop[6]) { box.appendChild(element("div", "stop-outlier", word("outlier"))); }
    var flag = stop[5];
    if (flag) {
      var text = (flag.count === 1 ? word("findings_one") : word("findings_many").replace("{n}", String(flag.count))) +
        (flag.waived ? " " + word("all_waived") : "") + ": " + flag.codes.join(", ");
      box.appendChild(element("div", "stop-codes", text));
    }
    return box;
  }

  function drawMap(layer) {
    var container = document.getElementById("stop-map");
    if (!container) { return; }
    var stops = layer.stops || [];
    if (!window.L || stops.length === 0) {
      container.classList.add("empty");
      container.textContent = window.L ? word("no_stops") : word("no_map");
      return;
    }
    var map = L.map(container, { zoomSnap: 0.25, worldCopyJump: false });
    if (layer.tiles && layer.tiles.url) {
      L.tileLayer(layer.tiles.url, { attribution: layer.tiles.attribution || "", maxZoom: 19 }).addTo(map);
    } else {
      container.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false, maxWidth: 160 }).addTo(map);
    var renderer = stops.length > 5000 ? L.canvas({ padding: 0.3 }) : L.svg({ padding: 0.3 });
    var dense = stops.length > 2000;  // smaller markers when there are many
    var plain = L.featureGroup();
    var flagged = L.featureGroup();
    stops.forEach(function (stop) {
      var flag = stop[5];
      var station = stop[4] === 1;
      var color = !flag ? COLORS.ok : (flag.waived ? COLORS.waived : (COLORS[flag.severity] || COLORS.INFO));
      var classes = "stop-marker " + (flag
        ? "stop-flagged stop-sev-" + String(flag.severity).toLowerCase() + (flag.waived ? " stop-waived" : "")
        : "stop-ok") + (stop[6] ? " stop-outlier" : "");
      var marker = L.circleMarker([stop[0], stop[1]], {
        renderer: renderer, className: classes, radius: flag ? (dense ? 4.5 : 7) : (station ? 5 : 3.5) * (dense ? 0.6 : 1),
        color: flag ? "#ffffff" : color, weight: flag ? 1.5 : 1, fillColor: color, fillOpacity: flag ? 0.95 : 0.7
      });
      marker.bindTooltip(function () { return tooltip(stop); }, { direction: "top", offset: [0, -6] });
      marker.addTo(flag ? flagged : plain);
    });
    plain.addTo(map);
    flagged.addTo(map);  // after the plain stops, so drawn above them
    // the bulk of the stops (outliers left out: see quality/report/stops.py), else every stop
    var bounds = layer.bounds ? L.latLngBounds(layer.bounds)
      : L.latLngBounds(stops.map(function (stop) { return [stop[0], stop[1]]; }));
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    container.dataset.outliers = String(stops.filter(function (stop) { return stop[6]; }).length);
    container.dataset.stops = String(stops.length);
    container.dataset.ready = "true";
  }

  function drawChart(history) {
    var canvas = document.getElementById("score-chart");
    if (!canvas) { return; }
    if (!window.Chart) {
      canvas.replaceWith(element("p", "more", word("no_chart")));
      return;
    }
    var pointColors = history.map(function (row) { return row.accepted ? "#2e7d32" : "#c62828"; });
    new Chart(canvas, {
      data: {
        labels: history.map(function (row) { return row.label; }),
        datasets: [
          {
            type: "line", label: word("score"), yAxisID: "score", order: 1,
            data: history.map(function (row) { return row.score; }),
            borderColor: "#334e68", backgroundColor: "#334e68", pointBackgroundColor: pointColors,
            pointBorderColor: pointColors, pointRadius: history.map(function (row) { return row.current ? 7 : 5; }),
            pointStyle: history.map(function (row) { return row.accepted ? "circle" : "rectRot"; }),
            borderWidth: 2, tension: 0, spanGaps: true
          },
          {
            type: "bar", label: word("errors"), yAxisID: "errors", order: 2,
            data: history.map(function (row) { return row.errors; }),
            backgroundColor: "rgba(198, 40, 40, 0.25)", borderColor: "rgba(198, 40, 40, 0.6)", borderWidth: 1
          }
        ]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          score: { type: "linear", position: "left", min: 0, max: 100, title: { display: true, text: word("score") } },
          errors: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    ticks: { precision: 0 }, title: { display: true, text: word("errors") } }
        },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              footer: function (items) {
                var row = history[items[0].dataIndex];
                return word(row.accepted ? "accepted" : "blocked") + (row.current ? " " + word("this_version") : "");
              }
            }
          }
        }
      }
    });
  }

  var data = readData();
  WORDS = data.words || {};
  try { drawMap(data.map || { stops: [] }); } finally { drawChart(data.history || []); }
})();
