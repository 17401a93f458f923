// The live panel: everything `redraw scenario` reports for the map being drawn, as a difference
// from today's map. It renders the JSON of `POST /api/evaluate`, which is byte for byte what
// `redraw scenario FILE --format json` prints.

import { esc, h } from './dom.js';
import { int, signed, margin, bn, pct, fixed } from './format.js';

import { ecBars, senateChart, EcMap, DEM, REP } from './charts.js';

/** `[name, value]` from either form the report has used for a named figure. */
function named(v) {
  if (Array.isArray(v)) return { state: v[0], value: v[1] };
  return v || { state: '', value: NaN };
}

const signedBn = usd => (usd == null ? '—' : signed(usd / 1e9, 1));

function change(a, b) {
  const d = b - a;
  return d === 0 ? '' : signed(d);
}

function partyClass(m) {
  if (m == null || !Number.isFinite(m)) return '';
  return m > 0 ? 'dem' : 'rep';
}

/** Today's figures of a state of the map: the state it continues, else none. */
function todayOf(report, s) {
  const base = report.baseline.states;
  if (s.today !== undefined) return s.today == null ? null : base.find(b => b.abbr === s.today) || null;
  if (s.status === 'new') return null;
  return base.find(b => b.name === s.name) || null;
}

function stateCard(report, s) {
  const today = todayOf(report, s);
  const years = report.scenario.elections.map(e => e.year);
  const status = !s.in_union ? 'leaves the union' : s.status === 'new' ? 'new state' : s.status === 'changed' ? 'changed' : 'unchanged';
  const row = (label, now, was, cls = '', key = '') => `<tr${key ? ` data-field="${key}"` : ''}><th scope="row">${esc(label)}</th><td class="num ${cls}">${now}</td><td class="num was">${was ?? ''}</td></tr>`;
  let rows = '';
  rows += row('Population', int(s.population), today ? int(today.population) : '', '', 'population');
  rows += row('Apportionment population', int(s.apportionment_population), today ? int(today.apportionment_population) : '', '', 'apportionment_population');
  rows += row('Land, sq mi', int(s.land_sq_mi), today ? int(today.land_sq_mi) : '', '', 'land');
  rows += row('Senators', s.senators, today ? today.senators : '', '', 'senators');
  rows += row('House seats', s.house_seats, today ? today.house_seats : '', '', 'house_seats');
  rows += row('Electoral votes', s.electoral_votes, today ? today.electoral_votes : '', '', 'electoral_votes');
  rows += row('EV per million people', fixed(s.ev_per_million, 2), today ? fixed(today.ev_per_million, 2) : '');
  s.elections.forEach((e, k) => {
    const t = today && today.elections[k];
    rows += row(`${years[k]} margin`, `<span class="${partyClass(e.margin_pct)}">${margin(e.margin_pct)}</span>`, t ? margin(t.margin_pct) : '', '', `margin_${years[k]}`);
  });
  const eco = x => x && x.economy;
  if (eco(s)) {
    rows += row(`GDP ${s.economy.year}, $bn`, `${bn(s.economy.gdp_usd)}${s.economy.estimated ? '*' : ''}`, eco(today) ? bn(today.economy.gdp_usd) : '', '', 'gdp');
    rows += row('Share of US GDP', pct(s.economy.gdp_share), eco(today) ? pct(today.economy.gdp_share) : '');
    rows += row('GDP per person, $k', fixed(s.economy.gdp_per_capita_usd / 1e3, 1), eco(today) ? fixed(today.economy.gdp_per_capita_usd / 1e3, 1) : '');
  }
  rows += row('Federal taxes, $bn', bn(s.irs_collections_usd), today ? bn(today.irs_collections_usd) : '');
  const fis = x => x && x.fiscal;
  if (fis(s)) {
    rows += row('Federal spending, $bn', bn(s.fiscal.spending_usd), fis(today) ? bn(today.fiscal.spending_usd) : '');
    rows += row('Federal balance, $bn', signedBn(s.fiscal.balance_usd), fis(today) ? signedBn(today.fiscal.balance_usd) : '', '', 'balance');
    rows += row('Deficit-neutral balance, $bn', signedBn(s.fiscal.deficit_neutral_balance_usd), fis(today) ? signedBn(today.fiscal.deficit_neutral_balance_usd) : '');
  } else {
    rows += row('Federal balance, $bn', s.federal_balance_usd == null ? '—' : signedBn(s.federal_balance_usd), today ? (today.federal_balance_usd == null ? '—' : signedBn(today.federal_balance_usd)) : '');
  }
  return `<article class="statecard" data-state="${esc(s.name)}">
    <h4><span class="abbr">${esc(s.abbr)}</span> ${esc(s.name)} <small>${esc(status)}</small></h4>
    <table><thead><tr><th></th><th scope="col" class="num">This map</th><th scope="col" class="num">${today ? esc('Today (' + today.abbr + ')') : ''}</th></tr></thead><tbody>${rows}</tbody></table>
    ${s.fiscal && s.fiscal.verdict ? `<p class="verdict">${esc(s.fiscal.verdict)}</p>` : ''}
    ${s.economy && s.economy.estimated ? '<p class="quiet small">* GDP includes BEA cells withheld for confidentiality, estimated.</p>' : ''}
  </article>`;
}

