// The whole scenario in the URL's fragment, compact and versioned, so a link reproduces the
// view: `#v1.` + base64url(deflate-raw(JSON)), or `#v1u.` + base64url(JSON) where the browser
// cannot compress. The JSON holds only what differs from today's map:
//   {"m": name, "t": title, "n": [[name, abbr], ...] (new states, labels 51, 52, ...),
//    "d": {label: "county indices, delta-encoded in base 36, dot-separated"},
//    "s": [[bloc, [labels]]] (secede), "k": [[bloc, [labels]]] (coalitions),
//    "a": [admit entries as in the file],
//    "o": {"m": method, "h": house size, "r": house rule, "e": elector rule, "c": census,
//          "y": [years]} (non-default options only),
//    "p": preset id it started from}
// County indices are positions in the embedded county table (sorted by FIPS), which is fixed
// for a given data version; a link names its version so a future table can translate it.

import { DEFAULT_OPTIONS } from './model.js';

export const VERSION = 1;

function b64urlEncode(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function b64urlDecode(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('the link is damaged (unexpected characters)');
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes, stream) {
  const s = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(s).arrayBuffer());
}

const canCompress = typeof CompressionStream === 'function' && typeof DecompressionStream === 'function';

/** The model as a plain object (only differences from today). */
export function toState(model) {
  const nToday = model.nToday;
  const o = {};
  if (model.meta.name && model.meta.name !== 'my-map') o.m = model.meta.name;
  if (model.meta.title) o.t = model.meta.title;
  if (model.meta.description) o.x = model.meta.description;
  if (model.basePreset) o.p = model.basePreset;
  const fresh = model.states.slice(nToday);
  if (fresh.length) o.n = fresh.map(s => (s.abbr ? [s.name, s.abbr] : [s.name]));
  const byLabel = new Map();
  model.labels.forEach((l, c) => {
    if (l !== model.geo.counties[c].state) {
      if (!byLabel.has(l)) byLabel.set(l, []);
      byLabel.get(l).push(c);
    }
  });
  if (byLabel.size) {
    o.d = {};
    for (const [l, list] of [...byLabel].sort((a, b) => a[0] - b[0])) {
      let prev = 0;
      o.d[l] = list.map(c => { const d = c - prev; prev = c; return d.toString(36); }).join('.');
    }
  }
  // Members by label, or by name for admitted states (which have no label).
  const bloc = b => [b.name, b.states.map(n => (model.isAdmitted(n) ? n : model.labelByName(n))).filter(l => typeof l === 'string' || l >= 0)];
  if (model.blocs.secede.length) o.s = model.blocs.secede.map(bloc);
  if (model.blocs.coalition.length) o.k = model.blocs.coalition.map(bloc);
  const opt = {};
  const d = DEFAULT_OPTIONS;
  if (model.options.method !== d.method) opt.m = model.options.method;
  if (model.options.house_size !== d.house_size) opt.h = model.options.house_size;
  if (model.options.census) opt.c = model.options.census;
  if ((model.options.house_rule || 'fixed') !== d.house_rule) opt.r = model.options.house_rule;
  if ((model.options.ec_rule || d.ec_rule) !== d.ec_rule) opt.e = model.options.ec_rule;
  if (model.options.election_years.join() !== d.election_years.join()) opt.y = model.options.election_years;
  if (Object.keys(opt).length) o.o = opt;
  if (model.admits.length) o.a = model.admits;
  return o;
}

/** Applies a decoded state to the model (after `reset`). Throws with a plain message on bad
 * input; the model is left at today's map then. */
