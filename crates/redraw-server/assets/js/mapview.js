// The county map: counties filled by the state they are painted into, today's state lines, the
// borders of the states being drawn, their labels; painting by click, drag and box; zoom and
// pan; and a keyboard cursor that walks from county to neighbouring county.
// Geometry comes from the server (the projection of `redraw map`): this file draws no shapes
// of its own.

import { svg } from './dom.js';

const GREY = '#e4e4e0';
const GREY_DARK = '#d2d2cc';
const MIN_W = 960 / 60;
const MAX_W = 960 * 1.1;

export class MapView {
  /**
   * @param root element to draw into
   * @param geo `GET /api/geometry`
   * @param model the Model
   * @param hooks {status(text), brush() -> label, pick(label), stroke(countiesPainted)}
   */
  constructor(root, geo, model, hooks) {
    this.root = root;
    this.geo = geo;
    this.model = model;
    this.hooks = hooks;
    this.tool = 'paint';
    this.view = { x: 0, y: 0, w: geo.width, h: geo.height };
    this.fill = new Array(geo.features.length).fill(null);
    this.cursor = -1;
    this.featureNeighbours = this.buildFeatureNeighbours();
    this.build();
    this.refresh();
  }

  buildFeatureNeighbours() {
    const g = this.geo;
    const out = g.features.map(() => new Set());
    g.counties.forEach((c, i) => {
      if (c.feature == null) return;
      for (const d of g.adjacency[i]) {
        const f = g.counties[d].feature;
        if (f != null && f !== c.feature) out[c.feature].add(f);
      }
    });
    // Islands (Hawaii's counties, Nantucket) have no adjacency: link them to the nearest
    // features so the keyboard cursor can reach them.
    g.features.forEach((f, i) => {
      if (out[i].size || !f.centre) return;
      const near = g.features
        .map((o, j) => [j, o.centre ? Math.hypot(o.centre[0] - f.centre[0], o.centre[1] - f.centre[1]) : Infinity])
        .filter(([j]) => j !== i)
        .sort((a, b) => a[1] - b[1])
        .slice(0, 3);
      for (const [j] of near) { out[i].add(j); out[j].add(i); }
    });
    return out.map(s => [...s]);
  }

