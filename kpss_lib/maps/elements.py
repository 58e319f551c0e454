"""Page elements of kpss maps: the stylesheet, the JS runtime, controls and compact layers.

Each layer ships one compact JSON payload (texts escaped in Python, coordinates as
encoded polylines) and builds its Leaflet features in the browser.
"""
from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.map import Layer
from folium.template import Template

from kpss_lib.mapio import LEAFLET_CSS_URL, LEAFLET_JS_URL, MARKERCLUSTER_CSS_URL, MARKERCLUSTER_JS_URL
from kpss_lib.maps.text import _js_json

# --------------------------------------------------------------------------- page elements

_STYLE = """
<style>
.kpss-legend, .kpss-source, .kpss-note {background: rgba(255,255,255,.92); padding: 6px 9px;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.35); font: 12px/1.35 "Helvetica Neue", Arial, sans-serif;
  color: #222;}
.kpss-legend {max-width: 280px;}
.kpss-legend .kpss-legend-title {font-weight: bold; margin-bottom: 2px;}
.kpss-legend .kpss-legend-unit {color: #555; margin-bottom: 4px;}
.kpss-legend table {border-collapse: collapse;}
.kpss-legend td {padding: 1px 4px 1px 0; vertical-align: middle; white-space: nowrap;}
.kpss-legend .kpss-n {color: #666; text-align: right;}
.kpss-swatch {display: inline-block; width: 18px; height: 12px; border: 1px solid #888; opacity: .85;}
.kpss-hatch-swatch {background: repeating-linear-gradient(45deg, #c2185b 0 2px, transparent 2px 6px);
  border: 2px solid #c2185b; width: 16px; height: 10px;}
.kpss-source {font-size: 11px; color: #444; max-width: 60vw;}
.kpss-note {font-size: 11px; color: #8a1c1c;}
.kpss-title {flex: 0 0 auto; order: -1; padding: 7px 14px; background: #fff; border-bottom: 1px solid #bbb;
  font: bold 17px/1.3 "Helvetica Neue", Arial, sans-serif; color: #111;}
.kpss-tip {font: 12px/1.35 "Helvetica Neue", Arial, sans-serif;}
/* Long labels wrap instead of running off a narrow map; the tooltip sits beside the pointer, on the roomier side. */
.leaflet-tooltip.kpss-tooltip {white-space: normal; width: max-content; max-width: min(340px, 70vw);}
.kpss-tip .kpss-code {color: #666; font-weight: normal;}
.kpss-tip table, .kpss-popup table {border-collapse: collapse; margin-top: 3px;}
.kpss-tip th, .kpss-popup th {text-align: left; font-weight: normal; color: #555; padding: 0 8px 0 0;
  vertical-align: top;}
.kpss-tip td {text-align: right; font-weight: bold;}
.kpss-tip .kpss-unit {font-weight: normal; color: #555;}
.kpss-popup {font: 12px/1.4 "Helvetica Neue", Arial, sans-serif; min-width: 220px;}
.kpss-popup .kpss-provider {color: #444;}
.kpss-marker span {display: block; width: 12px; height: 12px; border-radius: 50%; border: 2px solid #fff;
  box-shadow: 0 0 2px rgba(0,0,0,.8);}
.kpss-cluster div {width: 30px; height: 30px; border-radius: 50%; border: 2px solid #fff; color: #fff;
  box-shadow: 0 0 3px rgba(0,0,0,.7); text-align: center; font: bold 12px/26px Arial, sans-serif;
  text-shadow: 0 0 2px #000;}
.kpss-dot {display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 3px;
  border: 1px solid #fff; box-shadow: 0 0 1px #000;}
.kpss-white-spot {fill: url(#kpss-hatch);}
.kpss-label {font: 11px/1.2 "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; white-space: nowrap;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; pointer-events: none;}
.kpss-label-big {font-weight: bold;}
.kpss-legend .kpss-legend-note {color: #555; font-size: 11px; margin-top: 3px; max-width: 240px; white-space: normal;}
/* While a tooltip or popup overlaps a control, the map (and the tooltip or popup) goes above the controls. */
.leaflet-container.kpss-above .leaflet-map-pane {z-index: 1001;}
@media (max-width: 520px), (max-height: 520px) {
  .kpss-legend, .kpss-source, .kpss-note {font-size: 10px; padding: 4px 6px;}
  .kpss-legend {max-width: 180px;}
  .kpss-source {max-width: 45vw;}
  .kpss-title {font-size: 14px; padding: 5px 8px;}
}
</style>
"""


