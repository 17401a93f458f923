// "How does this map compare with neutral splits?": runs `redraw split`'s sampler on the
// server for the state the map splits, follows its progress over server-sent events, lets the
// user cancel, and shows where the map falls among the samples (histograms with the map marked).

import { api } from './api.js';
import { h, svgImage, esc } from './dom.js';
import { int } from './format.js';

/** States the map splits into k >= 2 parts that hold only that state's counties: [{today, k}]. */
export function splittable(model) {
  const sources = model.states.map(() => new Set());
  model.labels.forEach((l, c) => sources[l].add(model.geo.counties[c].state));
  const out = [];
  for (let t = 0; t < model.nToday; t++) {
    const groups = model.groupsOf(t);
    if (groups.size < 2) continue;
    // Every part holds only this state's counties.
    if ([...groups.keys()].every(l => sources[l].size === 1)) out.push({ today: t, k: groups.size });
  }
  return out;
}

function valueText(key, v) {
  if (v == null || !Number.isFinite(v)) return '—';
  if (key === 'max_part_deviation') return `${(100 * v).toFixed(1)} %`;
  if (Number.isInteger(v)) return int(v);
  return v.toFixed(3);
}

export class Splits {
  constructor(root, geo, model) {
    this.root = root;
    this.geo = geo;
    this.model = model;
    this.job = null;
    this.source = null;
    this.renderForm();
  }

  /** Refreshes the list of states when the map changes (unless a job runs). */
  modelChanged() {
    if (this.root.hidden || this.job) return;
    const now = JSON.stringify(splittable(this.model));
    if (now !== this.lastList) this.renderForm();
  }

  renderForm() {
    const list = splittable(this.model);
    this.lastList = JSON.stringify(list);
    const g = this.geo;
    const intro = h('p', {}, 'Draw neutral splits of the same state into the same number of parts with ', h('code', {}, 'redraw split'),
      '’s sampler (ReCom on the county graph, whole counties, within a population tolerance) and see where your map falls among them.');
    if (!list.length) {
      this.root.replaceChildren(h('h2', {}, 'Neutral splits'), intro,
        h('p', { class: 'quiet' }, 'Your map does not split a state yet. Split one into two or more parts (for example start from Cal 3), and come back.'));
      return;
    }
    const sel = h('select', { id: 'split-state' }, ...list.map(x => h('option', { value: x.today }, `${g.states[x.today].name} into ${x.k} parts`)));
    const tol = h('input', { id: 'split-tol', type: 'number', min: 1, max: 99, step: 1, value: 25 });
    const samples = h('input', { id: 'split-samples', type: 'number', min: 100, max: 20000, step: 100, value: 2000 });
    const seed = h('input', { id: 'split-seed', type: 'number', min: 0, step: 1, value: 2020 });
    const go = h('button', { type: 'submit', id: 'split-run' }, 'Compare with neutral splits');
    const form = h('form', { class: 'split-form' },
      h('label', {}, 'State ', sel), h('label', {}, 'Tolerance (± %)', tol), h('label', {}, 'Samples ', samples), h('label', {}, 'Seed ', seed), go);
    form.addEventListener('submit', e => {
      e.preventDefault();
      const t = Number(sel.value);
      const item = list.find(x => x.today === t);
      this.start({ state: g.states[t].abbr, parts: item.k, tolerance: Number(tol.value) / 100, samples: Number(samples.value), seed: Number(seed.value) });
    });
    this.progress = h('div', { class: 'progress', hidden: true });
    this.results = h('div', { class: 'split-results', 'aria-live': 'polite' });
    this.root.replaceChildren(h('h2', {}, 'Neutral splits'), intro, form, this.progress, this.results);
  }

