// The editor: wires the model, the map, the palette of states, the live panel, sharing and the
// other views together.

import { api } from './api.js';
import { $, $$, h, download } from './dom.js';
import { int, METHODS } from './format.js';
import { Model, slug, checkName, checkAbbr } from './model.js';
import { encode, decode } from './codec.js';
import { MapView } from './mapview.js';
import { Panel } from './panel.js';
import { Splits } from './splits.js';
import { Runs } from './runs.js';

const app = {
  // Latency of every change to the panel on screen, and where the time went (ms).
  metrics: { latencies: [], phases: [] },
  renderedVersion: -1,
  evaluating: false,
};
window.redraw = app;

function toast(text, kind = '') {
  const t = $('#toast');
  t.textContent = text;
  t.className = `toast show ${kind}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.className = 'toast'; }, kind === 'error' ? 8000 : 3500);
}

function typing(e) {
  const t = e.target;
  return t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
}

async function boot() {
  let info;
  let geo;
  let presets;
  try {
    [info, geo, presets] = await Promise.all([api.info(), api.geometry(), api.presets()]);
  } catch (e) {
    $('#status').textContent = `Cannot load the app's data: ${e.message}`;
    return;
  }
  const model = new Model(geo);
  app.model = model;
  app.geo = geo;
  app.presets = presets;
  const stateOrder = geo.states.map((s, i) => i).sort((a, b) => geo.states[a].name.localeCompare(geo.states[b].name));

  // ---- the palette: which state the brush paints with ----
  let brush = -1;
  const pinned = new Set(); // today's states the user put on the palette
  const paletteLabels = () => {
    const counts = model.counts();
    const same = model.unchangedAll(counts);
    const out = [];
    for (let l = 0; l < model.states.length; l++) {
      const s = model.states[l];
      if (s.today == null || (!same[l] && counts[l] > 0) || pinned.has(l)) out.push(l);
    }
    return out;
  };
  const setBrush = l => {
    brush = l;
    renderBrushes();
    if (l >= 0) $('#status').textContent = `Painting with ${model.states[l].name}`;
  };
  const ensureBrush = () => {
    if (brush >= 0 && brush < model.states.length) return brush;
    const l = model.addState(model.freshName());
    setBrush(l);
    return l;
  };

  const map = new MapView($('#map'), geo, model, {
    status: t => { $('#status').textContent = t; },
    brush: ensureBrush,
    pick: l => { if (model.states[l].today != null) pinned.add(l); setBrush(l); },
    stroke: () => {},
  });
  app.map = map;
  const panel = new Panel($('#panel'), geo, model, { borders: () => map.regionD });
  app.panel = panel;
  $('#attribution').textContent = geo.attribution + ' Figures: redraw (2020 census, certified results).';

  function renderBrushes() {
    const list = $('#brushes');
    const counts = model.counts();
    const pop = new Float64Array(model.states.length);
    geo.counties.forEach((c, i) => { pop[model.labels[i]] += c.pop2020; });
    const labels = paletteLabels();
    if (brush >= model.states.length) brush = -1;
    list.replaceChildren(...labels.map((l, i) => {
      const s = model.states[l];
      const colour = model.colourOf(l) || '#e4e4e0';
      const seats = pop[l] / geo.ideal_seat_population;
      const selected = l === brush;
      const pick = h('button', { type: 'button', class: 'pick', 'aria-pressed': String(selected), title: `Paint with ${s.name}${i < 9 ? ` (${i + 1})` : ''}`, onclick: () => setBrush(l) },
        h('span', { class: 'swatch', style: null, dataset: { colour } }),
        h('span', { class: 'key' }, i < 9 ? String(i + 1) : ''),
        h('span', { class: 'bname' }, s.name),
        h('span', { class: 'babbr' }, s.abbr));
      pick.querySelector('.swatch').style.background = colour;
      const stats = h('span', { class: 'bstats' }, counts[l] ? `${counts[l]} counties · ${int(pop[l])} people · ${seats.toFixed(1)} seats' worth` : 'no counties yet');
      const actions = h('span', { class: 'bactions' });
      if (s.today == null) {
        actions.append(h('button', { type: 'button', class: 'link', title: 'Rename', 'aria-label': `Rename ${s.name}`, onclick: () => editName(l) }, 'Rename'));
        if (!counts[l]) actions.append(h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${s.name}`, onclick: () => { model.checkpoint(); model.removeState(l); if (brush === l) brush = -1; } }, 'Remove'));
      } else if (pinned.has(l) && model.unchanged(l)) {
        actions.append(h('button', { type: 'button', class: 'link', 'aria-label': `Take ${s.name} off the palette`, onclick: () => { pinned.delete(l); if (brush === l) brush = -1; renderBrushes(); } }, 'Remove'));
      }
      if (counts[l]) actions.append(h('button', { type: 'button', class: 'link', 'aria-label': `Zoom to ${s.name}`, onclick: () => map.frameLabels([l]) }, 'Zoom'));
      return h('li', { class: selected ? 'brush on' : 'brush', dataset: { label: l, name: s.name } }, pick, stats, actions);
    }));
    if (!labels.length) list.append(h('li', { class: 'quiet' }, 'Add a new state, or choose an existing state to paint counties into it.'));
  }

  function editName(l) {
    const s = model.states[l];
    const li = $(`#brushes li[data-label="${l}"]`);
    if (!li) return;
    const name = h('input', { value: s.name, 'aria-label': 'State name', maxlength: 60, required: true });
    const abbr = h('input', { value: s.abbr, 'aria-label': 'Abbreviation (1–5 letters)', maxlength: 5, size: 5, class: 'abbr-input' });
    const err = h('span', { class: 'err', role: 'alert' });
    const form = h('form', { class: 'rename' }, name, abbr, h('button', { type: 'submit' }, 'OK'), h('button', { type: 'button', onclick: () => renderBrushes() }, 'Cancel'), err);
    form.addEventListener('submit', e => {
      e.preventDefault();
      const problem = checkName(name.value) || checkAbbr(abbr.value);
      if (problem) { err.textContent = problem; return; }
      model.checkpoint();
      const m = model.rename(l, name.value, abbr.value);
      if (m) { model.undoStack.pop(); err.textContent = m; return; }
    });
    li.replaceChildren(form);
    name.focus();
    name.select();
  }

  // ---- selects ----
  const presetSel = $('#preset');
  presetSel.replaceChildren(h('option', { value: '' }, "Today's map"), ...presets.map(p => h('option', { value: p.id }, p.title || p.id)));
  $('#zoomto').append(...stateOrder.map(i => h('option', { value: i }, geo.states[i].name)));
  $('#add-existing').append(...stateOrder.filter(i => !geo.states[i].is_district).map(i => h('option', { value: i }, geo.states[i].name)));
  $('#opt-method').append(...METHODS.map(([id, name]) => h('option', { value: id }, name)));
  $('#county-list').append(...geo.counties.map(c => h('option', { value: `${c.name}, ${geo.states[c.state].abbr}` })));
  const fillLabelSelect = sel => {
    const keep = sel.value;
    const labels = model.states.map((s, l) => l).filter(l => model.states[l].today == null || !geo.states[model.states[l].today].is_district);
    labels.sort((a, b) => model.states[a].name.localeCompare(model.states[b].name));
    sel.replaceChildren(...labels.map(l => h('option', { value: l }, model.states[l].name)));
    if (keep) sel.value = keep;
  };

  // ---- evaluation, on every change ----
  const started = new Map(); // version -> time of the change
  async function evaluate() {
    if (app.evaluating) { app.pending = true; return; }
    app.evaluating = true;
    app.pending = false;
    const version = model.version;
    $('#panel').setAttribute('aria-busy', 'true');
    try {
      const t0 = performance.now();
      const request = model.evaluateRequest();
      const t1 = performance.now();
      const report = await api.evaluate(request);
      const t2 = performance.now();
      if (model.version === version || !app.pending) {
        const changed = model.states.some((st, l) => model.colourOf(l) != null) || model.blocs.secede.length || model.blocs.coalition.length;
        panel.render(report, model.meta.title || (changed ? 'Your map' : "Today's map"));
        app.report = report;
        if ((model.options.house_rule || 'fixed') !== 'fixed') $('#opt-house').value = report.scenario.house_size;
      }
      app.metrics.phases.push({ toml: t1 - t0, evaluate: t2 - t1, render: performance.now() - t2 });
      if (app.metrics.phases.length > 5000) app.metrics.phases.splice(0, 1000);
      app.renderedVersion = version;
      // Latency: from the change to the panel drawn on screen (the next frame).
      requestAnimationFrame(() => {
        const now = performance.now();
        for (const [v, t0] of started) {
          if (v <= version) {
            app.metrics.latencies.push(now - t0);
            started.delete(v);
          }
        }
        if (app.metrics.latencies.length > 5000) app.metrics.latencies.splice(0, 1000);
        document.body.dataset.rendered = String(version);
      });
    } catch (e) {
      panel.showError(e.message);
      app.renderedVersion = version;
      document.body.dataset.rendered = String(version);
    } finally {
      $('#panel').setAttribute('aria-busy', 'false');
      app.evaluating = false;
      if (app.pending || model.version !== version) evaluate();
    }
  }

  let urlTimer = null;
  function syncUrl() {
    clearTimeout(urlTimer);
    urlTimer = setTimeout(async () => {
      try {
        const frag = await encode(model);
        app.ignoreHash = '#' + frag;
        history.replaceState(null, '', '#' + frag);
      } catch (e) {
        console.warn('cannot write the link', e);
      }
    }, 250);
  }

  model.onChange((kind, version) => {
    const changeStart = performance.now();
    started.set(version, changeStart);
    // A preset that is edited becomes the user's own map.
    if (model.basePreset && model.sourceToml == null && model.meta.name === model.basePreset) {
      model.meta.name = `${model.basePreset}-edited`;
      if (model.meta.title) model.meta.title = `${model.meta.title}, edited`;
    }
    // Ask the server first: the map and palette are redrawn while it computes.
    evaluate();
    const warnings = model.warnings();
    map.refresh(warnings);
    renderBrushes();
    renderWarnings(warnings);
    // Painting changes no state's name and no bloc: skip rebuilding those lists.
    if (kind !== 'paint') {
      renderBlocs();
      fillLabelSelect($('#move-to'));
      }
    $('#undo').disabled = !model.canUndo();
    $('#redo').disabled = !model.canRedo();
    $('#opt-method').value = model.options.method;
    $('#opt-house-rule').value = model.options.house_rule || 'fixed';
    $('#opt-house').value = model.options.house_size;
    $('#opt-house').disabled = (model.options.house_rule || 'fixed') !== 'fixed';
    $('#opt-ec-rule').value = model.options.ec_rule || 'winner-take-all';
    $('#opt-census').value = model.options.census ? String(model.options.census) : '';
    $('#meta-title').value = model.meta.title;
    $('#meta-name').value = model.meta.name;
    presetSel.value = model.basePreset && model.sourceToml != null ? model.basePreset : (model.basePreset && kind === 'load' ? model.basePreset : presetSel.value);
    app.metrics.changes = app.metrics.changes || [];
    app.metrics.changes.push(performance.now() - changeStart);
    syncUrl();
    splits.modelChanged();
  });

  function renderWarnings(ws) {
    $('#map-warnings').replaceChildren(...ws.map(w => h('li', { class: `w-${w.kind}` },
      h('button', { type: 'button', class: 'link', onclick: () => map.frameLabels([w.label]) }, w.text))));
  }

  function renderBlocs() {
    const items = [];
    for (const kind of ['secede', 'coalition']) {
      model.blocs[kind].forEach((b, i) => {
        items.push(h('li', {}, `${b.name} (${kind === 'secede' ? 'secedes' : 'coalition'}): ${b.states.join(', ')} `,
          h('button', { type: 'button', class: 'link', onclick: () => { model.checkpoint(); model.blocs[kind].splice(i, 1); model.sourceToml = null; model.changed('blocs'); } }, 'Remove')));
      });
    }
    $('#blocs').replaceChildren(...items);
    $('#admits').replaceChildren(...model.admits.map((a, i) => h('li', {}, `${model.admitName(a)} admitted as a state${a.lean ? ` (counted ${a.lean === 'D' ? 'Democratic' : 'Republican'} where it has no votes)` : ''} `,
      h('button', { type: 'button', class: 'link', onclick: () => { model.checkpoint(); model.admits.splice(i, 1); model.sourceToml = null; model.changed('admit'); } }, 'Remove'))));
  }

  // ---- loading presets, files and links ----
  async function loadPreset(id) {
    model.checkpoint();
    if (!id) {
      model.reset();
      pinned.clear();
      brush = -1;
      model.changed('load');
      map.fit();
      return;
    }
    try {
      const p = presets.find(x => x.id === id);
      const doc = await api.resolve({ scenario: id });
      model.loadResolved(doc, p.toml, id);
      pinned.clear();
      brush = -1;
      model.changed('load');
      const changed = model.states.map((s, l) => l).filter(l => model.colourOf(l) != null);
      map.frameLabels(changed);
      const first = paletteLabels()[0];
      if (first != null) setBrush(first);
    } catch (e) {
      model.undoStack.pop();
      toast(e.message, 'error');
    }
  }
  presetSel.addEventListener('change', () => loadPreset(presetSel.value));

  $('#import-toml').addEventListener('change', async e => {
    const file = e.target.files[0];
    e.target.value = '';
    if (!file) return;
    if (file.size > 1024 * 1024) { toast(`${file.name} is larger than 1 MB: not a scenario file`, 'error'); return; }
    const text = await file.text();
    try {
      const doc = await api.resolve({ toml: text, file_name: file.name });
      model.checkpoint();
      model.loadResolved(doc, text, null);
      pinned.clear();
      brush = -1;
      model.changed('load');
      map.frameLabels(model.states.map((s, l) => l).filter(l => model.colourOf(l) != null));
      toast(`Loaded ${file.name}`);
    } catch (err) {
      toast(err.message, 'error');
    }
  });

  async function loadHash() {
    const frag = location.hash.slice(1);
    if (!frag) return false;
    try {
      await decode(model, frag);
      if (model.basePreset) {
        // An unmodified preset exports as the preset's own file, comments included.
        const p = presets.find(x => x.id === model.basePreset);
        if (p) {
          const doc = await api.resolve({ scenario: p.id });
          const probe = new Model(geo);
          probe.loadResolved(doc, p.toml, p.id);
          const same = probe.labels.every((l, c) => probe.states[l].name === model.states[model.labels[c]].name)
            && JSON.stringify(probe.blocs) === JSON.stringify(model.blocs) && probe.meta.title === model.meta.title;
          if (same) model.sourceToml = p.toml;
        }
      }
      model.undoStack = [];
      model.redoStack = [];
      model.changed('load');
      const changed = model.states.map((s, l) => l).filter(l => model.colourOf(l) != null);
      if (changed.length) map.frameLabels(changed);
      const first = paletteLabels()[0];
      if (first != null) setBrush(first);
      return true;
    } catch (e) {
      model.reset();
      toast(e.message, 'error');
      return false;
    }
  }
  window.addEventListener('hashchange', () => {
    if (location.hash === app.ignoreHash) return;
    loadHash();
  });

  // ---- editing operations ----
  $('#add-state').addEventListener('click', () => {
    model.checkpoint();
    const l = model.addState(model.freshName());
    setBrush(l);
    editName(l);
  });
  $('#add-existing').addEventListener('change', e => {
    const t = Number(e.target.value);
    e.target.value = '';
    if (!Number.isInteger(t)) return;
    pinned.add(t);
    setBrush(t);
  });
  $('#move-form').addEventListener('submit', e => {
    e.preventDefault();
    const q = $('#move-county').value.trim().toLowerCase();
    const c = geo.counties.findIndex(x => `${x.name}, ${geo.states[x.state].abbr}`.toLowerCase() === q);
    if (c < 0) { toast(`No county “${$('#move-county').value}”: pick one from the list (name, state)`, 'error'); return; }
    const to = Number($('#move-to').value);
    model.checkpoint();
    if (!model.paint([c], to)) { model.undoStack.pop(); toast('That county is already there'); return; }
    $('#move-county').value = '';
    toast(`${geo.counties[c].name} moved to ${model.states[to].name}`);
  });
  $('#merge-form').addEventListener('submit', e => {
    e.preventDefault();
    const names = $('#merge-states').value.split(',').map(x => x.trim()).filter(Boolean);
    const todays = names.map(n => geo.states.findIndex(st => st.abbr.toLowerCase() === n.toLowerCase() || st.name.toLowerCase() === n.toLowerCase()));
    const bad = names.filter((n, i) => todays[i] < 0);
    if (bad.length) { toast(`Not a state of today: ${bad.join(', ')}`, 'error'); return; }
    if (new Set(todays).size < 2) { toast('Name at least two different states', 'error'); return; }
    const name = $('#merge-name').value.trim() || todays.map(t => geo.states[t].name).join(' and ');
    const abbr = $('#merge-abbr').value.trim();
    const problem = checkName(name) || checkAbbr(abbr);
    if (problem) { toast(problem, 'error'); return; }
    const clash = model.nameClash(name, -1) || (abbr && model.nameClash(abbr, -1));
    if (clash) { toast(`${clash} already uses that name`, 'error'); return; }
    model.checkpoint();
    const l = model.addState(name, abbr);
    const counties = [];
    for (const t of todays) counties.push(...model.byState[t]);
    model.paint(counties, l);
    for (const id of ['#merge-states', '#merge-name', '#merge-abbr']) $(id).value = '';
    setBrush(l);
    toast(`${todays.map(t => geo.states[t].name).join(' and ')} merged into ${name}`);
  });
  $('#admit-territory').append(...(geo.territories || []).map(([abbr, name, pop]) => h('option', { value: abbr }, `${name} (${int(pop)} people)`)), h('option', { value: 'DC' }, 'District of Columbia, as a state'));
  $('#admit-form').addEventListener('submit', e => {
    e.preventDefault();
    const territory = $('#admit-territory').value;
    if (model.admits.some(a => a.territory === territory)) { toast('Already admitted', 'error'); return; }
    model.checkpoint();
    const entry = { territory };
    if ($('#admit-lean').value) entry.lean = $('#admit-lean').value;
    model.admits.push(entry);
    model.sourceToml = null;
    model.changed('admit');
  });
  $('#bloc-form').addEventListener('submit', e => {
    e.preventDefault();
    const name = $('#bloc-name').value.trim();
    const kind = $$('input[name="bloc-kind"]').find(x => x.checked).value;
    const names = $('#bloc-states').value.split(',').map(x => x.trim()).filter(Boolean);
    const labels = names.map(n => (model.isAdmitted(n) ? n : model.labelByName(n)));
    const bad = names.filter((n, i) => labels[i] === -1);
    if (bad.length) { toast(`Unknown state${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}`, 'error'); return; }
    if (!name || checkName(name)) { toast('A bloc needs a name', 'error'); return; }
    model.checkpoint();
    model.blocs[kind].push({ name, states: labels.map(l => (typeof l === 'string' ? l : model.refName(l))) });
    labels.forEach(l => { if (typeof l === 'number') model.ensureColour(l); });
    model.sourceToml = null;
    model.changed('blocs');
    $('#bloc-name').value = '';
    $('#bloc-states').value = '';
  });
  $('#meta-form').addEventListener('submit', e => {
    e.preventDefault();
    model.checkpoint();
    model.meta.title = $('#meta-title').value.trim();
    model.meta.name = $('#meta-name').value.trim() ? slug($('#meta-name').value) : slug(model.meta.title || 'my-map');
    model.sourceToml = null;
    model.changed('meta');
  });
  const setOption = () => {
    const house = Number($('#opt-house').value);
    const rule = $('#opt-house-rule').value;
    if (rule === 'fixed' && (!Number.isInteger(house) || house < 50 || house > 10000)) { toast('House size: a whole number from 50 to 10,000', 'error'); return; }
    model.checkpoint();
    model.options.method = $('#opt-method').value;
    model.options.house_rule = rule;
    if (rule === 'fixed') model.options.house_size = house;
    model.options.ec_rule = $('#opt-ec-rule').value;
    model.options.census = $('#opt-census').value ? Number($('#opt-census').value) : null;
    model.changed('options');
  };
  $('#options').addEventListener('change', setOption);
  $('#options').addEventListener('submit', e => { e.preventDefault(); setOption(); });

  // ---- tools, zoom, undo ----
  const setTool = t => {
    map.tool = t;
    for (const b of $$('[data-tool]')) { b.classList.toggle('on', b.dataset.tool === t); b.setAttribute('aria-pressed', String(b.dataset.tool === t)); }
    $('#map').dataset.tool = t;
  };
  for (const b of $$('[data-tool]')) b.addEventListener('click', () => setTool(b.dataset.tool));
  setTool('paint');
  $('#undo').addEventListener('click', () => model.undo());
  $('#redo').addEventListener('click', () => model.redo());
  $('#zoomin').addEventListener('click', () => map.zoom(0.66));
  $('#zoomout').addEventListener('click', () => map.zoom(1.5));
  $('#zoomfit').addEventListener('click', () => map.fit());
  $('#zoomto').addEventListener('change', e => { if (e.target.value !== '') map.frameState(Number(e.target.value)); e.target.value = ''; });

  document.addEventListener('keydown', e => {
    if (typing(e)) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z') { e.preventDefault(); if (e.shiftKey) model.redo(); else model.undo(); return; }
    if (mod && e.key.toLowerCase() === 'y') { e.preventDefault(); model.redo(); }
  });
  // The keyboard cursor shows while the map has the focus.
  $('#map').addEventListener('focus', () => map.startCursor());
  $('#map').addEventListener('blur', () => map.hideCursor());
  $('#map').addEventListener('keydown', e => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const dirs = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const labels = paletteLabels();
    if (dirs[e.key]) {
      e.preventDefault();
      const [dx, dy] = dirs[e.key];
      if (e.shiftKey) map.pan(dx * 0.2, dy * 0.2); else map.moveCursor(dx, dy);
    } else if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      ensureBrush();
      map.paintCursor();
    } else if (/^[1-9]$/.test(e.key)) {
      const l = labels[Number(e.key) - 1];
      if (l != null) setBrush(l);
    } else if (e.key === '[' || e.key === ']') {
      if (!labels.length) return;
      const i = labels.indexOf(brush);
      setBrush(labels[(i + (e.key === ']' ? 1 : labels.length - 1)) % labels.length]);
    } else if (e.key === '+' || e.key === '=') {
      const c = map.cursor >= 0 ? geo.features[map.cursor].centre : null;
      map.zoom(0.66, c?.[0], c?.[1]);
    } else if (e.key === '-' || e.key === '_') {
      map.zoom(1.5);
    } else if (e.key === '0') {
      map.fit();
    } else if (e.key === 'p' || e.key === 'b' || e.key === 'h') {
      setTool({ p: 'paint', b: 'box', h: 'pan' }[e.key]);
    } else if (e.key === 'n') {
      $('#add-state').click();
    } else {
      return;
    }
  });

  // ---- sharing ----
  $('#copy-link').addEventListener('click', async () => {
    const url = location.origin + location.pathname + '#' + (await encode(model));
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied: it holds the whole map');
    } catch {
      window.prompt('Copy this link', url);
    }
  });
  $('#export-toml').addEventListener('click', () => {
    download(`${model.meta.name || 'my-map'}.toml`, model.toToml(), 'application/toml');
  });
  $('#download-svg').addEventListener('click', async () => {
    try {
      const req = model.evaluateRequest();
      const text = await api.mapSvg({ toml: req.toml, file_name: req.file_name });
      download(`${model.meta.name || 'my-map'}.svg`, text, 'image/svg+xml');
    } catch (e) {
      toast(e.message, 'error');
    }
  });

  // ---- views and tabs ----
  const splits = new Splits($('#splits'), geo, model);
  app.splits = splits;
  const tabs = { results: [$('#tab-results'), $('#panel')], splits: [$('#tab-splits'), $('#splits')] };
  const showTab = name => {
    for (const [k, [tab, pane]] of Object.entries(tabs)) {
      tab.setAttribute('aria-selected', String(k === name));
      pane.hidden = k !== name;
    }
    $('#options').hidden = name !== 'results';
    if (name === 'splits') splits.modelChanged();
  };
  $('#tab-results').addEventListener('click', () => showTab('results'));
  $('#tab-splits').addEventListener('click', () => showTab('splits'));
  if (info.runs) {
    const runs = new Runs($('#runs'));
    $('.views').hidden = false;
    const show = which => {
      $('#editor').hidden = which !== 'editor';
      for (const el of [$('.top .start'), $('.top .share')]) el.hidden = which !== 'editor';
      $('#runs').hidden = which !== 'runs';
      $('#view-editor').classList.toggle('on', which === 'editor');
      $('#view-runs').classList.toggle('on', which === 'runs');
      $('#view-editor').setAttribute('aria-pressed', String(which === 'editor'));
      $('#view-runs').setAttribute('aria-pressed', String(which === 'runs'));
      if (which === 'runs') runs.open();
    };
    $('#view-editor').addEventListener('click', () => show('editor'));
    $('#view-runs').addEventListener('click', () => show('runs'));
  }

  if (!(await loadHash())) {
    model.changed('load');
  }
  $('#status').textContent = 'Pick a preset or a state to paint with, then click, drag or Shift-drag over counties. Alt-click picks a county\'s state.';
  const header = $('header.top');
  const setHeader = () => document.documentElement.style.setProperty('--header-h', `${header.offsetHeight}px`);
  new ResizeObserver(setHeader).observe(header);
  setHeader();
  // The import button is a label: Enter and Space open the file picker from the keyboard.
  $('#import-label').addEventListener('keydown', e => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('#import-toml').click(); }
  });
  app.ready = true;
  document.body.dataset.ready = 'true';
}

boot();