_RUNTIME = """
<script>
/* kpss map runtime: decoders of the compact layer payloads written by kpss_lib.maps. */
var kpss = {
    // Google encoded polyline of (lon, lat) deltas on a 1e-4 degree grid -> [[lat, lon], ...]
    decode: function (s) {
        var pts = [], i = 0, x = 0, y = 0;
        while (i < s.length) {
            var v = [0, 0];
            for (var k = 0; k < 2; k++) {
                var shift = 0, res = 0, b;
                do { b = s.charCodeAt(i++) - 63; res |= (b & 31) << shift; shift += 5; } while (b >= 32);
                v[k] = (res & 1) ? ~(res >> 1) : (res >> 1);
            }
            x += v[0]; y += v[1];
            pts.push([y / 1e4, x / 1e4]);
        }
        return pts;
    },
    polygons: function (parts) {
        return parts.map(function (rings) { return rings.map(kpss.decode); });
    },
    pane: function (map, name, z, interactive) {
        if (name && !map.getPane(name)) {
            map.createPane(name).style.zIndex = z;
            if (!interactive) { map.getPane(name).style.pointerEvents = 'none'; }
        }
        return name || 'overlayPane';
    },
    row: function (k, v) { return '<tr><th>' + k + '</th><td>' + v + '</td></tr>'; },
    corners: ['topleft', 'topright', 'bottomleft', 'bottomright'],
    // How far the controls of each corner reach into the map: [width, height] in px.
    reach: function (map) {
        var box = map.getContainer().getBoundingClientRect();
        return kpss.corners.map(function (c) {
            var w = 0, h = 0;
            Array.prototype.forEach.call(map._controlCorners[c].children, function (el) {
                var r = el.getBoundingClientRect();
                if (!r.width || !r.height) { return; }
                w = Math.max(w, c.indexOf('left') > 0 ? r.right - box.left : box.right - r.left);
                h = Math.max(h, c.indexOf('top') === 0 ? r.bottom - box.top : box.bottom - r.top);
            });
            return [w, h];
        });
    },
    // Fit bounds so that no control lies over them: each corner's controls are kept
    // clear either sideways or up/down, whichever of the 16 choices gives the largest zoom.
    fit: function (map, bounds) {
        var reach = kpss.reach(map), size = map.getSize(), best = null, gap = 6;
        for (var mask = 0; mask < 16; mask++) {
            var pad = {l: gap, r: gap, t: gap, b: gap};
            reach.forEach(function (wh, i) {
                if (!wh[0]) { return; }
                var c = kpss.corners[i];
                if ((mask >> i) & 1) {
                    var side = c.indexOf('left') > 0 ? 'l' : 'r';
                    pad[side] = Math.max(pad[side], wh[0] + gap);
                } else {
                    var edge = c.indexOf('top') === 0 ? 't' : 'b';
                    pad[edge] = Math.max(pad[edge], wh[1] + gap);
                }
            });
            if (pad.l + pad.r > size.x - 40 || pad.t + pad.b > size.y - 40) { continue; }
            var z = map.getBoundsZoom(bounds, false, L.point(pad.l + pad.r, pad.t + pad.b));
            if (!best || z > best.z) { best = {z: z, pad: pad}; }
        }
        var options = {animate: false};
        if (best) {
            options.paddingTopLeft = [best.pad.l, best.pad.t];
            options.paddingBottomRight = [best.pad.r, best.pad.b];
        }
        map.fitBounds(bounds, options);
    },
    // Tooltips and popups live inside the map pane, below the controls; while one of them
    // overlaps a control, the map pane is lifted above the controls.
    overlaps: function (map, el) {
        if (!el) { return false; }
        var a = el.getBoundingClientRect();
        return Array.prototype.some.call(map.getContainer().querySelectorAll('.leaflet-control'), function (c) {
            var b = c.getBoundingClientRect();
            return b.width && a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        });
    },
    // Unit names where the unit is wide enough on screen for its name, biggest first,
    // skipping any that would overlap a name already placed; redrawn after every move.
    labels: function (map, layer, named) {
        var group = L.layerGroup(), pane = kpss.pane(map, 'kpss-labels', 460, false);
        named.forEach(function (n) { var b = n.shape.getBounds(); n.b = b; n.area = (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth()); });
        named.sort(function (a, b) { return b.area - a.area; });
        layer.addLayer(group);
        function draw() {
            // A 'new L.Marker' with a divIcon: mapio embeds the default icon's images only for pages using the factory.
            group.clearLayers();
            var view = map.getBounds(), placed = [], shown = 0;
            for (var i = 0; i < named.length && shown < 400; i++) {
                var n = named[i];
                if (!view.contains(n.at)) { continue; }
                var sw = map.latLngToContainerPoint(n.b.getSouthWest()), ne = map.latLngToContainerPoint(n.b.getNorthEast());
                var w = n.text.length * 6 + 4;
                if (ne.x - sw.x < w || sw.y - ne.y < 16) { continue; }
                var p = map.latLngToContainerPoint(n.at);
                var box = [p.x - w / 2, p.y - 8, p.x + w / 2, p.y + 8];
                if (placed.some(function (q) { return box[0] < q[2] && q[0] < box[2] && box[1] < q[3] && q[1] < box[3]; })) { continue; }
                placed.push(box);
                shown++;
                group.addLayer(new L.Marker(n.at, {pane: pane, interactive: false, keyboard: false,
                    icon: L.divIcon({className: 'kpss-label', html: n.text, iconSize: [w, 16], iconAnchor: [w / 2, 8]})}));
            }
        }
        map.on('zoomend moveend', function () { if (map.hasLayer(layer)) { draw(); } });
        map.whenReady(draw);
    },
    lift: function (map) {
        var container = map.getContainer();
        function update() {
            var open = [];
            // A closed tooltip or popup fades out (opacity 0) for a moment before it leaves the DOM.
            container.querySelectorAll('.leaflet-tooltip, .leaflet-popup').forEach(function (el) {
                if (el.style.opacity !== '0') { open.push(el); }
            });
            L.DomUtil[open.some(function (el) { return kpss.overlaps(map, el); }) ? 'addClass' : 'removeClass'](
                container, 'kpss-above');
        }
        map.on('tooltipopen tooltipclose popupopen popupclose moveend mousemove', function () {
            setTimeout(update, 0);
        });
    }
};
</script>
"""


