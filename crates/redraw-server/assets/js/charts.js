// Pictures for the panel, as inline SVG built from the evaluation: the Electoral College bar,
// the Senate seat chart and the red/blue Electoral College map. Party colours are those of
// redraw's plots (ColorBrewer RdBu ends: distinguishable with every common colour-vision
// deficiency), and every picture carries its numbers as text too.

import { svg } from './dom.js';

export const DEM = '#2166ac';
export const REP = '#b2182b';
const DEM_LIGHT = '#92c5de';
const REP_LIGHT = '#f4a582';

function text(x, y, s, attrs = {}) {
  const t = svg('text', { x, y, ...attrs });
  t.textContent = s;
  return t;
}

/**
 * Stacked bars of electoral votes, today and under the map, one pair per election:
 * Democratic from the left, Republican from the right, a tick at the majority.
 */
export function ecBars(base, scen) {
  const rows = scen.elections.length;
  const W = 520;
  const rowH = 46;
  const H = rows * rowH + 26;
  const x0 = 118;
  const bw = W - x0 - 8;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart ecbars', role: 'img' });
  const desc = [];
  scen.elections.forEach((e, i) => {
    const b = base.elections[i];
    const y = 8 + i * rowH;
    root.append(text(0, y + 13, `${e.year}`, { class: 'yr' }));
    const pairs = [['today', b, y], ['this map', e, y + 18]];
    for (const [label, ne, yy] of pairs) {
      const total = ne.electoral_votes_total;
      const sx = bw / Math.max(1, total);
      const dem = ne.electoral_votes_dem * sx;
      const rep = ne.electoral_votes_rep * sx;
      root.append(text(40, yy + 12, label, { class: 'lbl' }));
      root.append(svg('rect', { x: x0, y: yy, width: bw, height: 15, fill: '#eee' }));
      root.append(svg('rect', { x: x0, y: yy, width: dem, height: 15, fill: label === 'today' ? DEM_LIGHT : DEM }));
      root.append(svg('rect', { x: x0 + bw - rep, y: yy, width: rep, height: 15, fill: label === 'today' ? REP_LIGHT : REP }));
      const maj = Math.floor(total / 2) + 1;
      root.append(svg('line', { x1: x0 + maj * sx, x2: x0 + maj * sx, y1: yy - 2, y2: yy + 17, stroke: '#111', 'stroke-width': 1.5 }));
      root.append(text(x0 + 4, yy + 12, `D ${ne.electoral_votes_dem}`, { class: 'in', fill: label === 'today' ? '#0b2545' : '#fff' }));
      root.append(text(x0 + bw - 4, yy + 12, `R ${ne.electoral_votes_rep}`, { class: 'in', 'text-anchor': 'end', fill: label === 'today' ? '#3d0a0a' : '#fff' }));
      desc.push(`${e.year} ${label}: Democrats ${ne.electoral_votes_dem}, Republicans ${ne.electoral_votes_rep} of ${total}, ${maj} to win`);
    }
  });
  root.append(text(x0, H - 4, 'bar = all electoral votes; tick = majority needed', { class: 'note' }));
  root.setAttribute('aria-label', 'Electoral College. ' + desc.join('. '));
  return root;
}

/**
 * A hemicycle of Senate seats coloured by the presidential winner of each seat's state.
 */
export function senateChart(dem, rep, label) {
  const n = dem + rep;
  const W = 300;
  const H = 168;
  const cx = W / 2;
  const cy = H - 18;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart senate', role: 'img', 'aria-label': `${label}: Democrats ${dem}, Republicans ${rep} of ${n} seats` });
  // Rows of a hemicycle: seats spread over concentric arcs, filled left (D) to right (R).
  const rowsN = Math.max(4, Math.round(Math.sqrt(n / 4)));
  const r0 = 56;
  const r1 = 128;
  const radii = [...Array(rowsN)].map((_, i) => r0 + (r1 - r0) * (i / Math.max(1, rowsN - 1)));
  const totalLen = radii.reduce((a, r) => a + r, 0);
  const counts = radii.map(r => Math.round((n * r) / totalLen));
  let diff = n - counts.reduce((a, b) => a + b, 0);
  for (let i = counts.length - 1; diff !== 0; i = (i - 1 + counts.length) % counts.length) {
    counts[i] += Math.sign(diff);
    diff -= Math.sign(diff);
  }
  const seats = [];
  radii.forEach((r, i) => {
    for (let k = 0; k < counts[i]; k++) {
      const a = Math.PI * (1 - (counts[i] === 1 ? 0.5 : k / (counts[i] - 1)));
      seats.push({ a, x: cx + r * Math.cos(a), y: cy - r * Math.sin(a) });
    }
  });
  seats.sort((p, q) => q.a - p.a);
  const rad = Math.min(5.2, (Math.PI * r0) / Math.max(1, counts[0]) / 2.3);
  seats.forEach((p, i) => {
    root.append(svg('circle', { cx: p.x, cy: p.y, r: rad, fill: i < dem ? DEM : REP }));
  });
  root.append(text(cx, cy - 10, `${dem}–${rep}`, { class: 'big', 'text-anchor': 'middle' }));
  root.append(text(cx, cy + 12, `majority ${Math.floor(n / 2) + 1} of ${n}`, { class: 'note', 'text-anchor': 'middle' }));
  return root;
}

/**
 * The Electoral College map: counties filled by the party that carries the state they end up in
 * (a lighter shade for a state that leaves the union), today's state lines and the borders of
 * the map's states drawn. The SVG is built once and recoloured on every evaluation.
 */
export class EcMap {
  constructor(geo) {
    this.geo = geo;
    this.el = svg('svg', { viewBox: `0 0 ${geo.width} ${geo.height}`, class: 'chart ecmap', role: 'img' });
    this.fills = new Array(geo.features.length).fill(null);
    this.paths = geo.features.map(f => {
      const p = svg('path', { d: f.path, fill: '#ccc' });
      this.el.append(p);
      return p;
    });
    this.el.append(svg('path', { d: geo.state_lines, fill: 'none', stroke: '#fff', 'stroke-width': 0.5, 'stroke-opacity': 0.8 }));
    this.borders = svg('path', { d: '', fill: 'none', stroke: '#fff', 'stroke-width': 1.4, 'stroke-linejoin': 'round' });
    this.el.append(this.borders);
  }

  /** Recolours for `report` (a map report) in election `yearIndex`; `borders` is the path of
   * the map's own state borders (the editor's map computes it). */
  update(model, report, yearIndex, borders) {
    const winner = new Map();
    for (const s of report.states) {
      const e = s.elections[yearIndex];
      if (e) winner.set(s.name, { party: e.winner, inUnion: s.in_union });
    }
    const colourOf = model.states.map(st => {
      const w = winner.get(st.name);
      if (!w) return '#ccc';
      return w.party === 'D' ? (w.inUnion ? DEM : DEM_LIGHT) : (w.inUnion ? REP : REP_LIGHT);
    });
    this.geo.features.forEach((f, i) => {
      const c = colourOf[model.labels[f.counties[0]]];
      if (this.fills[i] !== c) {
        this.fills[i] = c;
        this.paths[i].setAttribute('fill', c);
      }
    });
    this.borders.setAttribute('d', borders || '');
    const year = report.elections[yearIndex];
    const dem = [...winner.values()].filter(w => w.party === 'D' && w.inUnion).length;
    this.el.setAttribute('aria-label', `Map of the ${year.year} Electoral College under this map: ${dem} states carried by the Democrat`);
    return this.el;
  }
}
