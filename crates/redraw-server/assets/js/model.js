// The scenario being drawn: which state every county belongs to, the states' names, blocs and
// evaluation options; undo/redo; and the scenario file (TOML) it stands for, in exactly the
// format `redraw scenario FILE` reads. No DOM here: Node runs this module's tests.

/** Okabe & Ito's colour-blind-safe qualitative palette (black replaced by an olive). A state's
 * colour differs from its neighbours' where the palette allows (see `pickColour`). */
export const PALETTE = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7', '#999933'];

/** Palette indices in the order of preference, and the pairs too alike to be neighbours (the
 * two blues, orange and vermillion, yellow and olive). */
const PREFERENCE = [0, 1, 2, 3, 5, 6, 4, 7];
const SIMILAR = { 1: [4], 4: [1], 0: [5], 5: [0], 3: [7], 7: [3] };

export const DEFAULT_OPTIONS = Object.freeze({
  method: 'huntington-hill',
  house_size: 435,
  // 'fixed' (house_size seats), 'wyoming' or 'cube-root': `redraw scenario --house-size`.
  house_rule: 'fixed',
  ec_rule: 'winner-take-all',
  census: null,
  election_years: [2016, 2020, 2024],
});

/** A TOML basic string. */
export function tomlString(s) {
  let out = '"';
  for (const ch of String(s)) {
    const c = ch.codePointAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** A TOML value from JSON: strings, numbers, booleans, arrays, and tables as inline tables. */
function tomlValue(v) {
  if (typeof v === 'string') return tomlString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(', ')}]`;
  if (v && typeof v === 'object') return `{ ${Object.entries(v).map(([k, x]) => `${tomlKey(k)} = ${tomlValue(x)}`).join(', ')} }`;
  return '""';
}

const tomlKey = k => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));

/** The lines of a table's body (`key = value`), a nested table written with dotted keys. */
function tomlTable(obj) {
  let out = '';
  for (const [k, v] of Object.entries(obj)) {
    if (v == null) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) out += `${tomlKey(k)}.${tomlKey(k2)} = ${tomlValue(v2)}\n`;
    } else {
      out += `${tomlKey(k)} = ${tomlValue(v)}\n`;
    }
  }
  return out;
}

/** Wraps `items` (already TOML values) into an array that fits ~100 columns. */
function tomlArray(items, indent) {
  const lines = [];
  let line = '';
  for (const it of items) {
    const piece = line ? ', ' + it : it;
    if (line && indent + line.length + piece.length > 98) {
      lines.push(line + ',');
      line = it;
    } else {
      line += piece;
    }
  }
  lines.push(line);
  return '[' + lines.join('\n' + ' '.repeat(indent)) + ']';
}

/** A short identifier from a title: "My plan!" -> "my-plan". */
export function slug(s) {
  const out = String(s).toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return out.slice(0, 60) || 'my-map';
}

/** Whether a name is usable for a new state: non-empty, no control characters, not too long. */
export function checkName(name) {
  const n = String(name).trim();
  if (!n) return 'a state needs a name';
  if (n.length > 60) return 'names are at most 60 characters';
  if (/[\u0000-\u001f\u007f]/.test(n)) return 'names cannot contain control characters';
  return null;
}

export function checkAbbr(abbr) {
  const a = String(abbr).trim();
  if (a === '') return null;
  if (!/^[A-Za-z0-9]{1,5}$/.test(a)) return 'an abbreviation is 1 to 5 letters or digits';
  return null;
}

export class Model {
  /**
   * @param geo the document of `GET /api/geometry` (states, counties, adjacency, ...).
   */
  constructor(geo) {
    this.geo = geo;
    this.nToday = geo.states.length;
    this.byState = geo.states.map(() => []);
    geo.counties.forEach((c, i) => this.byState[c.state].push(i));
    this.reset();
    this.undoStack = [];
    this.redoStack = [];
    this.listeners = [];
    this.version = 0;
  }

  /** Today's map, no blocs, default options. */
  reset() {
    const g = this.geo;
    this.labels = new Int32Array(g.counties.length);
    g.counties.forEach((c, i) => { this.labels[i] = c.state; });
    // Labels 0..nToday-1 are today's states (they keep their identity); later ones are new.
    this.states = g.states.map((s, i) => ({ name: s.name, abbr: s.abbr, today: i, colour: null }));
    this.blocs = { secede: [], coalition: [] };
    // `[[admit]]` entries as a scenario file writes them (states without counties: territories,
    // or DC becoming a state); kept as given and written back.
    this.admits = [];
    this.meta = { name: 'my-map', title: '', description: '' };
    this.options = { ...DEFAULT_OPTIONS, election_years: [...DEFAULT_OPTIONS.election_years] };
    // Set when the model was loaded from a file or preset and not changed since: export then
    // gives the file itself, comments included.
    this.sourceToml = null;
    this.basePreset = null;
  }

  onChange(f) { this.listeners.push(f); }

  changed(kind) {
    this.version++;
    for (const f of this.listeners) f(kind, this.version);
  }

  snapshot() {
    return {
      labels: this.labels.slice(),
      states: this.states.map(s => ({ ...s })),
      blocs: JSON.parse(JSON.stringify(this.blocs)),
      admits: JSON.parse(JSON.stringify(this.admits)),
      meta: { ...this.meta },
      options: JSON.parse(JSON.stringify(this.options)),
      sourceToml: this.sourceToml,
      basePreset: this.basePreset,
    };
  }

  restore(s) {
    this.labels = s.labels.slice();
    this.states = s.states.map(x => ({ ...x }));
    this.blocs = JSON.parse(JSON.stringify(s.blocs));
    this.admits = JSON.parse(JSON.stringify(s.admits || []));
    this.meta = { ...s.meta };
    this.options = JSON.parse(JSON.stringify(s.options));
    this.sourceToml = s.sourceToml;
    this.basePreset = s.basePreset;
  }

  /** Records the current state for undo before an edit. */
  checkpoint() {
    this.undoStack.push(this.snapshot());
    if (this.undoStack.length > 500) this.undoStack.shift();
    this.redoStack = [];
  }

  canUndo() { return this.undoStack.length > 0; }
  canRedo() { return this.redoStack.length > 0; }

  undo() {
    if (!this.undoStack.length) return false;
    this.redoStack.push(this.snapshot());
    this.restore(this.undoStack.pop());
    this.changed('undo');
    return true;
  }

  redo() {
    if (!this.redoStack.length) return false;
    this.undoStack.push(this.snapshot());
    this.restore(this.redoStack.pop());
    this.changed('redo');
    return true;
  }

  /** The colour of a label: today's unchanged states are grey context (null). */
  colourOf(label) {
    const s = this.states[label];
    if (s.colour == null) return null;
    return PALETTE[s.colour % PALETTE.length];
  }

  ensureColour(label) {
    const s = this.states[label];
    if (s.colour == null) s.colour = this.pickColour(label);
  }

  /** A palette index for `label`: one no neighbouring state uses, the least used one among
   * those (so two blues do not meet), else the least used overall. */
  pickColour(label) {
    const adj = this.geo.adjacency;
    const near = new Set();
    for (let c = 0; c < this.labels.length; c++) {
      if (this.labels[c] !== label) continue;
      for (const d of adj[c]) {
        const o = this.labels[d];
        if (o !== label && this.states[o].colour != null) near.add(this.states[o].colour % PALETTE.length);
      }
    }
    const used = new Array(PALETTE.length).fill(0);
    this.states.forEach((st, l) => { if (l !== label && st.colour != null) used[st.colour % PALETTE.length]++; });
    // Least used first; among equals, the most distinct hues first.
    const order = PREFERENCE.slice().sort((a, b) => used[a] - used[b] || PREFERENCE.indexOf(a) - PREFERENCE.indexOf(b));
    const clash = i => near.has(i) || (SIMILAR[i] ?? []).some(j => near.has(j));
    return order.find(i => !clash(i)) ?? order.find(i => !near.has(i)) ?? order[0];
  }

  /** Paints counties (ids) with `label`; returns how many changed. No checkpoint: callers
   * group a stroke into one undo step with `checkpoint()` first. */
  paint(counties, label) {
    let n = 0;
    // A new state's first counties decide its colour (it had none to avoid before).
    const first = this.states[label].today == null && !this.labels.some(l => l === label);
    const losers = new Set();
    for (const c of counties) {
      if (this.labels[c] !== label) {
        losers.add(this.labels[c]);
        this.labels[c] = label;
        n++;
      }
    }
    if (n) {
      if (first) this.states[label].colour = null;
      this.ensureColour(label);
      for (const l of losers) this.ensureColour(l);
    }
    if (n) {
      this.sourceToml = null;
      this.changed('paint');
    }
    return n;
  }

  /** Adds a new state; returns its label. */
  addState(name, abbr = '') {
    const label = this.states.length;
    this.states.push({ name: name.trim(), abbr: abbr.trim(), today: null, colour: null });
    this.states[label].colour = this.pickColour(label);
    this.sourceToml = null;
    this.changed('states');
    return label;
  }

  /** A name for a new state that clashes with nothing. */
  freshName() {
    for (let i = 1; ; i++) {
      const n = `New State ${i}`;
      if (this.nameClash(n, -1) == null) return n;
    }
  }

  /** Another state already using this name or abbreviation, else null. */
  nameClash(name, except) {
    const n = String(name).trim().toLowerCase();
    for (let i = 0; i < this.states.length; i++) {
      if (i === except) continue;
      const s = this.states[i];
      if (s.name.toLowerCase() === n || s.abbr.toLowerCase() === n) return s.name;
    }
    return null;
  }

  rename(label, name, abbr) {
    const s = this.states[label];
    if (s.today != null) return 'today\'s states keep their names; add a new state instead';
    const err = checkName(name) || checkAbbr(abbr ?? s.abbr);
    if (err) return err;
    const clash = this.nameClash(name, label);
    if (clash) return `${clash} already uses that name`;
    if (abbr != null && abbr.trim()) {
      const c2 = this.nameClash(abbr, label);
      if (c2) return `${c2} already uses that abbreviation`;
    }
    for (const kind of ['secede', 'coalition']) {
      for (const b of this.blocs[kind]) b.states = b.states.map(x => (x === s.name ? name.trim() : x));
    }
    s.name = name.trim();
    if (abbr != null) s.abbr = abbr.trim();
    this.sourceToml = null;
    this.changed('states');
    return null;
  }

  /** Removes a new state with no counties. */
  removeState(label) {
    const s = this.states[label];
    if (s.today != null || this.members(label).length) return false;
    this.states.splice(label, 1);
    for (let i = 0; i < this.labels.length; i++) if (this.labels[i] > label) this.labels[i]--;
    for (const kind of ['secede', 'coalition']) {
      for (const b of this.blocs[kind]) b.states = b.states.filter(x => x !== s.name);
    }
    this.sourceToml = null;
    this.changed('states');
    return true;
  }

  members(label) {
    const out = [];
    for (let i = 0; i < this.labels.length; i++) if (this.labels[i] === label) out.push(i);
    return out;
  }

  /** Labels with at least one county, plus new states (even empty: they are on the palette). */
  counts() {
    const n = new Int32Array(this.states.length);
    for (const l of this.labels) n[l]++;
    return n;
  }

  /** Whether a today's state has exactly its own counties. */
  unchanged(label) {
    const s = this.states[label];
    if (s.today == null) return false;
    const own = this.byState[s.today];
    for (const c of own) if (this.labels[c] !== label) return false;
    let n = 0;
    for (const l of this.labels) if (l === label) n++;
    return n === own.length;
  }

  /** `unchanged(l)` for every label at once, in one pass over the counties. */
  unchangedAll(counts = this.counts()) {
    const out = this.states.map((s, l) => s.today != null && counts[l] === this.byState[s.today].length);
    this.labels.forEach((l, c) => {
      if (out[l] && this.geo.counties[c].state !== this.states[l].today) out[l] = false;
    });
    return out;
  }

  /** The name a bloc or a move uses for a label. */
  refName(label) {
    const s = this.states[label];
    return s.today != null ? s.abbr : s.name;
  }

  /** The name an admitted state goes by: its `name`, else the territory's. */
  admitName(a) {
    if (a.name) return a.name;
    const t = (this.geo.territories || []).find(x => x[0] === a.territory);
    if (t) return t[1];
    return a.territory === 'DC' ? 'District of Columbia' : String(a.territory || '');
  }

  /** Whether a name is one of the admitted states (by name or territory code). */
  isAdmitted(name) {
    const n = String(name).trim().toLowerCase();
    return this.admits.some(a => this.admitName(a).toLowerCase() === n || String(a.territory || a.abbr || '').toLowerCase() === n);
  }

  labelByName(name) {
    const n = String(name).trim().toLowerCase();
    return this.states.findIndex(s => s.name.toLowerCase() === n || (s.abbr && s.abbr.toLowerCase() === n));
  }

  /**
   * Loads a resolved scenario (`POST /api/resolve`): every county's resulting state, names,
   * blocs. `toml` is the file it came from (export gives it back until something changes).
   */
  loadResolved(doc, toml, preset = null) {
    this.reset();
    const r = doc.resolved;
    this.admits = JSON.parse(JSON.stringify(doc.admit || []));
    const labelOf = r.states.map(rs => {
      // An admitted state keeps its `[[admit]]` entry; with no counties it has no label.
      if (rs.admitted && !rs.counties.length) return null;
      if (rs.original != null && (rs.name === this.geo.states[rs.original].name || rs.admitted)) return rs.original;
      const label = this.states.length;
      this.states.push({ name: rs.name, abbr: rs.abbr || '', today: null, colour: null });
      return label;
    });
    r.county_state.forEach((s, c) => { this.labels[c] = labelOf[s]; });
    // Colours once every county is in place, so neighbouring states get different ones.
    const same = this.unchangedAll();
    for (let l = 0; l < this.states.length; l++) if (!same[l]) this.ensureColour(l);
    const member = m => (labelOf[m] == null ? r.states[m].name : this.refName(labelOf[m]));
    const bloc = b => ({ name: b.name, states: b.members.map(member) });
    this.blocs = { secede: r.seceded.map(bloc), coalition: r.coalitions.map(bloc) };
    for (const kind of ['secede', 'coalition']) {
      for (const b of r[kind === 'secede' ? 'seceded' : 'coalitions']) {
        for (const m of b.members) if (labelOf[m] != null) this.ensureColour(labelOf[m]);
      }
    }
    this.meta = { name: doc.name || 'my-map', title: doc.title || '', description: doc.description || '' };
    this.sourceToml = toml;
    this.basePreset = preset;
  }

  /** Problems to show on the map: empty new states, non-contiguous states, and states far
   * from the population of a House seat. */
  warnings() {
    const g = this.geo;
    const out = [];
    const counts = this.counts();
    const same = this.unchangedAll(counts);
    const pop = new Float64Array(this.states.length);
    g.counties.forEach((c, i) => { pop[this.labels[i]] += c.pop2020; });
    for (let l = 0; l < this.states.length; l++) {
      const s = this.states[l];
      if (s.today == null && counts[l] === 0) {
        out.push({ label: l, kind: 'empty', text: `${s.name} has no counties yet: paint some, or remove it` });
        continue;
      }
      if (counts[l] === 0 || same[l]) continue;
      const pieces = this.pieces(l);
      if (pieces.length > 1) {
        const sizes = pieces.map(p => p.length).sort((a, b) => b - a);
        out.push({ label: l, kind: 'contiguity', counties: pieces.slice(1).flat(),
          text: `${s.name} is in ${pieces.length} pieces (${sizes.join(' + ')} counties)` });
      }
      const seats = pop[l] / g.ideal_seat_population;
      const district = s.today != null && g.states[s.today].is_district;
      if (!district && seats < 1) {
        out.push({ label: l, kind: 'small', seats,
          text: `${s.name} has ${Math.round(pop[l]).toLocaleString('en-US')} people, ${(seats * 100).toFixed(0)} % of an average House seat (${g.ideal_seat_population.toLocaleString('en-US')}); it still gets one seat and two senators` });
      }
    }
    return out;
  }

  /** Connected pieces of a label on the county adjacency (counties without neighbours, like
   * Hawaii's islands, are left out as the CLI does). */
  pieces(label) {
    const adj = this.geo.adjacency;
    const seen = new Uint8Array(this.labels.length);
    const out = [];
    for (let c = 0; c < this.labels.length; c++) {
      if (this.labels[c] !== label || seen[c] || adj[c].length === 0) continue;
      const comp = [c];
      seen[c] = 1;
      for (let k = 0; k < comp.length; k++) {
        for (const d of adj[comp[k]]) {
          if (!seen[d] && this.labels[d] === label) { seen[d] = 1; comp.push(d); }
        }
      }
      out.push(comp);
    }
    return out;
  }

  /** Counties of a today's state grouped by their label: Map(label -> [county]). */
  groupsOf(today) {
    const m = new Map();
    for (const c of this.byState[today]) {
      const l = this.labels[c];
      if (!m.has(l)) m.set(l, []);
      m.get(l).push(c);
    }
    return m;
  }

  /**
   * The scenario file for the current map. Counties are named as `toml_name` gives them.
   * Structure (each piece exactly what a person would write):
   * - a state cut into new states that hold only its counties is a `[[split]]`, with a part named
   *   like the state taking the `rest` when some counties stay;
   * - a new state drawn from several states' counties (or from a state whose counties also go
   *   elsewhere) is a `[[new_state]]`;
   * - counties that join another of today's states are a `[[move]]`;
   * - blocs are `[[secede]]` and `[[coalition]]`.
   */
  toToml() {
    if (this.sourceToml != null) return this.sourceToml;
    const g = this.geo;
    const counts = this.counts();
    const name = c => tomlString(g.counties[c].toml_name);
    const sources = new Map(); // new label -> Set(today)
    for (let c = 0; c < this.labels.length; c++) {
      const l = this.labels[c];
      if (this.states[l].today != null) continue;
      if (!sources.has(l)) sources.set(l, new Set());
      sources.get(l).add(g.counties[c].state);
    }
    const localTo = l => (sources.get(l).size === 1 ? [...sources.get(l)][0] : null);
    const splits = [];
    const usedInSplit = new Set();
    for (let t = 0; t < this.nToday; t++) {
      const groups = this.groupsOf(t);
      const local = [...groups.keys()].filter(l => this.states[l].today == null && localTo(l) === t).sort((a, b) => a - b);
      if (!local.length) continue;
      const kept = groups.get(t) || [];
      const allLocal = [...groups.keys()].every(l => l === t || local.includes(l));
      if (kept.length === 0 && !allLocal) continue;
      splits.push({ t, local, kept: kept.length > 0 });
      local.forEach(l => usedInSplit.add(l));
    }
    let out = '';
    out += `name = ${tomlString(this.meta.name || 'my-map')}\n`;
    if (this.meta.title) out += `title = ${tomlString(this.meta.title)}\n`;
    if (this.meta.description) out += `description = ${tomlString(this.meta.description)}\n`;
    out += `source = ${tomlString('drawn in redraw serve')}\n`;
    for (const sp of splits) {
      const st = g.states[sp.t];
      out += `\n[[split]]\nstate = ${tomlString(st.abbr)}\n`;
      for (const l of sp.local) {
        const s = this.states[l];
        out += `\n[[split.part]]\nname = ${tomlString(s.name)}\n`;
        if (s.abbr) out += `abbr = ${tomlString(s.abbr)}\n`;
        const list = this.members(l).map(name);
        out += `counties = ${tomlArray(list, 11)}\n`;
      }
      if (sp.kept) out += `\n[[split.part]]\nname = ${tomlString(st.name)}\nrest = true\n`;
    }
    // A new state made of whole states of today, and nothing else, is a merge.
    const wholeStates = l => {
      const src = sources.get(l);
      if (!src || src.size < 2) return null;
      for (const t of src) if (this.byState[t].some(c => this.labels[c] !== l)) return null;
      return [...src].sort((a, b) => a - b);
    };
    for (let l = this.nToday; l < this.states.length; l++) {
      if (usedInSplit.has(l) || counts[l] === 0) continue;
      const whole = wholeStates(l);
      if (!whole) continue;
      const s = this.states[l];
      out += `\n[[merge]]\nname = ${tomlString(s.name)}\n`;
      if (s.abbr) out += `abbr = ${tomlString(s.abbr)}\n`;
      out += `states = ${tomlArray(whole.map(t => tomlString(g.states[t].abbr)), 10)}\n`;
      usedInSplit.add(l);
    }
    for (let l = this.nToday; l < this.states.length; l++) {
      if (usedInSplit.has(l) || counts[l] === 0) continue;
      const s = this.states[l];
      out += `\n[[new_state]]\nname = ${tomlString(s.name)}\n`;
      if (s.abbr) out += `abbr = ${tomlString(s.abbr)}\n`;
      const bySource = new Map();
      for (const c of this.members(l)) {
        const t = g.counties[c].state;
        if (!bySource.has(t)) bySource.set(t, []);
        bySource.get(t).push(c);
      }
      for (const t of [...bySource.keys()].sort((a, b) => a - b)) {
        const key = `counties.${g.states[t].abbr} = `;
        out += key + tomlArray(bySource.get(t).map(name), key.length + 1) + '\n';
      }
    }
    for (let u = 0; u < this.nToday; u++) {
      const bySource = new Map();
      for (let t = 0; t < this.nToday; t++) {
        if (t === u) continue;
        const moved = this.byState[t].filter(c => this.labels[c] === u);
        if (moved.length) bySource.set(t, moved);
      }
      if (!bySource.size) continue;
      out += `\n[[move]]\nto = ${tomlString(g.states[u].abbr)}\n`;
      for (const [t, list] of bySource) {
        const key = `counties.${g.states[t].abbr} = `;
        out += key + tomlArray(list.map(name), key.length + 1) + '\n';
      }
    }
    for (const a of this.admits) out += `\n[[admit]]\n${tomlTable(a)}`;
    for (const kind of ['secede', 'coalition']) {
      for (const b of this.blocs[kind]) {
        const members = b.states.filter(n => {
          const l = this.labelByName(n);
          return (l >= 0 && counts[l] > 0) || this.isAdmitted(n);
        });
        if (!members.length) continue;
        out += `\n[[${kind}]]\nname = ${tomlString(b.name)}\nstates = ${tomlArray(members.map(tomlString), 10)}\n`;
      }
    }
    return out;
  }

  /** The options as `POST /api/evaluate` takes them. */
  evaluateRequest() {
    const o = this.options;
    const req = {
      toml: this.toToml(),
      file_name: `${this.meta.name || 'my-map'}.toml`,
      method: o.method,
      house_size: o.house_rule && o.house_rule !== 'fixed' ? o.house_rule : o.house_size,
      election_years: o.election_years,
    };
    if (o.ec_rule && o.ec_rule !== 'winner-take-all') req.ec_rule = o.ec_rule;
    if (o.census) req.census = o.census;
    return req;
  }
}