class _KpssStyle(MacroElement):
    """The stylesheet and the small runtime of kpss' layers; added once per map."""

    _template = Template("""
        {% macro header(this, kwargs) %}""" + _STYLE + _RUNTIME + """{% endmacro %}
    """)


def _ensure_style(m: folium.Map) -> None:
    if "kpss_style" not in m._children:
        m.add_child(_KpssStyle(), name="kpss_style")


class _HtmlControl(MacroElement):
    """A Leaflet control holding escaped HTML (legend, source line, notes).

    When ``layer`` names a layer, the box hides while that layer is switched off.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
            {%- if this.layer %}
            var layer = {{ this.layer }};
            map.on('overlayadd', function (e) { if (e.layer === layer) { control.addTo(map); } });
            map.on('overlayremove', function (e) { if (e.layer === layer) { control.remove(); } });
            {%- endif %}
        })();
        {% endmacro %}
    """)

    def __init__(self, html_text: str, *, position: str, css_class: str, layer: str | None = None):
        super().__init__()
        self._name = "KpssControl"
        self.html_json = _js_json(html_text)
        self.position = position
        self.css_class = css_class
        self.layer = layer


class _TitleBar(MacroElement):
    """A title bar above the map (not over it, so it never hides the layer control).

    The page becomes a column: the title, then the map filling the rest of the height.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
        body {display: flex; flex-direction: column;}
        .folium-map {flex: 1 1 auto; min-height: 0; height: auto !important;}
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}<div class="kpss-title">{{ this.text }}</div>{% endmacro %}
    """)

    def __init__(self, text: str):
        super().__init__()
        self._name = "KpssTitle"
        self.text = text  # escaped by the caller


class _LeafletAssets(JSCSSMixin):
    """Leaflet itself (replaces folium's longer default list: jQuery, Bootstrap, awesome-markers)."""

    default_js = [("leaflet", LEAFLET_JS_URL)]
    default_css = [("leaflet_css", LEAFLET_CSS_URL)]
    _template = Template("")


