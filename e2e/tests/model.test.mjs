// The editor's model without a browser (Node runs the same ES module the page loads): the
// scenario file it writes reproduces its map exactly when redraw reads it back, for every preset
// and for random repaints; and the link codec gives back the same map.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/harness.mjs';
import { Model, tomlString } from '../../crates/redraw-server/assets/js/model.js';
import { encode, decode, toState } from '../../crates/redraw-server/assets/js/codec.js';

let server;
let geo;
let presets;

async function post(path, body) {
  const r = await fetch(new URL(path, server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) throw new Error(j.error);
  return j;
}

before(async () => {
  server = await startServer();
  geo = await (await fetch(new URL('/api/geometry', server.url))).json();
  presets = (await (await fetch(new URL('/api/presets', server.url))).json()).presets;
});

after(async () => { await server?.stop(); });

/** Each county's resulting state name, as redraw resolves `toml`. */
async function resolvedNames(toml) {
  const doc = await post('/api/resolve', { toml, file_name: 'generated.toml' });
  const r = doc.resolved;
  return { names: r.county_state.map(s => r.states[s].name), doc };
}

function modelNames(model) {
  return Array.from(model.labels, l => model.states[l].name);
}

test('TOML strings escape what TOML needs', () => {
  assert.equal(tomlString('Prince George\'s'), '"Prince George\'s"');
  assert.equal(tomlString('a "quoted" \\ name\n'), '"a \\"quoted\\" \\\\ name\\n"');
  assert.equal(tomlString('\u0001'), '"\\u0001"');
  assert.equal(tomlString('Doña Ana'), '"Doña Ana"');
});

test('every preset, rewritten by the editor, resolves to the same map', async () => {
  for (const p of presets) {
    const model = new Model(geo);
    model.loadResolved(await post('/api/resolve', { scenario: p.id }), p.toml, p.id);
    assert.equal(model.toToml(), p.toml, `${p.id}: an untouched preset exports as itself`);
    const want = modelNames(model);
    model.sourceToml = null;
    const generated = model.toToml();
    const { names, doc } = await resolvedNames(generated);
    assert.deepEqual(names, want, `${p.id}:\n${generated}`);
    const blocs = b => b.map(x => [x.name, x.members.map(m => doc.resolved.states[m].name)]);
    const mine = kind => model.blocs[kind].map(b => [b.name, b.states.map(n => model.states[model.labelByName(n)].name)]);
    assert.deepEqual(blocs(doc.resolved.seceded), mine('secede'), p.id);
    assert.deepEqual(blocs(doc.resolved.coalitions), mine('coalition'), p.id);
  }
});

test('merges, admitted territories and blocs naming them round-trip', async () => {
  const toml = [
    'name = "islands"', '', '[[merge]]', 'name = "Dakota"', 'abbr = "DK"', 'states = ["ND", "SD"]', '',
    '[[admit]]', 'territory = "PR"', 'lean = "D"', '',
    '[[admit]]', 'name = "Atlantis"', 'population = 2000000', 'land_sq_mi = 5000',
    'votes.2020 = { dem = 600000, rep = 550000, total = 1200000 }', '',
    '[[coalition]]', 'name = "Islands"', 'states = ["Puerto Rico", "HI", "Atlantis"]', '',
  ].join('\n');
  const model = new Model(geo);
  const doc = await post('/api/resolve', { toml, file_name: 'islands.toml' });
  model.loadResolved(doc, toml, null);
  assert.equal(model.admits.length, 2);
  model.sourceToml = null;
  const generated = model.toToml();
  assert.match(generated, /\[\[merge\]\]\nname = "Dakota"\nabbr = "DK"\nstates = \["ND", "SD"\]/);
  assert.match(generated, /votes\.2020 = \{ dem = 600000, rep = 550000, total = 1200000 \}/);
  const again = await post('/api/resolve', { toml: generated, file_name: 'generated.toml' });
  const names = d => d.resolved.states.map(s => [s.name, s.counties.length]).sort();
  assert.deepEqual(names(again), names(doc), generated);
  const bloc = d => d.resolved.coalitions.map(b => [b.name, b.members.map(m => d.resolved.states[m].name)]);
  assert.deepEqual(bloc(again), bloc(doc));
  // And through the link.
  const back = new Model(geo);
  await decode(back, await encode(model));
  assert.equal(back.toToml(), generated);
});

test('random repaints round-trip through the scenario file and the link', async () => {
  let seed = 12345;
  const rand = n => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let round = 0; round < 25; round++) {
    const model = new Model(geo);
    if (round % 3 === 1) model.loadResolved(await post('/api/resolve', { scenario: 'cal-3' }), null, 'cal-3');
    if (round % 3 === 2) model.loadResolved(await post('/api/resolve', { scenario: 'jefferson-1941' }), null, 'jefferson-1941');
    model.sourceToml = null;
    const fresh = [model.addState(`Test State ${round}`, `T${round}`), model.addState(`Other "${round}"`)];
    // Paint a connected-ish patch: a random county and some neighbours, into new or old states.
    for (let k = 0; k < 6; k++) {
      const c = rand(geo.counties.length);
      const patch = [c, ...geo.adjacency[c].slice(0, rand(4))];
      const target = k % 2 ? fresh[rand(2)] : rand(geo.states.length);
      model.paint(patch, target);
    }
    if (round % 4 === 0) model.blocs.secede.push({ name: 'Leavers', states: [model.refName(fresh[0])] });
    // A new state left empty is not written (it would be an error); drop it as the editor warns.
    for (const l of [...fresh].reverse()) if (!model.members(l).length) model.removeState(l);
    const want = modelNames(model);
    const toml = model.toToml();
    const { names } = await resolvedNames(toml);
    assert.deepEqual(names, want, `round ${round}:\n${toml}`);
    // The link gives back the same map, names, blocs and options.
    model.options.method = 'webster';
    model.options.house_size = 500;
    const frag = await encode(model);
    assert.match(frag, /^v1\./);
    const back = new Model(geo);
    await decode(back, frag);
    assert.deepEqual(modelNames(back), want, `round ${round}: link`);
    assert.deepEqual(toState(back), toState(model));
    assert.equal(back.toToml(), toml);
  }
});

test('damaged and future links are refused with a message', async () => {
  const model = new Model(geo);
  await assert.rejects(decode(model, 'v9.abc'), /newer redraw/);
  await assert.rejects(decode(model, 'hello'), /does not hold a redraw map/);
  await assert.rejects(decode(model, 'v1.!!!'), /damaged/);
  await assert.rejects(decode(model, 'v1u.' + Buffer.from('{"d":{"0":"zzzzzz"}}').toString('base64url')), /out of range/);
  await assert.rejects(decode(model, 'v1u.' + Buffer.from('{"n":[[1]]}').toString('base64url')), /damaged/);
  // The model is left at today's map.
  assert.deepEqual(modelNames(model), geo.counties.map(c => geo.states[c.state].name));
});