  build() {
    const g = this.geo;
    const s = svg('svg', { class: 'map', viewBox: `0 0 ${g.width} ${g.height}`, role: 'img', 'aria-label': 'Map of US counties coloured by the state each belongs to' });
    const defs = svg('defs');
    const pat = svg('pattern', { id: 'hatch', width: 4, height: 4, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    pat.append(svg('rect', { width: 4, height: 4, fill: 'none' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 4, stroke: '#333', 'stroke-width': 1.2, 'stroke-opacity': 0.55 }));
    defs.append(pat);
    s.append(defs);
    this.countyLayer = svg('g', { class: 'counties' });
    this.paths = g.features.map((f, i) => {
      const p = svg('path', { d: f.path, 'data-f': i, 'data-fips': g.counties[f.counties[0]].fips });
      this.countyLayer.append(p);
      return p;
    });
    this.secedeLayer = svg('path', { class: 'seceded', fill: 'url(#hatch)', d: '' });
    this.stateLines = svg('path', { class: 'statelines', d: g.state_lines });
    this.regionLines = svg('path', { class: 'regionlines', d: '' });
    this.warnLayer = svg('path', { class: 'warn', d: '' });
    this.cursorPath = svg('path', { class: 'cursor', d: '' });
    this.labelLayer = svg('g', { class: 'labels', 'aria-hidden': 'true' });
    this.boxRect = svg('rect', { class: 'box', visibility: 'hidden' });
    s.append(this.countyLayer, this.secedeLayer, this.stateLines, this.regionLines, this.warnLayer, this.labelLayer, this.cursorPath, this.boxRect);
    this.svg = s;
    this.root.append(s);
    this.bindPointer();
    // The map's width in pixels, for label sizes, kept from the observer: reading clientWidth
    // after a repaint would force a layout of every county.
    this.pxWidth = 960;
    new ResizeObserver(entries => {
      this.pxWidth = entries[entries.length - 1].contentRect.width || this.pxWidth;
      this.applyView();
    }).observe(this.root);
  }

  labelOfFeature(f) {
    return this.model.labels[this.geo.features[f].counties[0]];
  }

  /** Recolours counties, redraws borders, labels, the seceded hatch and warnings. */
  refresh(warnings = []) {
    const m = this.model;
    const g = this.geo;
    const unchanged = m.states.map((_, l) => m.colourOf(l) == null);
    for (let f = 0; f < this.paths.length; f++) {
      const l = this.labelOfFeature(f);
      const colour = unchanged[l] ? (g.states[m.states[l].today]?.is_district ? GREY_DARK : GREY) : m.colourOf(l);
      if (this.fill[f] !== colour) {
        this.fill[f] = colour;
        this.paths[f].setAttribute('fill', colour);
      }
    }
    // Borders of the states being drawn: shared boundaries whose two sides differ, where at
    // least one side is a new or changed state (today's lines are drawn anyway).
    let d = '';
    for (const [a, b, path] of g.borders) {
      const la = this.labelOfFeature(a);
      if (b < 0) {
        if (!unchanged[la]) d += path;
        continue;
      }
      const lb = this.labelOfFeature(b);
      if (la !== lb && (!unchanged[la] || !unchanged[lb])) d += path;
    }
    this.regionLines.setAttribute('d', d);
    this.regionD = d;
    const seceded = new Set();
    for (const b of m.blocs.secede) for (const n of b.states) seceded.add(m.labelByName(n));
    let sd = '';
    if (seceded.size) for (let f = 0; f < this.paths.length; f++) if (seceded.has(this.labelOfFeature(f))) sd += g.features[f].path;
    this.secedeLayer.setAttribute('d', sd);
    let wd = '';
    for (const w of warnings) {
      if (w.kind !== 'contiguity') continue;
      for (const c of w.counties) {
        const f = g.counties[c].feature;
        if (f != null) wd += g.features[f].path;
      }
    }
    this.warnLayer.setAttribute('d', wd);
    this.drawLabels(unchanged);
  }

  drawLabels(unchanged) {
    const g = this.geo;
    const acc = new Map();
    for (let f = 0; f < this.paths.length; f++) {
      const l = this.labelOfFeature(f);
      if (unchanged[l]) continue;
      const ft = g.features[f];
      if (!ft.centre || !ft.bbox) continue;
      const a = Math.max(1e-3, (ft.bbox[2] - ft.bbox[0]) * (ft.bbox[3] - ft.bbox[1]));
      const e = acc.get(l) || { x: 0, y: 0, a: 0, best: null, bestA: 0 };
      e.x += ft.centre[0] * a; e.y += ft.centre[1] * a; e.a += a;
      if (a > e.bestA) { e.best = ft.centre; e.bestA = a; }
      acc.set(l, e);
    }
    this.labelLayer.replaceChildren();
    this.labelPoints = [];
    for (const [l, e] of acc) {
      const s = this.model.states[l];
      const text = s.abbr || s.name;
      this.labelPoints.push({ x: e.x / e.a, y: e.y / e.a, text, name: s.name });
    }
    this.sizeLabels();
  }

  sizeLabels() {
    if (!this.labelPoints) return;
    const px = this.view.w / Math.max(1, this.pxWidth);
    this.labelLayer.replaceChildren(...this.labelPoints.map(p => {
      const t = svg('text', { x: p.x, y: p.y, 'font-size': 13 * px, 'stroke-width': 3 * px });
      t.textContent = p.text;
      return t;
    }));
  }

  // ---- view ----
  applyView() {
    const { x, y, w, h } = this.view;
    this.svg.setAttribute('viewBox', `${x} ${y} ${w} ${h}`);
    this.sizeLabels();
  }

  fit() {
    this.view = { x: 0, y: 0, w: this.geo.width, h: this.geo.height };
    this.applyView();
  }

  /** Frames the features `fs` with a margin. */
  frame(fs) {
    let b = [Infinity, Infinity, -Infinity, -Infinity];
    for (const f of fs) {
      const bb = this.geo.features[f].bbox;
      if (!bb) continue;
      b = [Math.min(b[0], bb[0]), Math.min(b[1], bb[1]), Math.max(b[2], bb[2]), Math.max(b[3], bb[3])];
    }
    if (!Number.isFinite(b[0])) return;
    const ar = this.geo.height / this.geo.width;
    let w = (b[2] - b[0]) * 1.15;
    let h = (b[3] - b[1]) * 1.15;
    if (h / w > ar) w = h / ar; else h = w * ar;
    w = Math.max(w, MIN_W * 2);
    h = w * ar;
    this.view = { x: (b[0] + b[2]) / 2 - w / 2, y: (b[1] + b[3]) / 2 - h / 2, w, h };
    this.applyView();
  }

  frameState(today) {
    const fs = new Set();
    this.geo.counties.forEach(c => { if (c.state === today && c.feature != null) fs.add(c.feature); });
    this.frame([...fs]);
  }

  frameLabels(labels) {
    const set = new Set(labels);
    const fs = [];
    for (let f = 0; f < this.paths.length; f++) if (set.has(this.labelOfFeature(f))) fs.push(f);
    if (fs.length) this.frame(fs);
  }

  zoom(factor, cx, cy) {
    const v = this.view;
    const w = Math.min(MAX_W, Math.max(MIN_W, v.w * factor));
    const k = w / v.w;
    const px = cx ?? v.x + v.w / 2;
    const py = cy ?? v.y + v.h / 2;
    this.view = { x: px - (px - v.x) * k, y: py - (py - v.y) * k, w, h: v.h * k };
    this.applyView();
  }

  pan(dx, dy) {
    this.view.x += dx * this.view.w;
    this.view.y += dy * this.view.h;
    this.applyView();
  }

  /** Client pixel -> map coordinates. */
  toMap(clientX, clientY) {
    const pt = this.svg.createSVGPoint();
    pt.x = clientX;
    pt.y = clientY;
    const m = this.svg.getScreenCTM();
    if (!m) return { x: 0, y: 0 };
    const p = pt.matrixTransform(m.inverse());
    return { x: p.x, y: p.y };
  }

  /** The county feature an element is, or -1. */
  featureOf(el) {
    if (el && el.dataset && el.dataset.f != null && el.parentNode === this.countyLayer) return Number(el.dataset.f);
    return -1;
  }

  /** The county under a point. Hit testing may force a layout, so events use their own
   * target where they can and this only while dragging (when the target is the captured map). */
  featureAt(clientX, clientY) {
    return this.featureOf(document.elementFromPoint(clientX, clientY));
  }

  describe(f) {
    const g = this.geo;
    const ft = g.features[f];
    const names = ft.counties.map(c => g.counties[c]);
    const l = this.labelOfFeature(f);
    const st = this.model.states[l];
    const pop = names.reduce((a, c) => a + c.pop2020, 0);
    const home = g.states[names[0].state];
    const where = st.today === names[0].state ? st.name : `${st.name} (today ${home.abbr})`;
    return `${names.map(c => c.name).join(' + ')}, ${home.abbr} · ${pop.toLocaleString('en-US')} people · in ${where}`;
  }

  // ---- painting ----
  paintFeatures(fs) {
    const counties = [];
    for (const f of fs) counties.push(...this.geo.features[f].counties);
    return this.model.paint(counties, this.hooks.brush());
  }

  bindPointer() {
    const s = this.svg;
    let mode = null; // 'paint' | 'box' | 'pan'
    let start = null;
    let last = -1;
    let painted = 0;
    s.addEventListener('pointerdown', e => {
      if (e.button !== 0) return;
      const f = this.featureOf(e.target);
      if (e.altKey && f >= 0) {
        this.hooks.pick(this.labelOfFeature(f));
        return;
      }
      const tool = e.shiftKey && this.tool === 'paint' ? 'box' : this.tool;
      mode = tool;
      // Only the box and the pan need map coordinates (which read the layout).
      start = { x: e.clientX, y: e.clientY, map: tool === 'box' ? this.toMap(e.clientX, e.clientY) : null, view: { ...this.view } };
      s.setPointerCapture(e.pointerId);
      if (mode === 'paint') {
        this.model.checkpoint();
        painted = 0;
        last = f;
        if (f >= 0) painted += this.paintFeatures([f]);
      }
      e.preventDefault();
    });
    s.addEventListener('pointermove', e => {
      if (!mode) {
        const f = this.featureOf(e.target);
        if (f >= 0 && f !== this.hovered) {
          this.hovered = f;
          this.hooks.status(this.describe(f));
        }
        return;
      }
      if (mode === 'paint') {
        const f = this.featureAt(e.clientX, e.clientY);
        if (f >= 0 && f !== last) {
          last = f;
          painted += this.paintFeatures([f]);
        }
      } else if (mode === 'pan') {
        const r = this.svg.getBoundingClientRect();
        this.view.x = start.view.x - (e.clientX - start.x) * (start.view.w / r.width);
        this.view.y = start.view.y - (e.clientY - start.y) * (start.view.h / r.height);
        this.applyView();
      } else if (mode === 'box') {
        const p = this.toMap(e.clientX, e.clientY);
        const x = Math.min(p.x, start.map.x);
        const y = Math.min(p.y, start.map.y);
        this.boxRect.setAttribute('x', x);
        this.boxRect.setAttribute('y', y);
        this.boxRect.setAttribute('width', Math.abs(p.x - start.map.x));
        this.boxRect.setAttribute('height', Math.abs(p.y - start.map.y));
        this.boxRect.setAttribute('visibility', 'visible');
      }
    });
    const end = e => {
      if (!mode) return;
      if (mode === 'box') {
        this.boxRect.setAttribute('visibility', 'hidden');
        const p = this.toMap(e.clientX, e.clientY);
        const [x0, x1] = [Math.min(p.x, start.map.x), Math.max(p.x, start.map.x)];
        const [y0, y1] = [Math.min(p.y, start.map.y), Math.max(p.y, start.map.y)];
        const fs = [];
        this.geo.features.forEach((ft, i) => {
          const c = ft.centre;
          if (c && c[0] >= x0 && c[0] <= x1 && c[1] >= y0 && c[1] <= y1) fs.push(i);
        });
        if (fs.length) {
          this.model.checkpoint();
          const n = this.paintFeatures(fs);
          if (!n) this.model.undoStack.pop();
          this.hooks.stroke(n);
        }
      } else if (mode === 'paint') {
        // A click that changed nothing leaves no undo step behind.
        if (!painted) this.model.undoStack.pop();
        this.hooks.stroke(painted);
        if (last >= 0) this.hooks.status(this.describe(last));
      }
      mode = null;
    };
    s.addEventListener('pointerup', end);
    s.addEventListener('pointercancel', end);
    s.addEventListener('wheel', e => {
      e.preventDefault();
      const p = this.toMap(e.clientX, e.clientY);
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, p.x, p.y);
    }, { passive: false });
    s.addEventListener('pointerleave', () => {
      if (!mode) {
        this.hovered = -1;
        this.hooks.status('');
      }
    });
  }

  // ---- keyboard cursor ----
  setCursor(f) {
    this.cursor = f;
    this.cursorPath.setAttribute('d', f >= 0 ? this.geo.features[f].path : '');
    if (f < 0) return;
    const c = this.geo.features[f].centre;
    const v = this.view;
    if (c && (c[0] < v.x || c[0] > v.x + v.w || c[1] < v.y || c[1] > v.y + v.h)) {
      this.view.x = c[0] - v.w / 2;
      this.view.y = c[1] - v.h / 2;
      this.applyView();
    }
    this.hooks.status(this.describe(f));
  }

  hideCursor() {
    this.cursorPath.setAttribute('d', '');
  }

  /** Starts the cursor at the feature nearest the centre of the view. */
  startCursor() {
    if (this.cursor >= 0) return this.setCursor(this.cursor);
    const cx = this.view.x + this.view.w / 2;
    const cy = this.view.y + this.view.h / 2;
    let best = -1;
    let bd = Infinity;
    this.geo.features.forEach((f, i) => {
      if (!f.centre) return;
      const d = Math.hypot(f.centre[0] - cx, f.centre[1] - cy);
      if (d < bd) { bd = d; best = i; }
    });
    this.setCursor(best);
  }

  /** Moves the cursor to the neighbour that lies most nearly in direction (dx, dy). */
  moveCursor(dx, dy) {
    if (this.cursor < 0) return this.startCursor();
    const c = this.geo.features[this.cursor].centre;
    let best = -1;
    let bs = -Infinity;
    for (const n of this.featureNeighbours[this.cursor]) {
      const o = this.geo.features[n].centre;
      if (!o) continue;
      const vx = o[0] - c[0];
      const vy = o[1] - c[1];
      const len = Math.hypot(vx, vy) || 1;
      const cos = (vx * dx + vy * dy) / len;
      if (cos < 0.35) continue;
      const score = cos - len / 200;
      if (score > bs) { bs = score; best = n; }
    }
    if (best >= 0) this.setCursor(best);
  }

  paintCursor() {
    if (this.cursor < 0) return 0;
    this.model.checkpoint();
    const n = this.paintFeatures([this.cursor]);
    if (!n) this.model.undoStack.pop();
    this.hooks.stroke(n);
    this.hooks.status(this.describe(this.cursor));
    return n;
  }
}