class _PolygonLayer(Layer):
    """Polygons from a compact payload: per feature [class, texts, encoded rings].

    ``payload`` keys: ``r`` rows, ``s`` style per class, ``l`` tooltip labels (escaped),
    ``u`` unit shown after the indicator, ``v`` index of the indicator among the labels,
    ``h`` hover style, ``i`` interactive, ``p`` pane, ``z`` its z-index, ``c`` CSS class,
    ``n`` whether rows carry a label point (an encoded polyline of one point) as a 4th item.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var map = {{ this._parent.get_name() }};
            var d = {{ this.payload }};
            var pane = kpss.pane(map, d.p, d.z, d.i);
            {%- if this.hatch %}
            if (!document.getElementById('kpss-hatch')) {
                var ns = 'http://www.w3.org/2000/svg';
                var svg = document.createElementNS(ns, 'svg');
                svg.setAttribute('width', '0'); svg.setAttribute('height', '0');
                svg.style.position = 'absolute';
                svg.innerHTML = '<defs><pattern id="kpss-hatch" patternUnits="userSpaceOnUse" width="7" height="7" '
                    + 'patternTransform="rotate(45)"><rect width="7" height="7" fill="#ffffff" fill-opacity="0.25"/>'
                    + '<line x1="0" y1="0" x2="0" y2="7" stroke="{{ this.hatch }}" stroke-width="2.5"/></pattern></defs>';
                document.body.appendChild(svg);
            }
            {%- endif %}
            function tip(t) {
                var h = '<div class="kpss-tip"><b>' + t[0] + '</b>';
                if (t[1]) { h += ' <span class="kpss-code">(' + t[1] + ')</span>'; }
                h += '<table>';
                for (var i = 0; i < d.l.length; i++) {
                    h += kpss.row(d.l[i], t[i + 2] + (i === d.v && d.u ? ' <span class="kpss-unit">' + d.u + '</span>' : ''));
                }
                return h + '</table></div>';
            }
            var layer = L.featureGroup(), named = [];
            d.r.forEach(function (r) {
                var style = Object.assign({pane: pane, interactive: d.i}, d.s[r[0]]);
                if (d.c) { style.className = d.c; }
                var shape = L.polygon(kpss.polygons(r[2]), style);
                if (d.i) {
                    shape.bindTooltip(function () { return tip(r[1]); },
                                      {sticky: true, className: 'kpss-tooltip', direction: 'auto', offset: [12, 0]});
                    shape.on('mouseover', function () { shape.setStyle(d.h); shape.bringToFront(); });
                    shape.on('mouseout', function () { shape.setStyle(d.s[r[0]]); });
                }
                layer.addLayer(shape);
                if (d.n && r[3]) { named.push({at: kpss.decode(r[3])[0], text: r[1][0], shape: shape}); }
            });
            if (named.length) { kpss.labels(map, layer, named); }
            return layer;
        })();
        {% endmacro %}
    """)

    def __init__(self, payload: dict, *, name: str, show: bool = True, control: bool = True,
                 hatch: str | None = None):
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "KpssPolygons"
        self.payload = _js_json(payload)
        self.hatch = hatch


class _LineLayer(Layer):
    """Non-interactive lines (region and ORP outlines, roads) in their own pane.

    ``payload``: ``g`` groups as ``[[encoded lines], style]``, ``p`` pane (default
    ``kpss-outlines``), ``z`` its z-index (default 450, above the polygons).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.payload }};
            var pane = kpss.pane({{ this._parent.get_name() }}, d.p || 'kpss-outlines', d.z || 450, false);
            return L.featureGroup(d.g.map(function (g) {
                return L.polyline(g[0].map(kpss.decode), Object.assign({pane: pane, interactive: false}, g[1]));
            }));
        })();
        {% endmacro %}
    """)

    def __init__(self, payload: dict, *, name: str, show: bool = True):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "KpssOutlines"
        self.payload = _js_json(payload)


