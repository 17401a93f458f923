// The ensemble and judge viewer: the run directories under `--runs`, and for a chosen run and
// plan what `redraw judge` reports — verdicts, the plan's facts, diagnostics, the sorted
// vote-share boxplot with the plan overlaid, histograms, trace plots, and a map of the plan.

import { api } from './api.js';
import { h, svgImage, esc } from './dom.js';
import { int } from './format.js';

/** A signed number with a true minus sign, as `redraw judge` prints it. */
function signed(v, digits) {
  const r = Number(v.toFixed(digits));
  if (r === 0) return (0).toFixed(digits);
  return (r > 0 ? '+' : '−') + Math.abs(r).toFixed(digits);
}

/** How `redraw judge` shows a metric's value (redraw_judge::report::format_value). */
function metricValue(metric, v) {
  if (v == null || !Number.isFinite(v)) return '—';
  if (metric === 'dem_seats') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (['efficiency_gap', 'mean_median', 'partisan_bias', 'statewide_bias', 'mean_share_bias'].includes(metric)) return `${signed(100 * v, 2)}%`;
  if (metric === 'declination') return signed(v, 3);
  if (metric === 'max_pop_deviation' || metric === 'max_pop_dev') return `${(100 * v).toFixed(2)}%`;
  if (['cut_edges', 'county_splits', 'split_counties'].includes(metric)) return int(v);
  return v.toFixed(3);
}

