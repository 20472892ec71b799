/* Régie journey planner page: the form asks /api/journeys, the answer is listed and its legs drawn
 * on a Leaflet map. Feed text (stop names, routes, headsigns) reaches the page only through
 * textContent; nothing from a feed becomes a link or markup. */
(function () {
  "use strict";

  var COLORS = { rail: "#1565c0", metro: "#6a1b9a", tram: "#00838f", bus: "#e65100", ferry: "#0277bd",
                 trolleybus: "#ef6c00", funicular: "#4e342e", aerial_lift: "#4e342e", cable_tram: "#4e342e",
                 monorail: "#6a1b9a", walk: "#52606d", bike: "#2e7d32" };
  var data = readData();
  var map = null;
  var drawn = null;
  var chosen = { from: null, to: null };  // stop ids picked from the suggestions
  var suggestions = {};  // suggestion text -> stop id

  function readData() {
    var block = document.getElementById("planner-data");
    return block ? JSON.parse(block.textContent) : {};
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function color(mode) { return COLORS[mode] || "#37474f"; }

  function clock(iso) {  // "2018-09-12T08:03:00-07:00" -> "08:03" (the region's local time, as sent)
    var match = /T(\d\d:\d\d)/.exec(iso || "");
    return match ? match[1] : "";
  }

  function minutes(seconds) {
    var total = Math.round((seconds || 0) / 60);
    return total >= 60 ? Math.floor(total / 60) + " h " + (total % 60) + " min" : total + " min";
  }

  function setStatus(text, isError) {
    var status = document.getElementById("status");
    status.textContent = text || "";
    status.className = isError ? "status error" : "status";
  }

  function initMap() {
    var container = document.getElementById("journey-map");
    if (!container) { return; }
    if (!window.L) {
      container.textContent = "The map library could not be loaded.";
      return;
    }
    map = L.map(container, { zoomSnap: 0.25 });
    if (data.tiles && data.tiles.url) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution || "", maxZoom: 19 }).addTo(map);
    } else {
      container.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    var box = data.bounds;
    if (box) {
      map.fitBounds([[box[0], box[1]], [box[2], box[3]]]);
    } else {
      map.setView([0, 0], 2);
    }
  }

  function stopLabel(stop) {
    var box = element("div", "leg-tooltip");
    box.appendChild(element("div", "stop-name", stop.name || stop.id || "(no name)"));
    if (stop.time) { box.appendChild(element("div", "muted", stop.time)); }
    return box;
  }

  function legLine(leg) {
    if (leg.geometry && leg.geometry.coordinates && leg.geometry.coordinates.length > 1) {
      return leg.geometry.coordinates.map(function (point) { return [point[1], point[0]]; });  // GeoJSON order
    }
    return [[leg.from.lat, leg.from.lon], [leg.to.lat, leg.to.lon]];
  }

  function draw(journey) {
    if (!map) { return; }
    if (drawn) { map.removeLayer(drawn); }
    drawn = L.featureGroup();
    journey.legs.forEach(function (leg) {
      var transit = leg.kind === "transit";
      L.polyline(legLine(leg), { color: color(leg.mode), weight: transit ? 5 : 4, opacity: 0.85,
                                  dashArray: transit ? null : "6 6", className: "leg-line leg-" + leg.mode })
        .addTo(drawn);
      [[leg.from, leg.departure], [leg.to, leg.arrival]].forEach(function (end) {
        L.circleMarker([end[0].lat, end[0].lon], { radius: 5, color: color(leg.mode), fillColor: "#fff", fillOpacity: 1,
                                                   weight: 2, className: "leg-stop" })
          .bindTooltip(stopLabel({ name: end[0].name, id: end[0].stop_id, time: clock(end[1]) }))
          .addTo(drawn);
      });
    });
    drawn.addTo(map);
    var bounds = drawn.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); }
    document.getElementById("journey-map").setAttribute("data-legs-drawn", String(journey.legs.length));
  }

  function travelColor(share) {  // green (near) to purple (at the budget)
    var hue = Math.round(140 - 140 * Math.min(Math.max(share, 0), 1));
    return "hsl(" + (hue < 0 ? 0 : hue) + ", 70%, 40%)";
  }

  function drawReached(answer) {
    var list = document.getElementById("journeys");
    list.textContent = "";
    if (drawn && map) { map.removeLayer(drawn); drawn = null; }
    var stops = answer.stops || [];
    document.getElementById("journey-map").setAttribute("data-isochrone-stops", String(stops.length));
    if (stops.length === 0) {
      setStatus(answer.reason ? answer.reason.message : "No stop is reachable.", true);
      return;
    }
    setStatus(stops.length + " stops reachable from " + answer.from.name + " within " +
      Math.round(answer.budget_s / 60) + " min.", false);
    if (!map) { return; }
    drawn = L.featureGroup();
    stops.forEach(function (stop) {
      L.circleMarker([stop.lat, stop.lon], { radius: 4, weight: 1, color: travelColor(stop.travel_s / answer.budget_s),
                                             fillOpacity: 0.8, className: "reached-stop" })
        .bindTooltip(stopLabel({ name: stop.name, id: stop.stop_id, time: clock(stop.arrival) }))
        .addTo(drawn);
    });
    drawn.addTo(map);
    var bounds = drawn.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 }); }
  }

  function reachable() {
    var params = query();
    params.delete("to");
    params.delete("arrive_by");
    params.set("budget_min", document.getElementById("budget_min").value || "60");
    var button = document.getElementById("isochrone-button");
    button.disabled = true;
    setStatus("Looking…", false);
    fetch("/api/isochrone?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) { setStatus(errorText(result.body, result.status), true); return; }
        drawReached(result.body);
      })
      .catch(function () { setStatus("The planner could not be reached.", true); })
      .then(function () { button.disabled = false; });
  }

  function legText(leg) {
    var what;
    if (leg.kind === "transit") {
      var route = leg.route_short_name || leg.route_long_name || "";
      what = (route || leg.mode) + (leg.headsign ? " towards " + leg.headsign : "") +
        (leg.operator_name ? " (" + leg.operator_name + ")" : "");
    } else {
      var verb = leg.mode === "bike" ? "Ride a shared bike" : "Walk";
      what = verb + (leg.distance_m ? " " + Math.round(leg.distance_m) + " m" : "") +
        (leg.operator_name ? " (" + leg.operator_name + ")" : "");
    }
    return what + ": " + (leg.from.name || leg.from.stop_id) + " → " + (leg.to.name || leg.to.stop_id) +
      ", " + clock(leg.departure) + "–" + clock(leg.arrival);
  }

  function journeyItem(journey, index) {
    var item = element("li", "journey");
    item.setAttribute("tabindex", "0");
    var summary = element("div", "journey-summary",
      clock(journey.departure) + " → " + clock(journey.arrival) + "  ");
    summary.appendChild(element("span", "muted", minutes(journey.duration_s) + ", " + journey.transfers +
      " transfer" + (journey.transfers === 1 ? "" : "s")));
    item.appendChild(summary);
    var legs = element("ol", "legs");
    journey.legs.forEach(function (leg) {
      var row = element("li", "leg");
      row.appendChild(element("span", "leg-time", clock(leg.departure)));
      var text = element("span", "leg-text");
      var badge = element("span", "mode-badge", leg.mode);
      badge.style.background = color(leg.mode);
      text.appendChild(badge);
      text.appendChild(document.createTextNode(legText(leg)));
      row.appendChild(text);
      legs.appendChild(row);
    });
    item.appendChild(legs);
    function select() {
      Array.prototype.forEach.call(document.querySelectorAll(".journey.selected"), function (node) {
        node.classList.remove("selected");
      });
      item.classList.add("selected");
      draw(journey);
    }
    item.addEventListener("click", select);
    item.addEventListener("keydown", function (event) { if (event.key === "Enter") { select(); } });
    if (index === 0) { select(); }
    return item;
  }

  function showAnswer(answer) {
    var list = document.getElementById("journeys");
    list.textContent = "";
    var journeys = answer.journeys || [];
    if (journeys.length === 0) {
      setStatus(answer.reason ? answer.reason.message : "No journey found.", true);
      if (drawn && map) { map.removeLayer(drawn); drawn = null; }
      document.getElementById("journey-map").setAttribute("data-legs-drawn", "0");
      return;
    }
    setStatus(journeys.length + " journey" + (journeys.length === 1 ? "" : "s") + " from " +
      answer.from.name + " to " + answer.to.name + ".", false);
    journeys.forEach(function (journey, index) { list.appendChild(journeyItem(journey, index)); });
  }

  function place(field) {
    var value = document.getElementById(field).value.trim();
    return chosen[field] && suggestions[value] === chosen[field] ? chosen[field] : value;
  }

  function query() {
    var form = document.getElementById("plan-form");
    var params = new URLSearchParams();
    params.set("from", place("from"));
    params.set("to", place("to"));
    params.set("at", document.getElementById("at").value);
    if (form.arrive_by.checked) { params.set("arrive_by", "true"); }
    if (form.wheelchair.checked) { params.set("wheelchair", "true"); }
    if (form.max_transfers.value !== "") { params.set("max_transfers", form.max_transfers.value); }
    if (form.max_walk_m.value !== "") { params.set("max_walk_m", form.max_walk_m.value); }
    var modes = Array.prototype.filter.call(form.querySelectorAll("input[name=modes]"), function (box) {
      return box.checked;
    }).map(function (box) { return box.value; });
    if (modes.length) { params.set("modes", modes.join(",")); }
    return params;
  }

  function errorText(body, status) {
    if (body && body.error && body.error.message) { return body.error.message; }
    return "The server answered " + status + ".";
  }

  function plan(event) {
    event.preventDefault();
    var button = document.getElementById("plan-button");
    button.disabled = true;
    setStatus("Planning…", false);
    fetch("/api/journeys?" + query().toString(), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
      })
      .then(function (result) {
        if (!result.ok) {
          document.getElementById("journeys").textContent = "";
          setStatus(errorText(result.body, result.status), true);
          return;
        }
        showAnswer(result.body);
      })
      .catch(function () { setStatus("The planner could not be reached.", true); })
      .then(function () { button.disabled = false; });
  }

  var pending = null;
  function suggest(field) {
    var input = document.getElementById(field);
    var text = input.value.trim();
    chosen[field] = suggestions[text] || null;
    if (text.length < 2 || suggestions[text]) { return; }
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () {
      fetch("/api/stops?limit=8&q=" + encodeURIComponent(text))
        .then(function (response) { return response.ok ? response.json() : { stops: [] }; })
        .then(function (body) {
          var list = document.getElementById("stop-options");
          list.textContent = "";
          (body.stops || []).forEach(function (stop) {
            var label = stop.name + (stop.operator_name ? " — " + stop.operator_name : "");
            if (suggestions[label] && suggestions[label] !== stop.stop_id) { label += " [" + stop.stop_id + "]"; }
            suggestions[label] = stop.stop_id;
            var option = document.createElement("option");
            option.value = label;
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are a convenience: typing a name still works */ });
    }, 200);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initMap();
    var form = document.getElementById("plan-form");
    if (!form) { return; }
    form.addEventListener("submit", plan);
    document.getElementById("isochrone-button").addEventListener("click", reachable);
    ["from", "to"].forEach(function (field) {
      document.getElementById(field).addEventListener("input", function () { suggest(field); });
    });
    document.getElementById("swap").addEventListener("click", function () {
      var from = document.getElementById("from"), to = document.getElementById("to");
      var value = from.value; from.value = to.value; to.value = value;
      var id = chosen.from; chosen.from = chosen.to; chosen.to = id;
    });
  });
}());
