/*
 * The risk map page: reads the JSON island written by maps/render.py and draws it with Leaflet.
 *
 * Every string from an article or a boundary file (names, sentences, sources, urls) reaches
 * the page through textContent or an attribute set by the DOM, never through innerHTML, so
 * markup, scripts and template syntax in them show as the characters they are. Links are
 * made only for http(s) URLs.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("rm-data").textContent);

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

  /** The evidence sentences and their sources (bound only where there is evidence). */
  function popupContent(props) {
    var box = element("div", "rm-popup");
    element("h3", null, props.name, box);
    element("p", null,
      (props.context ? props.context + " · " : "") + "threat score " + scoreText(props.threat_score),
      box);
    var events = element("ol", null, null, box);
    props.evidence.forEach(function (event) { events.appendChild(eventItem(event)); });
    if (props.more_events > 0) {
      element("li", null, "and " + plural(props.more_events, "more event"), events);
    }
    return box;
  }

  /** The legend: names the scale, tells "no evidence" from 0 and links the formula. */
  function legendContent(legend) {
    var box = element("div", "rm-legend leaflet-control");
    element("strong", null, legend.title, box);
    box.appendChild(document.createTextNode(" "));
    element("span", null, legend.scale, box);
    [legend.no_evidence].concat(legend.steps).forEach(function (step) {
      var row = element("div", null, null, box);
      element("i", null, null, row).style.background = step.colour;
      row.appendChild(document.createTextNode(step.label));
    });
    var line = element("div", null, null, box);
    element("i", "rm-line", null, line);
    line.appendChild(document.createTextNode(legend.border));
    element("div", "rm-window", legend.window, box);
    var scoringHref = legend.scoring_url;
    if (scoringHref) {
      var link = element("a", null, "How scores are computed", box);
      link.href = scoringHref;
      link.target = "_blank";
      link.rel = "noopener";
    } else {
      var details = element("details", null, null, box);
      element("summary", null, "How scores are computed", details);
      element("code", null, legend.formula, details);
    }
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
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
          shape.bindPopup(function () { return popupContent(props); },
            {maxWidth: 380, maxHeight: 320});
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

  var container = document.getElementById("rm-map");
  container.style.background = data.style.sea;
  var map = L.map(container, {minZoom: 1});
  map.createPane("rm-basemap").style.zIndex = 250;

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

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { return legendContent(data.legend); };
  legend.addTo(map);
  L.control.layers(baseLayers, overlays, {collapsed: data.embed}).addTo(map);
  L.control.scale().addTo(map);
  map.fitBounds(data.bounds);

  // For pages that embed the map and for the browser tests.
  window.riskmap = {map: map, regions: regions, borders: borders};
})();