export function applyState(model, o) {
  const bad = m => { throw new Error(`the link is damaged (${m})`); };
  if (typeof o !== 'object' || o === null || Array.isArray(o)) bad('not an object');
  model.reset();
  const n = model.geo.counties.length;
  const nToday = model.nToday;
  if (o.n !== undefined) {
    if (!Array.isArray(o.n) || o.n.length > 500) bad('new states');
    for (const s of o.n) {
      if (!Array.isArray(s) || typeof s[0] !== 'string') bad('a new state');
      model.states.push({ name: s[0].slice(0, 60), abbr: typeof s[1] === 'string' ? s[1].slice(0, 5) : '', today: null, colour: null });
    }
  }
  if (o.d !== undefined) {
    if (typeof o.d !== 'object' || o.d === null) bad('counties');
    for (const [key, text] of Object.entries(o.d)) {
      const l = Number(key);
      if (!Number.isInteger(l) || l < 0 || l >= model.states.length) bad(`state ${key}`);
      if (typeof text !== 'string') bad('county list');
      let c = 0;
      for (const part of text.split('.')) {
        const d = parseInt(part, 36);
        if (!Number.isFinite(d) || d < 0) bad('county index');
        c += d;
        if (c >= n) bad('county index out of range');
        model.labels[c] = l;
      }
    }
  }
  const same = model.unchangedAll();
  for (let l = 0; l < model.states.length; l++) if (!same[l]) model.ensureColour(l);
  if (o.a !== undefined) {
    if (!Array.isArray(o.a) || o.a.length > 60 || !o.a.every(x => x && typeof x === 'object' && !Array.isArray(x))) bad('admitted states');
    model.admits = JSON.parse(JSON.stringify(o.a));
  }
  const bloc = b => {
    if (!Array.isArray(b) || typeof b[0] !== 'string' || !Array.isArray(b[1])) bad('bloc');
    const states = b[1].map(l => {
      if (typeof l === 'string') return l.slice(0, 60);
      if (!Number.isInteger(l) || l < 0 || l >= model.states.length) bad('bloc member');
      model.ensureColour(l);
      return model.refName(l);
    });
    return { name: b[0].slice(0, 60), states };
  };
  model.blocs = { secede: (o.s || []).map(bloc), coalition: (o.k || []).map(bloc) };
  if (typeof o.m === 'string') model.meta.name = o.m.slice(0, 60);
  if (typeof o.t === 'string') model.meta.title = o.t.slice(0, 200);
  if (typeof o.x === 'string') model.meta.description = o.x.slice(0, 1000);
  if (typeof o.p === 'string') model.basePreset = o.p.slice(0, 60);
  if (o.o) {
    const p = o.o;
    if (typeof p.m === 'string') model.options.method = p.m;
    if (Number.isInteger(p.h)) model.options.house_size = p.h;
    if (p.c === 2010 || p.c === 2020) model.options.census = p.c;
    if (['wyoming', 'cube-root'].includes(p.r)) model.options.house_rule = p.r;
    if (['proportional', 'district', 'npvic'].includes(p.e)) model.options.ec_rule = p.e;
    if (Array.isArray(p.y) && p.y.every(Number.isInteger)) model.options.election_years = p.y;
  }
}

/** The fragment for the model (without '#'). */
export async function encode(model) {
  const json = new TextEncoder().encode(JSON.stringify(toState(model)));
  if (canCompress) return `v${VERSION}.` + b64urlEncode(await pipe(json, new CompressionStream('deflate-raw')));
  return `v${VERSION}u.` + b64urlEncode(json);
}

/** Decodes a fragment into the model. Throws with a message a person can act on. */
export async function decode(model, fragment) {
  const m = /^v(\d+)(u?)\.(.*)$/s.exec(fragment);
  if (!m) throw new Error('the link does not hold a redraw map');
  const version = Number(m[1]);
  if (version > VERSION) throw new Error(`the link was made by a newer redraw (map format ${version}); this one reads format ${VERSION}`);
  if (version < 1) throw new Error('the link names an unknown format');
  let bytes = b64urlDecode(m[3]);
  if (!m[2]) {
    if (!canCompress) throw new Error('this browser cannot read compressed links');
    try {
      bytes = await pipe(bytes, new DecompressionStream('deflate-raw'));
    } catch {
      throw new Error('the link is damaged (cannot decompress it)');
    }
  }
  let o;
  try {
    o = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error('the link is damaged (not valid JSON)');
  }
  applyState(model, o);
}
