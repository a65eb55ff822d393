// Point layers drawn on a canvas from compact arrays (see maps/points.py, PointLayer).
// Loaded once per map; every PointLayer registers with window.registryPointLayer.
(function () {
  if (window.registryPointLayer) { return; }
  var HIT_SLOP = 3, CELL = 24, TAU = Math.PI * 2;

  function decode(data) {
    // Delta-encoded integers (1e-5 degrees, ids, group indices) back to plain arrays.
    var n = data.n, lat = new Float64Array(n), lon = new Float64Array(n);
    var px = new Float64Array(n), py = new Float64Array(n), keys = new Array(n);
    var groups = data.g ? new Int32Array(n) : null;
    var a = 0, b = 0, k = 0, g = 0;
    for (var i = 0; i < n; i++) {
      a += data.lat[i]; b += data.lon[i];
      lat[i] = a / 1e5; lon[i] = b / 1e5;
      px[i] = (lon[i] + 180) / 360 * 256;  // Web Mercator pixels at zoom 0
      var s = Math.sin(lat[i] * Math.PI / 180);
      py[i] = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256;
      if (data.kp !== undefined) { k += data.k[i]; keys[i] = data.kp + k; } else { keys[i] = data.k[i]; }
      if (groups) { g += data.g[i]; groups[i] = g; }
    }
    return {n: n, lat: lat, lon: lon, px: px, py: py, keys: keys, style: data.s,
            groups: groups, groupNames: data.gt || [], labels: data.t || null};
  }

  function groupTable(d) {
    // Per group: count, mean position (for its bubble) and bounds (to zoom into it).
    var table = {};
    if (!d.groups) { return table; }
    for (var i = 0; i < d.n; i++) {
      var g = d.groups[i], t = table[g];
      if (!t) { t = table[g] = {n: 0, x: 0, y: 0, s: 90, w: 180, nn: -90, e: -180}; }
      t.n += 1; t.x += d.px[i]; t.y += d.py[i];
      t.s = Math.min(t.s, d.lat[i]); t.nn = Math.max(t.nn, d.lat[i]);
      t.w = Math.min(t.w, d.lon[i]); t.e = Math.max(t.e, d.lon[i]);
    }
    Object.keys(table).forEach(function (g) { table[g].x /= table[g].n; table[g].y /= table[g].n; });
    return table;
  }

  function shapePath(ctx, shape, x, y, r) {
    ctx.beginPath();
    if (shape === 'circle') { ctx.arc(x, y, r, 0, TAU); return; }
    if (shape === 'square') { ctx.rect(x - r, y - r, 2 * r, 2 * r); return; }
    if (shape === 'diamond') {
      ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
    } else {  // triangle
      var h = r * Math.sqrt(3) / 2;
      ctx.moveTo(x, y - r); ctx.lineTo(x + h, y + r / 2); ctx.lineTo(x - h, y + r / 2);
    }
    ctx.closePath();
  }

  function drawPoint(ctx, st, x, y, f) {
    var r = st.extent * f;
    if (st.ring) {
      shapePath(ctx, st.shape, x, y, r + st.ring.offset * f);
      ctx.setLineDash([]); ctx.lineWidth = st.ring.width; ctx.strokeStyle = st.ring.color;
      ctx.stroke();
    }
    shapePath(ctx, st.shape, x, y, r);
    ctx.globalAlpha = st.fillOpacity; ctx.fillStyle = st.fill; ctx.fill(); ctx.globalAlpha = 1;
    ctx.setLineDash(st.dash || []); ctx.lineWidth = st.weight; ctx.strokeStyle = st.color;
    ctx.stroke();
  }

  function sizeFactor(map, fullSizeZoom) {
    // Smaller symbols at district zoom keep a dense layer readable.
    return Math.min(1, Math.max(0.45, 1 - (fullSizeZoom - map.getZoom()) * 0.12));
  }

  function Canvas(layer, map) {
    var pane = map.getPane('registryPoints') || map.createPane('registryPoints');
    pane.style.zIndex = 450; pane.style.pointerEvents = 'none';
    this.layer = layer; this.map = map; this.cfg = layer.registry;
    this.d = layer._decoded || (layer._decoded = decode(this.cfg.data));
    this.groups = layer._groups || (layer._groups = groupTable(this.d));
    this.canvas = L.DomUtil.create('canvas', 'registry-points', pane);
    this.ctx = this.canvas.getContext('2d');
    this.hits = []; this.grid = {};
    this.tooltip = L.tooltip({direction: 'top', opacity: 0.95});
  }

  Canvas.prototype.draw = function () {
    var map = this.map, size = map.getSize(), ratio = window.devicePixelRatio || 1;
    var topLeft = map.containerPointToLayerPoint([0, 0]);
    var canvas = this.canvas, ctx = this.ctx, d = this.d, styles = this.cfg.styles;
    L.DomUtil.setPosition(canvas, topLeft);
    canvas.width = size.x * ratio; canvas.height = size.y * ratio;
    canvas.style.width = size.x + 'px'; canvas.style.height = size.y + 'px';
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    var scale = Math.pow(2, map.getZoom()), origin = map.getPixelOrigin();
    var ox = topLeft.x + origin.x, oy = topLeft.y + origin.y, pad = 16;
    var visible = [];
    for (var i = 0; i < d.n; i++) {
      var x = d.px[i] * scale - ox, y = d.py[i] * scale - oy;
      if (x > -pad && y > -pad && x < size.x + pad && y < size.y + pad) { visible.push(i); }
    }
    this.hits = []; this.grid = {};
    if (visible.length > this.cfg.aggregateAbove && d.groups) {
      this.drawGroups(scale, ox, oy, size);
    } else {
      var f = sizeFactor(map, this.cfg.fullSizeZoom);
      for (var j = 0; j < visible.length; j++) {
        var p = visible[j], st = styles[d.style[p]];
        var px = d.px[p] * scale - ox, py = d.py[p] * scale - oy;
        drawPoint(ctx, st, px, py, f);
        this.index({i: p, x: px, y: py, r: st.extent * f + st.weight / 2});
      }
    }
    window.registryPointsDrawn = (window.registryPointsDrawn || 0) + d.n;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () { window.registryPointsShown = true; });
    });
  };

  Canvas.prototype.drawGroups = function (scale, ox, oy, size) {
    var ctx = this.ctx, groups = this.groups, colour = this.cfg.groupColour;
    ctx.font = 'bold 11px sans-serif'; ctx.textAlign = 'center'; ctx.textBaseline = 'middle';
    Object.keys(groups).forEach(function (g) {
      var t = groups[g], x = t.x * scale - ox, y = t.y * scale - oy;
      if (x < -40 || y < -40 || x > size.x + 40 || y > size.y + 40) { return; }
      var r = 6 + 1.5 * Math.log(t.n) / Math.LN2;  // 77 points: about 15 px
      ctx.beginPath(); ctx.arc(x, y, r, 0, TAU);
      ctx.globalAlpha = 0.75; ctx.fillStyle = colour; ctx.fill(); ctx.globalAlpha = 1;
      ctx.lineWidth = 1.5; ctx.strokeStyle = '#263238'; ctx.stroke();
      ctx.fillStyle = '#000'; ctx.fillText(String(t.n), x, y);
      this.index({group: g, x: x, y: y, r: r});
    }, this);
  };

  Canvas.prototype.index = function (hit) {
    var n = this.hits.push(hit) - 1;
    var x0 = Math.floor((hit.x - hit.r) / CELL), x1 = Math.floor((hit.x + hit.r) / CELL);
    var y0 = Math.floor((hit.y - hit.r) / CELL), y1 = Math.floor((hit.y + hit.r) / CELL);
    for (var cx = x0; cx <= x1; cx++) {
      for (var cy = y0; cy <= y1; cy++) { (this.grid[cx + ',' + cy] = this.grid[cx + ',' + cy] || []).push(n); }
    }
  };

  Canvas.prototype.hitAt = function (point) {
    var cell = this.grid[Math.floor(point.x / CELL) + ',' + Math.floor(point.y / CELL)] || [];
    var best = null, bestDistance = Infinity;
    for (var c = 0; c < cell.length; c++) {
      var hit = this.hits[cell[c]], dx = hit.x - point.x, dy = hit.y - point.y;
      var distance = Math.sqrt(dx * dx + dy * dy);
      if (distance <= hit.r + HIT_SLOP && distance < bestDistance) { best = hit; bestDistance = distance; }
    }
    return best;
  };

  Canvas.prototype.tooltipHtml = function (hit) {
    var d = this.d, cfg = this.cfg;
    if (hit.group !== undefined) {
      return d.groupNames[hit.group] + '<br>' + cfg.name + ': ' + this.groups[hit.group].n;
    }
    var st = cfg.styles[d.style[hit.i]], lines = [];
    if (d.labels && d.labels[hit.i]) { lines.push(d.labels[hit.i]); }
    if (st.label) { lines.push(st.label); }
    if (d.groups) { lines.push(d.groupNames[d.groups[hit.i]]); }
    // Text was escaped on the server; the key matches [A-Za-z0-9_.:-] (checked there too).
    return lines.join('<br>') + '<span hidden>§' + d.keys[hit.i] + '§</span>';
  };

  Canvas.prototype.latLngOf = function (hit) {
    if (hit.group !== undefined) { return this.map.containerPointToLatLng([hit.x, hit.y]); }
    return L.latLng(this.d.lat[hit.i], this.d.lon[hit.i]);
  };

  Canvas.prototype.hover = function (event) {
    var hit = this.hitAt(event.containerPoint);
    this.map.getContainer().style.cursor = hit ? 'pointer' : '';
    if (!hit) { this.map.closeTooltip(this.tooltip); return; }
    this.tooltip.setLatLng(this.latLngOf(hit)).setContent(this.tooltipHtml(hit));
    if (!this.map.hasLayer(this.tooltip)) { this.map.openTooltip(this.tooltip); }
  };

  Canvas.prototype.click = function (event) {
    var hit = this.hitAt(event.containerPoint);
    if (!hit) { return; }
    if (hit.group !== undefined) {
      var t = this.groups[hit.group];
      this.map.fitBounds([[t.s, t.w], [t.nn, t.e]], {maxZoom: this.cfg.fullSizeZoom});
      return;
    }
    // What st_folium reads from a clicked marker: its tooltip's text, ending in §key§.
    var html = this.tooltipHtml(hit);
    var target = {_tooltip: {_content: html}, getTooltip: function () {
      return {getContent: function () { return html; }};
    }};
    this.layer.fire('click', {latlng: this.latLngOf(hit), sourceTarget: target});
  };

  window.registryPointLayer = {
    add: function (layer, map) {
      var canvas = layer._canvas = new Canvas(layer, map);
      layer._handlers = {
        moveend: function () { canvas.draw(); },
        zoomstart: function () { canvas.canvas.style.visibility = 'hidden'; },
        zoomend: function () { canvas.canvas.style.visibility = ''; },
        mousemove: function (e) { canvas.hover(e); },
        mouseout: function () { map.closeTooltip(canvas.tooltip); },
        click: function (e) { canvas.click(e); }
      };
      map.on(layer._handlers);
      canvas.draw();
    },
    remove: function (layer, map) {
      map.off(layer._handlers);
      map.closeTooltip(layer._canvas.tooltip);
      L.DomUtil.remove(layer._canvas.canvas);
      layer._canvas = null;
    }
  };
})();
