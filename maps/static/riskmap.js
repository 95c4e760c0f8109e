/*
 * The risk map page: reads the JSON island written by maps/render.py and draws it with Leaflet
 * (the shapes' geometry inline, or loaded from the island's geometry_url).
 *
 * Every string from an article or a boundary file (names, sentences, sources, urls) reaches
 * the page through textContent or an attribute set by the DOM, never through innerHTML, so
 * markup, scripts and template syntax in them show as the characters they are. Links are
 * made only for http(s) URLs.
 */
/** Draw one data island's map; its geometry is inline or attached by the loader below. */
function drawRiskMap(data) {
  "use strict";

  /** An element with a class and text (both optional), appended to parent when given. */
  function element(tag, className, text, parent) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  /** Text for places where Leaflet only takes HTML (attribution, layer names). */
  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function safeHref(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
  }

  function scoreText(score) {
    return score === null || score === undefined ? "no evidence" : Number(score).toFixed(1);
  }

  function plural(count, word) {
    if (count === 1) { return "1 " + word; }
    return count + " " + (/y$/.test(word) ? word.slice(0, -1) + "ies" : word + "s");
  }

  /** Name, score, incidents, fatalities and documents of one region or border. */
  function tooltipContent(props) {
    var box = element("div", "rm-tooltip-body");
    element("b", null, props.name, box);
    if (props.context) { box.appendChild(document.createTextNode(", " + props.context)); }
    element("br", null, null, box);
    if (props.threat_score === null || props.threat_score === undefined) {
      box.appendChild(document.createTextNode("no evidence: not named in any document"));
      return box;
    }
    box.appendChild(document.createTextNode("threat score "));
    element("b", null, scoreText(props.threat_score), box);
    box.appendChild(document.createTextNode(" / 10"));
    element("br", null, null, box);
    box.appendChild(document.createTextNode(
      plural(props.incidents, "incident") + " · " + plural(props.fatalities, "fatality") +
      " · " + plural(props.documents, "document")));
    return box;
  }

  /** One article's sentence with its source (linked when http(s)) and date. */
  function reportItem(report) {
    var item = element("li");
    element("q", null, report.sentence, item);
    item.appendChild(document.createTextNode(" "));
    var cite = element("cite", null, null, item);
    var source = report.source || "unknown source";
    var href = safeHref(report.url);
    if (href) {
      var link = element("a", null, source, cite);
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer nofollow";
    } else {
      cite.appendChild(document.createTextNode(source));
    }
    if (report.published) { cite.appendChild(document.createTextNode(", " + report.published)); }
    return item;
  }

  function eventItem(event) {
    var item = element("li");
    var facts = [];
    element("b", null, event.type, item);
    if (event.date) { facts.push(event.date); }
    if (event.killed) { facts.push(event.killed + " killed"); }
    if (event.wounded) { facts.push(event.wounded + " wounded"); }
    facts.forEach(function (fact) { item.appendChild(document.createTextNode(" · " + fact)); });
    var reports = element("ul", null, null, item);
    event.reports.forEach(function (report) { reports.appendChild(reportItem(report)); });
    if (event.more_reports > 0) {
      element("li", null, "and " + plural(event.more_reports, "more report"), reports);
    }
    return item;
  }

  /** Is an event's date inside the window the page shows? (Undated events always are.) */
  function inWindow(date) {
    if (!date || !current) { return true; }
    var day = String(date).slice(0, 10);
    return (!current.since || day >= current.since) && day <= current.until;
  }

  /** The evidence sentences and their sources, for the events of the window shown. */
  function popupContent(props) {
    var box = element("div", "rm-popup");
    element("h3", null, props.name, box);
    element("p", null,
      (props.context ? props.context + " · " : "") + "threat score " + scoreText(props.threat_score),
      box);
    var shown = props.evidence.filter(function (event) { return inWindow(event.date); });
    if (!shown.length) {
      element("p", null, "No incident in this window: " + windowText(), box);
      return box;
    }
    var events = element("ol", null, null, box);
    shown.forEach(function (event) { events.appendChild(eventItem(event)); });
    var more = Math.max(0, (props.incidents || 0) - shown.length);
    if (more > 0) { element("li", null, "and " + plural(more, "more event"), events); }
    return box;
  }

  /** One town-level incident: the place, then the event as in a region's popup. */
  function pointPopupContent(point) {
    var box = element("div", "rm-popup");
    element("h3", null, point.place || "incident", box);
    var events = element("ol", null, null, box);
    events.appendChild(eventItem(point));
    return box;
  }

  /** The legend: names the scale, tells "no evidence" from 0 and links the formula. */
  function legendContent(legend, collapsed) {
    var box = element("div", "rm-legend leaflet-control" + (collapsed ? " rm-collapsed" : ""));
    var toggle = element("button", "rm-legend-toggle", legend.title, box);
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", String(!collapsed));
    toggle.title = "Show or hide the legend";
    L.DomEvent.on(toggle, "click", function () { setLegendCollapsed(!box.classList.contains("rm-collapsed")); });
    var body = element("div", "rm-legend-body", null, box);
    element("span", null, legend.scale, body);
    [legend.no_evidence].concat(legend.steps).forEach(function (step) {
      var row = element("div", null, null, body);
      element("i", null, null, row).style.background = step.colour;
      row.appendChild(document.createTextNode(step.label));
    });
    var line = element("div", null, null, body);
    element("i", "rm-line", null, line);
    line.appendChild(document.createTextNode(legend.border));
    if (data.points.length) {
      var dot = element("div", null, null, body);
      element("i", "rm-dot", null, dot);
      dot.appendChild(document.createTextNode(legend.points));
    }
    element("div", "rm-window", windowText(), body);
    var scoringHref = legend.scoring_url;
    if (scoringHref) {
      var link = element("a", null, "How scores are computed", body);
      link.href = scoringHref;
      link.target = "_blank";
      link.rel = "noopener";
    } else {
      var details = element("details", null, null, body);
      element("summary", null, "How scores are computed", details);
      element("code", null, legend.formula, details);
    }
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  }

  /** The fill colour of a score: the legend's steps (maps/style.py), grey for no evidence. */
  function scoreColour(score) {
    var steps = data.legend.steps;
    if (score === null || score === undefined) { return data.legend.no_evidence.colour; }
    if (score <= 0) { return steps[0].colour; }
    for (var i = 1; i < steps.length; i++) {
      if (score <= steps[i].high) { return steps[i].colour; }
    }
    return steps[steps.length - 1].colour;
  }

  /** A border's line style for a score (as maps/style.py: darker and wider when higher). */
  function borderStyle(score) {
    if (score === null || score === undefined) {
      return {color: data.style.no_evidence_border, weight: 1, dashArray: "4 4"};
    }
    var clamped = Math.max(0, Math.min(score, 10));
    return {color: scoreColour(score), weight: Math.round((2 + 0.5 * clamped) * 10) / 10,
      dashArray: null};
  }

  /** A frame too small to hold a popup beside the controls (an embed of 400 x 300). */
  function smallFrame() {
    var size = map.getSize();
    return size.x < 520 || size.y < 420;
  }

  /** Popup options that keep a popup inside the map and clear of the visible controls. */
  function popupOptions() {
    var size = map.getSize();
    var box = container.getBoundingClientRect();
    var top = 10;
    var bottom = 10;
    function visible(control) { return control.offsetWidth > 0 && control.offsetHeight > 0; }
    container.querySelectorAll(".leaflet-top .leaflet-control").forEach(function (control) {
      if (visible(control)) {
        top = Math.max(top, control.getBoundingClientRect().bottom - box.top + 6);
      }
    });
    container.querySelectorAll(".leaflet-bottom.leaflet-right .leaflet-control").forEach(
      function (control) {
        if (visible(control)) {
          bottom = Math.max(bottom, box.bottom - control.getBoundingClientRect().top + 6);
        }
      });
    // 80 px: the popup's own padding, its close button and its tip.
    return {
      maxWidth: Math.max(160, Math.min(380, size.x - 60)),
      maxHeight: Math.max(60, Math.min(320, size.y - top - bottom - 80)),
      autoPanPaddingTopLeft: [10, top],
      autoPanPaddingBottomRight: [10, bottom],
      className: "rm-popup-frame"
    };
  }

  /** Open a popup at latlng, never under the legend: the legend folds first, and in a small
   * frame the controls step aside while the popup is open (they return when it closes). */
  function openPopup(latlng, content) {
    setLegendCollapsed(true);
    container.classList.toggle("rm-popup-open", smallFrame());
    L.popup(popupOptions()).setLatLng(latlng).setContent(content).openOn(map);
  }

  /** A GeoJSON layer of scored shapes: per-feature style, tooltip, popup, data-id, hover. */
  function scoredLayer(collection, baseStyle, highlight, className, extra) {
    var layer = L.geoJSON(collection, Object.assign({
      style: function (feature) {
        return Object.assign({className: className}, baseStyle, feature.properties.style);
      },
      onEachFeature: function (feature, shape) {
        var props = feature.properties;
        shape.bindTooltip(function () { return tooltipContent(props); },
          {sticky: true, className: "rm-tooltip"});
        if (props.evidence && props.evidence.length) {
          shape.on("click", function (e) { openPopup(e.latlng, popupContent(props)); });
        }
        // The region id on the SVG path, for styling and tests (ids are ours, not text).
        shape.on("add", function () {
          var path = shape.getElement && shape.getElement();
          if (path) { path.setAttribute("data-id", String(feature.id)); }
        });
        shape.on("mouseover", function (e) {
          e.target.setStyle(highlight);
          e.target.bringToFront();
        });
        shape.on("mouseout", function (e) { layer.resetStyle(e.target); });
      }
    }, extra || {}));
    return layer;
  }

  /** The window in words, as maps/model.py words it for the header. */
  function windowText() {
    var w = current || {since: null, until: ""};
    return "Window: " + (w.since || "all reports") + " to " + w.until +
      " (scores decay from " + w.until + ") · latest report: " +
      (data.legend.latest_report || "none");
  }

  var windows = {};
  data.windows.forEach(function (w) { windows[w.key] = w; });
  var current = windows[data.window] || null;

  var container = document.getElementById("rm-map");
  container.style.background = data.style.sea;
  var map = L.map(container, {minZoom: 1});
  map.createPane("rm-basemap").style.zIndex = 250;
  map.createPane("rm-labels").style.zIndex = 450;
  map.createPane("rm-points").style.zIndex = 620;

  var baseLayers = {};
  if (data.tiles) {
    var tiles = L.tileLayer(data.tiles.url, {
      attribution: data.tiles.attribution,
      subdomains: data.tiles.subdomains,
      maxZoom: data.tiles.maxZoom
    }).addTo(map);
    baseLayers[escapeHtml(data.tiles.name)] = tiles;
  } else {
    var outline = L.geoJSON(data.outlines, {
      pane: "rm-basemap",
      interactive: false,
      style: function () { return data.style.outline; }
    }).addTo(map);
    baseLayers[escapeHtml(data.names.outline)] = outline;
  }

  var regions = scoredLayer(data.regions, data.style.region, data.style.region_highlight,
    "rm-region", {attribution: escapeHtml(data.attribution)}).addTo(map);
  var overlays = {};
  overlays[escapeHtml(data.names.regions)] = regions;
  var borders = null;
  if (data.borders.features.length) {
    borders = scoredLayer(data.borders, data.style.border, data.style.border_highlight,
      "rm-border").addTo(map);
    overlays[escapeHtml(data.names.borders)] = borders;
  }

  // Town-level incidents over the choropleth, sized by toll, with the region popups' evidence.
  var points = L.layerGroup().addTo(map);
  if (data.points.length) { overlays[escapeHtml(data.names.points)] = points; }

  function drawPoints() {
    points.clearLayers();
    data.points.forEach(function (point) {
      if (!inWindow(point.date)) { return; }
      var toll = (point.killed || 0) + (point.wounded || 0);
      var marker = L.circleMarker([point.lat, point.lng], Object.assign({
        pane: "rm-points",
        radius: Math.min(18, 4 + 2 * Math.sqrt(toll)),
        className: "rm-point"
      }, data.style.point));
      marker.bindTooltip(function () {
        return [point.place, point.type, point.date].filter(Boolean).join(" · ");
      }, {className: "rm-tooltip"});
      marker.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        openPopup(e.latlng, pointPopupContent(point));
      });
      points.addLayer(marker);
    });
  }

  // Names where they fit: the region must be wider than its name at this zoom, and names
  // never overlap (higher scores are placed first).
  var labels = L.layerGroup().addTo(map);
  overlays[escapeHtml(data.names.labels)] = labels;
  var NAME_PX = 6.6;

  function drawLabels() {
    labels.clearLayers();
    if (!map.hasLayer(labels)) { return; }
    var view = map.getBounds().pad(0.1);
    var placed = [];
    var candidates = [];
    regions.eachLayer(function (shape) {
      var props = shape.feature.properties;
      if (!props.label || !view.contains(props.label)) { return; }
      var bounds = shape.getBounds();
      var ne = map.latLngToLayerPoint(bounds.getNorthEast());
      var sw = map.latLngToLayerPoint(bounds.getSouthWest());
      var width = props.name.length * NAME_PX + 6;
      if (ne.x - sw.x < width || sw.y - ne.y < 16) { return; }
      candidates.push({props: props, width: width,
        rank: props.threat_score === null || props.threat_score === undefined ? -1 : props.threat_score});
    });
    candidates.sort(function (a, b) { return b.rank - a.rank; });
    candidates.forEach(function (c) {
      var at = map.latLngToLayerPoint(c.props.label);
      var box = {x0: at.x - c.width / 2, x1: at.x + c.width / 2, y0: at.y - 8, y1: at.y + 8};
      var clash = placed.some(function (o) {
        return box.x0 < o.x1 && o.x0 < box.x1 && box.y0 < o.y1 && o.y0 < box.y1;
      });
      if (clash) { return; }
      placed.push(box);
      var text = element("span", null, c.props.name);
      labels.addLayer(L.marker(c.props.label, {
        pane: "rm-labels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({className: "rm-label", html: text, iconSize: null})
      }));
    });
  }

  /** Show one of the page's windows: recolour shapes, filter points, restate the window. */
  function showWindow(key) {
    if (!windows[key]) { return; }
    current = windows[key];
    var scores = current.shapes;
    [[regions, false], [borders, true]].forEach(function (pair) {
      if (!pair[0]) { return; }
      pair[0].eachLayer(function (shape) {
        var props = shape.feature.properties;
        var values = scores[shape.feature.id] || null;
        props.threat_score = values ? values[0] : null;
        props.incidents = values ? values[1] : 0;
        props.fatalities = values ? values[2] : 0;
        props.documents = values ? values[3] : 0;
        props.style = pair[1] ? borderStyle(props.threat_score)
          : {fillColor: scoreColour(props.threat_score)};
        pair[0].resetStyle(shape);
      });
    });
    drawPoints();
    drawLabels();
    map.closePopup();
    container.setAttribute("data-window", current.key);
    var statement = windowText();
    document.querySelectorAll(".rm-window, #rm-statement").forEach(function (node) {
      node.textContent = statement;
    });
    if (timeControl) { timeControl.sync(); }
  }

  // The time control: period buttons and "as of the latest report", redrawn in the page.
  var timeControl = null;
  function timeControlContent() {
    var box = element("div", "rm-time leaflet-control leaflet-bar");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Time window");
    var buttons = [];
    var seen = {};
    data.windows.forEach(function (w) {
      var preset = w.key.split(":")[1];
      if (seen[preset]) { return; }
      seen[preset] = true;
      var button = element("button", "rm-period", w.label, box);
      button.type = "button";
      button.setAttribute("data-preset", preset);
      L.DomEvent.on(button, "click", function () {
        var anchor = current ? current.anchor : "until";
        showWindow(windows[anchor + ":" + preset] ? anchor + ":" + preset : "until:" + preset);
      });
      buttons.push(button);
    });
    var latest = null;
    if (data.windows.some(function (w) { return w.anchor === "latest"; })) {
      latest = element("button", "rm-latest", "as of latest report", box);
      latest.type = "button";
      latest.title = "Decay scores from the latest report (" + data.legend.latest_report +
        ") instead of " + data.windows[0].until;
      L.DomEvent.on(latest, "click", function () {
        var preset = current.key.split(":")[1];
        var anchor = current.anchor === "latest" ? "until" : "latest";
        showWindow(windows[anchor + ":" + preset] ? anchor + ":" + preset : anchor + ":all");
      });
    }
    timeControl = {
      sync: function () {
        var preset = current.key.split(":")[1];
        buttons.forEach(function (b) {
          b.setAttribute("aria-pressed", String(b.getAttribute("data-preset") === preset));
        });
        if (latest) { latest.setAttribute("aria-pressed", String(current.anchor === "latest")); }
      }
    };
    L.DomEvent.disableClickPropagation(box);
    return box;
  }

  var legendBox = null;
  function setLegendCollapsed(collapsed) {
    if (!legendBox) { return; }
    legendBox.classList.toggle("rm-collapsed", collapsed);
    legendBox.querySelector(".rm-legend-toggle").setAttribute("aria-expanded", String(!collapsed));
  }

  if (data.windows.length > 1) {
    var time = L.control({position: "topright"});
    time.onAdd = timeControlContent;
    time.addTo(map);
  }
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    // Below this width the legend would cover the map: it starts folded, one click opens it.
    legendBox = legendContent(data.legend, container.clientWidth < 700 || container.clientHeight < 420);
    return legendBox;
  };
  legend.addTo(map);
  L.control.layers(baseLayers, overlays, {collapsed: data.embed || container.clientWidth < 700})
    .addTo(map);
  L.control.scale().addTo(map);
  map.fitBounds(data.bounds);
  map.on("zoomend moveend overlayadd", drawLabels);
  map.on("popupclose", function () { container.classList.remove("rm-popup-open"); });
  if (current) { showWindow(current.key); } else { drawPoints(); drawLabels(); }

  // For pages that embed the map and for the browser tests.
  window.riskmap = {map: map, regions: regions, borders: borders, points: points,
    labels: labels, showWindow: showWindow};
}

/*
 * A served page carries the scores only; the shapes' geometry comes from data.geometry_url,
 * the same bytes for every data version (the browser keeps them). A file on disk has it all
 * inline and draws at once.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("rm-data").textContent);

  /** Put each loaded geometry on the feature with its id; the outlines come as a list. */
  function attachGeometry(geometry) {
    [["regions", data.regions], ["borders", data.borders]].forEach(function (pair) {
      var shapes = geometry[pair[0]] || {};
      pair[1].features.forEach(function (feature) {
        feature.geometry = Object.prototype.hasOwnProperty.call(shapes, feature.id)
          ? shapes[feature.id] : null;
      });
    });
    data.outlines = geometry.outlines || [];
  }

  if (!data.geometry_url) {
    drawRiskMap(data);
    return;
  }
  fetch(data.geometry_url, {credentials: "same-origin"})
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (geometry) {
      attachGeometry(geometry);
      drawRiskMap(data);
    })
    .catch(function (error) {
      var note = document.createElement("p");
      note.className = "rm-load-error";
      note.textContent = "The map's shapes could not be loaded (" + error.message + ").";
      document.getElementById("rm-map").appendChild(note);
    });
})();