/** The per-district table of `redraw judge`: population, deviation, vote, counties, compactness, VAP. */
function districtTable(j) {
  const ds = j.districts || [];
  if (!ds.length) return '';
  const elections = ds[0].elections.map(e => e.election);
  const groups = ds[0].vap ? ds[0].vap.groups.map(g => g.group) : [];
  const hasCounties = ds.some(d => d.counties);
  const hasShape = ds.some(d => d.compactness);
  const head = ['District', 'Population', 'Deviation', ...elections.flatMap(e => [`${e} D share`, `${e} winner`]),
    ...(hasCounties ? ['Counties'] : []), ...(hasShape ? ['Polsby-Popper', 'Reock'] : []), ...groups.map(g => `${g} VAP`)];
  const num = i => i !== 0 && !head[i].endsWith('winner');
  const body = ds.map(d => [
    d.district + (d.pieces > 1 ? ` (${d.pieces} pieces)` : ''),
    int(d.population),
    `${signed(100 * d.deviation, 2)}%`,
    ...d.elections.flatMap(e => [`${(100 * e.dem_share).toFixed(1)}%`, e.winner === 'tie' ? 'tie' : e.winner]),
    ...(hasCounties ? [d.counties ? `${d.counties.touched} (${d.counties.part.length} shared)` : '—'] : []),
    ...(hasShape ? [d.compactness ? d.compactness.polsby_popper.toFixed(3) : '—', d.compactness ? d.compactness.reock.toFixed(3) : '—'] : []),
    ...groups.map(g => { const x = d.vap && d.vap.groups.find(y => y.group === g); return x ? `${(100 * x.share).toFixed(1)}%` : '—'; }),
  ]);
  const t = h('table', { class: 'districts-table' });
  t.innerHTML = `<caption>Districts of the plan${hasShape ? '' : ' (no polygons beside the run: no compactness)'}</caption><thead><tr>${head.map((c, i) => `<th${num(i) ? ' class="num"' : ''}>${esc(c)}</th>`).join('')}</tr></thead><tbody>${body.map(r => `<tr>${r.map((c, i) => i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td${num(i) ? ' class="num"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody>`;
  return h('section', {}, h('h3', {}, 'Districts'), h('div', { class: 'scroll' }, t));
}

/** What was judged: redraw's version, the request, and every file read with its SHA-256. */
function provenanceBlock(p) {
  if (!p) return '';
  const t = h('table', { class: 'provenance' });
  t.innerHTML = `<caption>Judged by redraw ${esc(p.redraw_version)} at ${esc(p.generated_utc)}; run seed ${esc(String(p.run.seed))}</caption><thead><tr><th>File</th><th>Path</th><th class="num">Bytes</th><th>SHA-256</th></tr></thead><tbody>${p.inputs.map(f => `<tr><td>${esc(f.role)}</td><td>${esc(f.path)}</td><td class="num">${int(f.bytes)}</td><td class="hash">${esc(f.sha256)}</td></tr>`).join('')}</tbody>`;
  const checks = (p.checks || []).length ? h('ul', {}, ...p.checks.map(c => h('li', {}, c))) : '';
  return h('details', { class: 'provenance-block' }, h('summary', {}, 'Provenance'), h('div', { class: 'scroll' }, t), checks);
}

export class Runs {
  constructor(root) {
    this.root = root;
    this.loaded = false;
  }

  async open() {
    if (this.loaded) return;
    this.loaded = true;
    this.root.replaceChildren(h('p', { class: 'quiet' }, 'Looking for ensemble runs…'));
    let doc;
    try {
      doc = await api.runs();
    } catch (e) {
      this.loaded = false;
      this.root.replaceChildren(h('p', { class: 'panel-error', role: 'alert' }, e.message));
      return;
    }
    this.doc = doc;
    this.render();
  }

  render() {
    const runs = this.doc.runs;
    const intro = h('div', { class: 'runs-intro' },
      h('h2', {}, 'Ensembles'),
      h('p', {}, `Ensemble runs under ${this.doc.root} (written by `, h('code', {}, 'redraw ensemble --out'),
        '). Choose a run and a plan to see what ', h('code', {}, 'redraw judge'), ' reports. The server reads nothing outside this directory: put the graphs, plan CSVs and shapes the runs need inside it.'));
    if (!runs.length) {
      this.root.replaceChildren(intro, h('p', { class: 'quiet' }, 'No run directories (with a manifest.json) were found.'));
      return;
    }
    const table = h('table', { class: 'runs-table' });
    table.innerHTML = `<thead><tr><th>Run</th><th>Status</th><th class="num">Districts</th><th class="num">Units</th><th class="num">Samples</th><th>Proposal</th><th>Elections</th><th>Graph</th></tr></thead><tbody>${runs.map(r => `<tr><th scope="row">${esc(r.path || '.')}</th><td>${esc(r.status || '?')}</td><td class="num">${r.districts ?? ''}</td><td class="num">${r.node_count != null ? int(r.node_count) : ''}</td><td class="num">${r.samples != null ? int(r.samples) : ''}</td><td>${esc(r.proposal || '')}</td><td>${esc(r.elections.join(', '))}</td><td>${r.graph ? esc(r.graph) : `<span class="warn-text">${esc(r.problem || 'not found')}</span>`}</td></tr>`).join('')}</tbody>`;
    const runSel = h('select', { id: 'judge-run' }, ...runs.map((r, i) => h('option', { value: i, disabled: r.problem ? true : null }, r.path || '.')));
    const planSel = h('select', { id: 'judge-plan' });
    const fillPlans = () => {
      const r = runs[Number(runSel.value)];
      planSel.replaceChildren(...(r ? r.plans : []).map(p => h('option', { value: p.id }, p.label)));
    };
    runSel.addEventListener('change', fillPlans);
    const firstOk = runs.findIndex(r => !r.problem);
    if (firstOk >= 0) runSel.value = String(firstOk);
    fillPlans();
    this.out = h('div', { class: 'judge-out', 'aria-live': 'polite' });
    const form = h('form', { class: 'row judge-form' }, h('label', {}, 'Run ', runSel), h('label', {}, 'Plan ', planSel), h('button', { type: 'submit', id: 'judge-go' }, 'Judge'));
    form.addEventListener('submit', e => {
      e.preventDefault();
      const r = runs[Number(runSel.value)];
      if (!r || !planSel.value) return;
      this.judge(r.path, planSel.value);
    });
    this.root.replaceChildren(intro, h('div', { class: 'scroll' }, table), form, this.out);
  }

  async judge(run, plan) {
    this.out.replaceChildren(h('p', { class: 'quiet' }, `Judging ${plan} against ${run}…`));
    let doc;
    try {
      doc = await api.judge({ run, plan });
    } catch (e) {
      this.out.replaceChildren(h('p', { class: 'panel-error', role: 'alert' }, e.message));
      return;
    }
    const j = doc.judgement;
    const rows = [...j.elections.flatMap(e => e.metrics), ...j.structure, ...(j.representation ? j.representation.metrics : [])];
    const verdicts = h('table', { class: 'verdicts-table' });
    verdicts.innerHTML = `<caption>Verdicts against ${int(j.samples)} ensemble plans from ${j.chains} chain(s) (positive = favours Democrats)</caption><thead><tr><th>Election</th><th>Metric</th><th class="num">Plan</th><th class="num">Mean</th><th class="num">5 %</th><th class="num">95 %</th><th class="num">Percentile</th><th>Verdict</th></tr></thead><tbody>${rows.map(m => {
      const d = m.distribution;
      const f = v => metricValue(m.metric, v);
      return `<tr class="${m.outlier && m.outlier !== 'typical' ? 'outlier' : ''}"><td>${esc(m.election || '')}</td><td>${esc(m.label)}</td><td class="num">${f(m.enacted)}</td><td class="num">${d ? f(d.mean) : '—'}</td><td class="num">${d ? f(d.q05) : '—'}</td><td class="num">${d ? f(d.q95) : '—'}</td><td class="num">${m.placement ? (100 * m.placement.percentile).toFixed(1) : '—'}</td><td>${esc(m.verdict)}</td></tr>`;
    }).join('')}</tbody>`;
    const p = j.plan;
    const facts = h('table', { class: 'facts' });
    const fact = [
      ['Districts', p.districts],
      ['Largest population deviation', `${(100 * p.population.max_abs_deviation).toFixed(3)} %`],
      ...(p.tolerance != null ? [[`Within the ensemble's ±${(100 * p.tolerance).toFixed(2)} % tolerance`, p.within_tolerance ? 'yes' : 'NO']] : []),
      ['Non-contiguous districts', p.non_contiguous.length ? p.non_contiguous.map(d => `${d.district} (${d.pieces} pieces)`).join(', ') : 'none'],
      ['Cut edges', int(p.cut_edges)],
      ...(p.county_splits ? [['Split counties', `${p.county_splits.split_regions} of ${p.county_splits.regions}`]] : []),
    ];
    facts.innerHTML = `<caption>The plan</caption><tbody>${fact.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody>`;
    const diag = h('table', { class: 'diag' });
    diag.innerHTML = `<caption>Convergence (R-hat ≤ 1.01 and ESS ≥ 400 to trust the ensemble)</caption><thead><tr><th>Statistic</th><th class="num">Chains</th><th class="num">R-hat</th><th class="num">Bulk ESS</th><th class="num">Tail ESS</th><th>Verdict</th></tr></thead><tbody>${j.diagnostics.map(d => `<tr><td>${esc(d.statistic)}</td><td class="num">${d.chains}</td><td class="num">${Number.isFinite(d.rhat) ? d.rhat.toFixed(4) : '—'}</td><td class="num">${Number.isFinite(d.ess_bulk) ? int(d.ess_bulk) : '—'}</td><td class="num">${Number.isFinite(d.ess_tail) ? int(d.ess_tail) : '—'}</td><td>${esc(String(d.verdict).replace(/_/g, ' '))}</td></tr>`).join('')}</tbody>`;
    const districts = districtTable(j);
    const provenance = provenanceBlock(j.provenance);
    const notes = j.notes.length ? h('ul', { class: 'warnings' }, ...j.notes.map(n => h('li', {}, n))) : '';
    const plot = name => doc.plots.filter(x => x.name.startsWith(name));
    const group = (title, list, wide = false) => (list.length ? h('section', {}, h('h3', {}, title), h('div', { class: wide ? 'plots wide' : 'plots' }, ...list.map(x => svgImage(x.svg, `${title}: ${x.name}`)))) : '');
    const map = doc.map ? h('section', {}, h('h3', {}, 'The plan'), svgImage(doc.map, `Map of the plan ${plan}`)) : h('p', { class: 'quiet' }, doc.map_note || '');
    this.out.replaceChildren(
      h('h2', {}, `${plan} against ${run}`), notes,
      h('div', { class: 'scroll' }, verdicts),
      h('div', { class: 'two' }, facts, diag),
      map,
      districts,
      group('Sorted district vote shares (plan overlaid)', plot('boxplot_'), true),
      group('Histograms (plan marked)', plot('hist_')),
      group('Trace plots', plot('trace_')),
      provenance,
    );
  }
}