function nationalTable(report) {
  const b = report.baseline;
  const s = report.scenario;
  const rows = [];
  const add = (label, x, y, d, key = '') => rows.push(`<tr${key ? ` data-field="${key}"` : ''}><th scope="row">${esc(label)}</th><td class="num">${x}</td><td class="num">${y}</td><td class="num chg">${d}</td></tr>`);
  add('States in the union', b.union_states, s.union_states, change(b.union_states, s.union_states), 'union_states');
  add('Senators', b.senators, s.senators, change(b.senators, s.senators), 'senators');
  add('House seats', b.house_size, s.house_size, change(b.house_size, s.house_size), 'house_size');
  add('Electoral votes', b.electoral_votes, s.electoral_votes, change(b.electoral_votes, s.electoral_votes), 'electoral_votes');
  s.elections.forEach((e, i) => {
    const eb = b.elections[i];
    const w = x => `D ${x.electoral_votes_dem} – R ${x.electoral_votes_rep} (${x.winner ?? 'no majority'})`;
    add(`Electoral College ${e.year} (census ${e.census})`, w(eb), w(e), eb.winner !== e.winner ? '<strong>new winner</strong>' : '', `ec_${e.year}`);
    add(`Senate ${e.year}, D–R by presidential winner`, `${eb.senate_dem}–${eb.senate_rep}`, `${e.senate_dem}–${e.senate_rep}`,
      e.senate_dem === eb.senate_dem && e.senate_rep === eb.senate_rep ? '' : `D ${signed(e.senate_dem - eb.senate_dem)}, R ${signed(e.senate_rep - eb.senate_rep)}`);
  });
  const mb = b.malapportionment;
  const ms = s.malapportionment;
  const nv = (v, d) => { const n = named(v); return `${d === 0 ? int(n.value) : fixed(n.value, d)} (${esc(n.state)})`; };
  add('Largest population per senator', nv(mb.largest_per_senator, 0), nv(ms.largest_per_senator, 0), '');
  add('Smallest population per senator', nv(mb.smallest_per_senator, 0), nv(ms.smallest_per_senator, 0), '');
  add('Ratio largest / smallest', fixed(mb.senator_ratio, 1), fixed(ms.senator_ratio, 1), signed(ms.senator_ratio - mb.senator_ratio, 1));
  add('Min. population share for a Senate majority', pct(mb.senate_majority_min_share), pct(ms.senate_majority_min_share),
    signed(100 * (ms.senate_majority_min_share - mb.senate_majority_min_share), 1) + ' pts');
  add('Most electoral votes per million', nv(mb.most_ev_per_million, 2), nv(ms.most_ev_per_million, 2), '');
  add('Fewest electoral votes per million', nv(mb.fewest_ev_per_million, 2), nv(ms.fewest_ev_per_million, 2), '');
  return `<table class="national"><thead><tr><th scope="col">Measure</th><th scope="col" class="num">Today</th><th scope="col" class="num">This map</th><th scope="col" class="num">Change</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const RULE_NAMES = { winner_take_all: 'Winner-take-all', proportional: 'Proportional', congressional_district: 'District (ME/NE)', npvic: 'NPV compact' };

/** The Electoral College under every allocation rule, today and under the map. */
function rulesTable(report) {
  const b = report.baseline;
  const s = report.scenario;
  const cell = r => {
    if (!r || !r.available) return '<span class="quiet">unavailable</span>';
    return `D ${r.electoral_votes_dem} – R ${r.electoral_votes_rep} (${r.winner ?? 'no majority'})`;
  };
  const rows = [];
  const notes = [];
  s.elections.forEach((e, i) => {
    const eb = b.elections[i];
    for (const r of e.by_rule || []) {
      const rb = (eb.by_rule || []).find(x => x.rule === r.rule);
      rows.push(`<tr data-field="rule_${e.year}_${r.rule}"><td>${e.year}</td><td>${esc(RULE_NAMES[r.rule] || r.rule)}</td><td class="num">${cell(rb)}</td><td class="num">${cell(r)}</td></tr>`);
      if (r.note) notes.push(`<li>${e.year}, ${esc(RULE_NAMES[r.rule] || r.rule)}: ${esc(r.note)}</li>`);
    }
  });
  if (!rows.length) return '';
  return `<div class="scroll"><table class="rules-table"><thead><tr><th>Election</th><th>Rule</th><th class="num">Today</th><th class="num">This map</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${notes.length ? `<details class="notes"><summary>Notes on the rules</summary><ul>${[...new Set(notes)].join('')}</ul></details>` : ''}`;
}

/** GDP of the new and changed states, their parents today and the country. */
function economyTable(report) {
  const s = report.scenario;
  const nat = s.economy;
  if (!nat) return '';
  const changed = s.states.filter(x => (x.status !== 'unchanged' || !x.in_union) && x.economy);
  if (!changed.length) return '';
  const parents = new Set(changed.flatMap(x => x.parents || []));
  const todays = report.baseline.states.filter(x => parents.has(x.abbr) && x.economy);
  const row = (name, e) => `<tr><th scope="row">${esc(name)}</th><td class="num">${bn(e.gdp_usd)}${e.estimated ? '*' : ''}</td><td class="num">${pct(e.gdp_share)}</td><td class="num">${fixed(e.gdp_per_capita_usd / 1e3, 1)}</td></tr>`;
  const us = `<tr class="total"><th scope="row">United States</th><td class="num">${bn(nat.gdp_usd)}</td><td class="num">100.0 %</td><td class="num">${fixed(nat.gdp_usd / nat.population / 1e3, 1)}</td></tr>`;
  return `<section aria-labelledby="h-eco"><h3 id="h-eco">Economic weight (GDP ${nat.year}, BEA county data)</h3><div class="scroll"><table><thead><tr><th>State</th><th class="num">GDP $bn</th><th class="num">% of US</th><th class="num">Per person $k</th></tr></thead><tbody>${changed.map(x => row(x.name, x.economy)).join('')}${todays.map(x => row(`${x.name} (today)`, x.economy)).join('')}${us}</tbody></table></div></section>`;
}

/** Who gains or loses House seats: today's states whose seats change, and the new states. */
function seatMoves(report) {
  const gains = [];
  const losses = [];
  for (const s of report.scenario.states) {
    if (!s.in_union) continue;
    const t = todayOf(report, s);
    if (!t) {
      gains.push({ name: s.name, d: s.house_seats, note: 'new' });
    } else if (s.house_seats !== t.house_seats) {
      (s.house_seats > t.house_seats ? gains : losses).push({ name: s.name, d: s.house_seats - t.house_seats, note: s.status === 'changed' ? 'changed' : '' });
    }
  }
  for (const b of report.baseline.states) {
    if (b.is_district) continue;
    const still = report.scenario.states.some(s => s.in_union && todayOf(report, s) === b);
    if (!still) losses.push({ name: b.name, d: -b.house_seats, note: report.scenario.states.some(s => !s.in_union && todayOf(report, s) === b) ? 'leaves the union' : 'split or merged away' });
  }
  gains.sort((a, b) => b.d - a.d);
  losses.sort((a, b) => a.d - b.d);
  const li = x => `<li><span class="num">${signed(x.d)}</span>${esc(x.name)}${x.note ? ` <small>(${esc(x.note)})</small>` : ''}</li>`;
  if (!gains.length && !losses.length) return '<p class="quiet">No state gains or loses a House seat.</p>';
  return `<div class="moves"><div><h4>Gain</h4><ul>${gains.map(li).join('') || '<li class="quiet">none</li>'}</ul></div><div><h4>Lose</h4><ul>${losses.map(li).join('') || '<li class="quiet">none</li>'}</ul></div></div>`;
}

function blocsTable(report) {
  const blocs = report.scenario.blocs;
  if (!blocs.length) return '';
  const years = report.scenario.elections.map(e => e.year);
  const rows = blocs.map(b => `<tr><th scope="row">${esc(b.name)} <small>${b.seceded ? 'seceded' : 'coalition'}</small></th><td>${esc(b.members.join(', '))}</td><td class="num">${int(b.population)}</td><td class="num">${b.senators}</td><td class="num">${b.house_seats}</td><td class="num">${b.electoral_votes}</td>${b.elections.map(e => `<td class="num ${partyClass(e.margin_pct)}">${margin(e.margin_pct)}</td>`).join('')}<td class="num">${bn(b.irs_collections_usd)}</td></tr>`).join('');
  return `<section><h3>Blocs</h3><p class="quiet">A seceded bloc holds no seats in the remaining union; its figures are its own.</p><div class="scroll"><table><thead><tr><th>Bloc</th><th>Members</th><th class="num">Population</th><th class="num">Senators</th><th class="num">House</th><th class="num">EV</th>${years.map(y => `<th class="num">${y}</th>`).join('')}<th class="num">Taxes $bn</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

export class Panel {
  constructor(root, geo, model, hooks) {
    this.root = root;
    this.geo = geo;
    this.model = model;
    this.hooks = hooks;
    this.year = -1; // the last election by default
    this.ecMap = new EcMap(geo);
  }

  showError(message) {
    this.root.querySelector('.panel-error')?.remove();
    this.root.prepend(h('div', { class: 'panel-error', role: 'alert' }, h('strong', {}, 'This map cannot be evaluated: '), message));
  }

  /** The panel's sections, built once; each render updates their contents in place (the
   * Electoral College map keeps its 3,142 counties and only changes colours). */
  skeleton() {
    if (this.parts) return this.parts;
    this.root.innerHTML = `
      <h2 class="title" data-test="title"></h2>
      <div class="p-kpis"></div><div class="p-headline"></div><div class="p-warnings"></div>
      <section aria-labelledby="h-ec"><h3 id="h-ec">Electoral College</h3><div class="ecbar-wrap"></div></section>
      <section aria-labelledby="h-year"><h3 id="h-year" class="with-tabs">Senate and Electoral College map <span class="tabs" role="group" aria-label="Election"></span></h3>
        <div class="senate-pair"><figure><figcaption>Today</figcaption><div class="senate-today"></div></figure><figure><figcaption>This map</figcaption><div class="senate-map"></div></figure></div>
        <p class="quiet p-senate-note"></p>
        <figure class="ecmap-wrap"><div class="ecmap"></div><figcaption class="p-ecmap-key"></figcaption></figure>
      </section>
      <section aria-labelledby="h-house"><h3 id="h-house">House seats that move</h3><div class="p-moves"></div></section>
      <section aria-labelledby="h-states"><h3 id="h-states">New and changed states</h3><div class="cards"></div></section>
      <div class="p-blocs"></div>
      <div class="p-economy"></div>
      <section aria-labelledby="h-rules"><h3 id="h-rules">The Electoral College under four allocation rules</h3><div class="p-ecrules"></div></section>
      <section aria-labelledby="h-nat"><h3 id="h-nat">Nation: today and under this map</h3><div class="scroll p-national"></div></section>
      <details class="rules"><summary>How these figures are computed, and their limits</summary><ul class="p-rules"></ul><ul class="p-limits"></ul></details>`;
    const q = sel => this.root.querySelector(sel);
    this.parts = {
      title: q('.title'), kpis: q('.p-kpis'), headline: q('.p-headline'), warnings: q('.p-warnings'), ecbars: q('.ecbar-wrap'),
      tabs: q('.tabs'), senateToday: q('.senate-today'), senateMap: q('.senate-map'), senateNote: q('.p-senate-note'),
      ecmap: q('.ecmap'), ecmapKey: q('.p-ecmap-key'), moves: q('.p-moves'), cards: q('.cards'), blocs: q('.p-blocs'),
      national: q('.p-national'), rules: q('.p-rules'), limits: q('.p-limits'), economy: q('.p-economy'), ecrules: q('.p-ecrules'),
    };
    this.parts.ecmap.append(this.ecMap.el);
    this.parts.tabs.addEventListener('click', e => {
      const btn = e.target.closest('button.yr');
      if (!btn) return;
      this.year = Number(btn.dataset.year);
      this.render(this.report);
    });
    this.html = new Map();
    return this.parts;
  }

  /** Sets an element's markup unless it is already that. */
  set(el, html) {
    if (this.html.get(el) === html) return false;
    this.html.set(el, html);
    el.innerHTML = html;
    return true;
  }

  /** `title`: what to call the map (the report's title is the scenario file's name when the
   * file has no title). */
  render(report, title) {
    this.report = report;
    if (title !== undefined) this.title = title;
    this.root.querySelector('.panel-error')?.remove();
    const P = this.skeleton();
    const s = report.scenario;
    const b = report.baseline;
    const yi = this.year < 0 || this.year >= s.elections.length ? s.elections.length - 1 : this.year;
    const changed = s.states.filter(x => x.status !== 'unchanged' || !x.in_union);
    const e = s.elections[yi];
    const eb = b.elections[yi];
    this.set(P.title, esc(this.title || report.title || s.title));
    this.set(P.kpis, `<ul class="kpis">
      <li data-test="kpi-states"><b>${s.union_states}</b> states <small>today ${b.union_states}</small></li>
      <li data-test="kpi-senators"><b>${s.senators}</b> senators <small>today ${b.senators}</small></li>
      <li data-test="kpi-house"><b>${s.house_size}</b> House seats <small>${esc(methodName(s.method))}${s.house_rule && s.house_rule !== 'fixed' ? `, ${esc(s.house_rule === 'wyoming' ? 'Wyoming rule' : 'cube-root rule')}` : ''}, ${s.census} census</small></li>
      <li data-test="kpi-ev"><b>${s.electoral_votes}</b> electoral votes <small>today ${b.electoral_votes}</small></li></ul>`);
    this.set(P.headline, e ? `<p class="headline" data-test="headline">${esc(e.year)}: <span class="${e.winner === 'D' ? 'dem' : 'rep'}">${e.winner === 'D' ? 'Democrat' : e.winner === 'R' ? 'Republican' : 'nobody'}</span> wins ${e.winner === 'D' ? e.electoral_votes_dem : e.electoral_votes_rep} electoral votes of ${e.electoral_votes_total}${eb.winner !== e.winner ? ' — <strong>a different winner than in fact</strong>' : ''}.</p>` : '');
    this.set(P.warnings, s.warnings.length ? `<ul class="warnings">${s.warnings.map(w => `<li>${esc(w)}</li>`).join('')}</ul>` : '');
    const ecKey = JSON.stringify([b.elections, s.elections].map(x => x.map(y => [y.year, y.electoral_votes_dem, y.electoral_votes_rep, y.electoral_votes_total])));
    if (this.ecKey !== ecKey) {
      this.ecKey = ecKey;
      P.ecbars.replaceChildren(ecBars(b, s));
    }
    this.set(P.tabs, s.elections.map((x, i) => `<button type="button" class="yr${i === yi ? ' on' : ''}" data-year="${i}" aria-pressed="${i === yi}">${x.year}</button>`).join(''));
    if (e) {
      const key = [eb.year, eb.senate_dem, eb.senate_rep, e.senate_dem, e.senate_rep].join();
      if (this.senateKey !== key) {
        this.senateKey = key;
        P.senateToday.replaceChildren(senateChart(eb.senate_dem, eb.senate_rep, `Senate today, by ${eb.year} presidential winner`));
        P.senateMap.replaceChildren(senateChart(e.senate_dem, e.senate_rep, `Senate under this map, by ${e.year} presidential winner`));
      }
      this.set(P.senateNote, `Each seat coloured by the presidential winner of its state in ${e.year} (a proxy, not a Senate forecast).`);
      this.ecMap.update(this.model, s, yi, this.hooks?.borders?.());
    }
    this.set(P.ecmapKey, `<span class="key dem"></span>Democrat <span class="key rep"></span>Republican, by the winner of each state under this map${s.states.some(x => !x.in_union) ? ' (paler: a state that leaves the union)' : ''}.`);
    this.set(P.moves, seatMoves(report));
    this.set(P.cards, changed.length ? changed.map(x => stateCard(report, x)).join('') : '<p class="quiet">No state changes yet: paint counties on the map, or start from a preset.</p>');
    this.set(P.blocs, blocsTable(report));
    this.set(P.national, nationalTable(report));
    this.set(P.economy, economyTable(report));
    this.set(P.ecrules, rulesTable(report));
    this.set(P.rules, report.rules.map(r => `<li>${esc(r)}</li>`).join(''));
    this.set(P.limits, (report.limits || []).map(r => `<li>${esc(r)}</li>`).join(''));
  }
}

export function methodName(id) {
  return { 'huntington-hill': 'Huntington-Hill', webster: 'Webster', hamilton: 'Hamilton', jefferson: 'Jefferson', adams: 'Adams', dean: 'Dean' }[id] || id;
}

export { DEM, REP };