  async start(params) {
    this.cancel();
    const req = this.model.evaluateRequest();
    const body = { ...params, toml: req.toml, file_name: req.file_name, label: 'your map' };
    this.results.replaceChildren();
    let job;
    try {
      job = await api.startSplit(body);
    } catch (e) {
      this.results.replaceChildren(h('p', { class: 'panel-error', role: 'alert' }, e.message));
      return;
    }
    this.job = job;
    const bar = h('progress', { max: job.total, value: 0, 'aria-label': 'Samples drawn' });
    const label = h('span', {}, `0 of ${int(job.total)} samples`);
    const stop = h('button', { type: 'button', id: 'split-cancel', onclick: () => this.cancel(true) }, 'Cancel');
    this.progress.replaceChildren(bar, label, stop);
    this.progress.hidden = false;
    const es = new EventSource(job.events);
    this.source = es;
    es.addEventListener('progress', e => {
      const p = JSON.parse(e.data);
      bar.value = p.done;
      label.textContent = `${int(p.done)} of ${int(p.total)} samples`;
    });
    es.addEventListener('result', e => {
      this.finish();
      this.show(JSON.parse(e.data), params);
    });
    for (const kind of ['failed', 'cancelled']) {
      es.addEventListener(kind, e => {
        this.finish();
        const m = JSON.parse(e.data).error;
        this.results.replaceChildren(h('p', { class: kind === 'failed' ? 'panel-error' : 'quiet', role: 'alert' }, kind === 'failed' ? m : `Cancelled: ${m}.`));
      });
    }
    es.onerror = () => {
      // The stream ends after the result; anything else is a lost server.
      if (this.source === es) {
        this.finish();
        this.results.replaceChildren(h('p', { class: 'panel-error', role: 'alert' }, 'Lost the connection to the server; the job was cancelled.'));
      }
    };
  }

  finish() {
    if (this.source) this.source.close();
    this.source = null;
    this.job = null;
    this.progress.hidden = true;
  }

  /** Stops following the job; the server cancels it when the stream closes (and on DELETE). */
  cancel(byUser = false) {
    if (!this.job) return;
    const id = this.job.id;
    this.finish();
    api.cancelSplit(id).catch(() => {});
    if (byUser) this.results.replaceChildren(h('p', { class: 'quiet', role: 'status' }, 'Cancelled.'));
  }

  show(doc, params) {
    const s = doc.summary;
    const head = h('p', {}, `${s.state} split into ${s.parts} states: ${int(s.samples)} neutral samples from ${s.chains} chains, ±${Math.round(100 * s.tolerance)} % population tolerance, ReCom acceptance ${(100 * s.acceptance).toFixed(1)} %. Every sample checked: Senate = 2 × states, House = 435, electoral votes = House + Senate + 3.`);
    const props = s.proposals;
    const table = h('table', { class: 'split-table' });
    table.innerHTML = `<thead><tr><th>Consequence</th><th class="num">Median</th><th class="num">5–95 %</th>${props.map(p => `<th class="num">${esc(p.id === 'your-map' ? 'Your map' : p.title)}<br><small>percentile</small></th>`).join('')}</tr></thead><tbody>${
      s.statistics.map(x => {
        const d = x.distribution;
        const cells = x.proposals.map(p => `<td class="num">${valueText(x.metric, p.value)}${p.percentile != null ? ` <small>(${(100 * p.percentile).toFixed(0)})</small>` : ''}</td>`).join('');
        return `<tr><th scope="row">${esc(x.label)}</th><td class="num">${d ? valueText(x.metric, d.median) : '—'}</td><td class="num">${d ? `${valueText(x.metric, d.q05)} – ${valueText(x.metric, d.q95)}` : '—'}</td>${cells}</tr>`;
      }).join('')}</tbody>`;
    const notes = [];
    if (doc.note) notes.push(h('p', { class: 'panel-error' }, doc.note));
    for (const p of props) {
      const bits = [`largest deviation ${(100 * p.max_deviation).toFixed(1)} % (${p.within_tolerance ? 'within' : 'OUTSIDE'} the ±${Math.round(100 * s.tolerance)} % tolerance)`];
      if (p.non_contiguous_parts.length) bits.push(`not contiguous: ${p.non_contiguous_parts.join(', ')}`);
      notes.push(h('p', { class: 'quiet' }, `${p.id === 'your-map' ? 'Your map' : p.title}: ${bits.join('; ')}.`));
    }
    const verdicts = props.length ? h('ul', { class: 'verdicts' }, ...s.statistics.filter(x => x.proposals[0]).map(x => h('li', {}, `${x.label}: ${x.proposals[0].verdict}`))) : null;
    const plots = h('div', { class: 'plots' }, ...doc.histograms.map(p => svgImage(p.svg, `Histogram of ${p.label} over the neutral samples, your map marked`)));
    this.results.replaceChildren(head, h('div', { class: 'scroll' }, table), ...notes, verdicts || '', plots);
  }
}