class _MarkerLayer(JSCSSMixin, Layer):
    """Markers of one service type, clustered with Leaflet.markercluster when asked.

    ``payload``: ``m`` markers as [lat, lon, name, provider, type, [[form, capacity], ...],
    address] (texts escaped), ``c`` colour, ``k`` cluster or not. Popups are built
    when opened, so their labels are written once per page, not once per marker.
    """

    default_js = [("leaflet.markercluster", MARKERCLUSTER_JS_URL)]
    default_css = [("markercluster_css", MARKERCLUSTER_CSS_URL)]
    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var d = {{ this.payload }};
            var group = d.k ? L.markerClusterGroup({
                showCoverageOnHover: false, maxClusterRadius: 40, disableClusteringAtZoom: 15,
                iconCreateFunction: function (cluster) {
                    return L.divIcon({
                        html: '<div style="background:' + d.c + '">' + cluster.getChildCount() + '</div>',
                        className: 'kpss-cluster', iconSize: L.point(34, 34)});
                }}) : L.featureGroup();
            var icon = L.divIcon({className: 'kpss-marker', html: '<span style="background:' + d.c + '"></span>',
                                  iconSize: [16, 16], iconAnchor: [8, 8], popupAnchor: [0, -8]});
            function popup(r) {
                var h = '<div class="kpss-popup"><b>' + r[2] + '</b>';
                if (r[3]) { h += '<div class="kpss-provider">' + r[3] + '</div>'; }
                h += '<table>';
                if (r[4]) { h += kpss.row('Druh', r[4]); }
                r[5].forEach(function (fc) {
                    if (fc[0]) { h += kpss.row('Forma', fc[0]); }
                    if (fc[1]) { h += kpss.row('Kapacita', fc[1]); }
                });
                if (r[6]) { h += kpss.row('Adresa', r[6]); }
                return h + '</table></div>';
            }
            d.m.forEach(function (r) {
                group.addLayer(new L.Marker([r[0], r[1]], {icon: icon})
                    .bindPopup(function () { return popup(r); }, {maxWidth: 340}));
            });
            return group;
        })();
        {% endmacro %}
    """)

    def __init__(self, payload: dict, *, name: str, show: bool = True):
        Layer.__init__(self, name=name, overlay=True, control=True, show=show)
        self._name = "KpssMarkers"
        self.payload = _js_json(payload)
        if not payload.get("k"):
            self.default_js = []
            self.default_css = []


class _FitBounds(MacroElement):
    """Open the map on ``bounds`` with no zoom animation.

    folium's ``L.map`` starts at ``zoom_start`` (8), so Leaflet animates a plain
    ``fitBounds`` whenever the fitted zoom is at most 4 levels away (its
    ``zoomAnimationThreshold``); e.g. an ORP at 1280×800 px fits at zoom 12. The animation
    starts in the next frame, after our layers have created their SVG renderers, and
    gives those SVGs the transition's transform (``scale(16)`` for 8 → 12). The SVGs
    carry ``will-change: transform`` (leaflet.css), and Chromium rasterised them at that
    passing scale and kept that raster once the transform was back at 1: polygons and
    outlines were cut off below a line (seemingly as far as the 16× raster fitted its
    tile memory), or drawn resampled at smaller scale steps. Fitting without
    animation puts the map at its final view before any layer exists.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "KpssFitBounds"
        self.bounds = bounds


class _Chrome(MacroElement):
    """The last script of a map: metric scale, the fit that keeps controls off the territory, lifting.

    It runs after every control exists, so it can measure them. The fit is redone when
    the window is resized, until the reader moves or zooms the map.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var bounds = {{ this.bounds|tojson }};
            L.control.scale({imperial: false, metric: true, position: 'bottomleft'}).addTo(map);
            var fitting = false, moved = false;
            function fit() { fitting = true; kpss.fit(map, bounds); fitting = false; }
            fit();
            map.on('zoomstart dragstart', function () { if (!fitting) { moved = true; } });
            window.addEventListener('resize', function () { if (!moved) { map.invalidateSize(false); fit(); } });
            kpss.lift(map);
        })();
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "KpssChrome"
        self.bounds = bounds


def _finish(m: folium.Map) -> folium.Map:
    """Keep one layer control (collapsed) and the closing :class:`_Chrome`, last among the map's children.

    The layer control must follow the layers it lists, and the chrome must follow every
    control it measures. Collapsed, the control is a 44 px button that never covers the
    territory; it opens on hover or tap.
    """
    for key in [k for k, child in m._children.items() if isinstance(child, (folium.LayerControl, _Chrome))]:
        del m._children[key]
    m.add_child(folium.LayerControl(position="topright", collapsed=True))
    bounds = getattr(m, "_kpss_bounds", None)
    if bounds is not None:
        m.add_child(_Chrome(bounds), name="kpss_chrome")
    return m
