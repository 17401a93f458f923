// The state-line editor in real headless Chromium: pick Cal 3, repaint a Southern California
// county into California, check the panel against `redraw scenario` on the exported file,
// reload from the link; plus keyboard painting, undo/redo, box painting, import, the SVG
// download, neutral splits with cancellation, and screenshots at desktop and phone size.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, openApp, waitRendered, cli, SHOTS } from '../lib/harness.mjs';

let server;
let browser;
let page;
const work = mkdtempSync(join(tmpdir(), 'redraw-e2e-'));
const KERN = '06029'; // Southern California under Cal 3, next to Los Angeles and Ventura

before(async () => {
  server = await startServer();
  browser = await launch({ width: 1280, height: 720 });
  page = await openApp(browser.context, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Clicks a county at a point inside it (its label point), as a person would. */
async function clickCounty(p, fips, opts = {}) {
  const pt = await p.evaluate(f => {
    const { geo, map } = window.redraw;
    const c = geo.counties.find(x => x.fips === f);
    const [x, y] = geo.features[c.feature].centre;
    const m = map.svg.getScreenCTM();
    const q = map.svg.createSVGPoint();
    q.x = x;
    q.y = y;
    const s = q.matrixTransform(m);
    return { x: s.x, y: s.y };
  }, fips);
  await p.mouse.click(pt.x, pt.y, opts);
}

async function labelOf(p, fips) {
  return p.evaluate(f => {
    const { geo, model } = window.redraw;
    const c = geo.counties.findIndex(x => x.fips === f);
    return model.states[model.labels[c]].name;
  }, fips);
}

/** The number in a text like "12,345,678". */
/** What `POST /api/evaluate` with `view: "panel"` leaves of a full report (docs/api.md): every
 * figure but the states' industry sectors, per-rule electors and votes, and the national sectors
 * and popular votes. The panel's report must equal the CLI's report cut the same way. */
function panelView(full) {
  const r = structuredClone(full);
  for (const side of [r.baseline, r.scenario]) {
    for (const s of side.states) {
      if (s.economy) delete s.economy.sectors;
      for (const e of s.elections || []) { delete e.by_rule; delete e.votes; }
    }
    if (side.economy) delete side.economy.sectors;
    for (const e of side.elections || []) delete e.popular;
  }
  return r;
}

const num = s => Number(String(s).replace(/[^0-9.-]/g, ''));

async function panelState(p, name) {
  const card = p.locator(`#panel article.statecard[data-state="${name}"]`);
  const cell = field => card.locator(`tr[data-field="${field}"] td`).first().innerText();
  return { population: num(await cell('population')), house: num(await cell('house_seats')), ev: num(await cell('electoral_votes')) };
}

async function exportToml(p) {
  const [download] = await Promise.all([p.waitForEvent('download'), p.click('#export-toml')]);
  const path = join(work, download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

test('Cal 3, one county repainted, panel equals the CLI, link reloads', async () => {
  await page.selectOption('#preset', 'cal-3');
  await page.waitForFunction(() => window.redraw.model.basePreset === 'cal-3');
  await waitRendered(page);
  assert.equal(await labelOf(page, KERN), 'Southern California');
  // Unchanged preset: the export is the preset's own file, comments and all.
  const pristine = readFileSync(await exportToml(page), 'utf8');
  assert.equal(pristine, cli(['scenario', 'cal-3', '--export', '-']));

  // Paint with California (the part that keeps the state's name) and repaint Kern.
  await page.click('#brushes li[data-name="California"] button.pick');
  await clickCounty(page, KERN);
  await waitRendered(page);
  assert.equal(await labelOf(page, KERN), 'California');
  await page.evaluate(() => { document.querySelector('.mapcol').scrollTo(0, 0); document.querySelector('.panelcol').scrollTo(0, 0); });
  await page.screenshot({ path: join(SHOTS, 'editor-1280x720.png') });

  // The exported file, evaluated by the CLI, gives the figures the panel shows.
  const tomlPath = await exportToml(page);
  const toml = readFileSync(tomlPath, 'utf8');
  assert.match(toml, /\[\[split\]\]\nstate = "CA"/);
  // Kern left Southern California's list; California keeps the rest of the state.
  const socList = toml.split('name = "Southern California"')[1].split('[[split.part]]')[0];
  assert.ok(!socList.includes('"Kern"') && socList.includes('"Orange"'), socList);
  assert.match(toml, /name = "California"\nrest = true\n/);
  const report = JSON.parse(cli(['scenario', tomlPath, '--format', 'json']));
  for (const name of ['Northern California', 'California', 'Southern California']) {
    const cliState = report.scenario.states.find(s => s.name === name);
    const shown = await panelState(page, name);
    assert.equal(shown.population, cliState.population, `${name} population`);
    assert.equal(shown.house, cliState.house_seats, `${name} House seats`);
    assert.equal(shown.ev, cliState.electoral_votes, `${name} electoral votes`);
  }
  const ca = report.scenario.states.find(s => s.name === 'California');
  const kern = 909_235; // Kern County, 2020 census
  const before = JSON.parse(cli(['scenario', 'cal-3', '--format', 'json'])).scenario.states.find(s => s.name === 'California');
  assert.equal(ca.population, before.population + kern, 'California gained exactly Kern');
  const e24 = report.scenario.elections.find(e => e.year === 2024);
  const ecRow = await page.locator('#panel tr[data-field="ec_2024"] td').nth(1).innerText();
  assert.equal(ecRow, `D ${e24.electoral_votes_dem} – R ${e24.electoral_votes_rep} (${e24.winner})`);
  // The whole report behind the panel is the CLI's, byte for byte.
  assert.deepEqual(await page.evaluate(() => window.redraw.report), panelView(report));

  // The link holds the map: a fresh page on it shows the same map and figures.
  await page.waitForFunction(() => location.hash.startsWith('#v1.') && window.redraw.model.version > 0);
  await page.waitForTimeout(400); // the link is written 250 ms after the last change
  const url = page.url();
  assert.ok(url.length < 2000, `a compact link (${url.length} characters)`);
  const fresh = await browser.context.newPage();
  await fresh.goto(url);
  await fresh.waitForFunction(() => document.body.dataset.ready === 'true');
  await waitRendered(fresh);
  assert.equal(await labelOf(fresh, KERN), 'California');
  assert.deepEqual(await fresh.evaluate(() => window.redraw.report), panelView(report));
  assert.equal(await fresh.evaluate(() => window.redraw.model.toToml()), toml);
  await fresh.close();
});

test('undo, redo, keyboard painting and box painting', async () => {
  await page.bringToFront();
  const v0 = await page.evaluate(() => window.redraw.model.version);
  await page.click('#undo');
  await waitRendered(page);
  assert.equal(await labelOf(page, KERN), 'Southern California', 'undo puts Kern back');
  await page.click('#redo');
  await waitRendered(page);
  assert.equal(await labelOf(page, KERN), 'California', 'redo repaints it');
  assert.ok((await page.evaluate(() => window.redraw.model.version)) > v0);

  // Keyboard only: focus the map, pick the first state on the palette with "1", walk with
  // the arrows, paint with Space, undo with Ctrl+Z.
  await page.focus('#map');
  await page.keyboard.press('1');
  const brush = await page.evaluate(() => document.querySelector('#brushes li.on')?.dataset.name);
  assert.ok(brush, 'a brush is selected');
  for (const k of ['ArrowRight', 'ArrowRight', 'ArrowDown']) await page.keyboard.press(k);
  const cursor = await page.evaluate(() => {
    const { map, geo, model } = window.redraw;
    const c = geo.features[map.cursor].counties[0];
    return { fips: geo.counties[c].fips, label: model.states[model.labels[c]].name };
  });
  await page.keyboard.press('Space');
  await waitRendered(page);
  assert.equal(await labelOf(page, cursor.fips), brush);
  const status = await page.locator('#status').innerText();
  assert.match(status, new RegExp(`in ${brush}`), 'the status line reads out the county and its state');
  await page.keyboard.press('Control+z');
  await waitRendered(page);
  assert.equal(await labelOf(page, cursor.fips), cursor.label);

  // Box: Shift-drag over central Nevada paints every county whose centre is inside.
  await page.selectOption('#zoomto', { label: 'Nevada' });
  await page.click('#add-state');
  await page.fill('#brushes form.rename input[aria-label="State name"]', 'Great Basin');
  await page.fill('#brushes form.rename input.abbr-input', 'GB');
  await page.click('#brushes form.rename button[type="submit"]');
  await page.waitForSelector('#brushes li[data-name="Great Basin"]');
  // From Pershing's label point to Nye's: central Nevada, nothing of California.
  const screen = f => page.evaluate(fips => {
    const { geo, map } = window.redraw;
    const c = geo.counties.find(x => x.fips === fips);
    const q = map.svg.createSVGPoint();
    [q.x, q.y] = geo.features[c.feature].centre;
    const s = q.matrixTransform(map.svg.getScreenCTM());
    return { x: s.x, y: s.y };
  }, f);
  const a = await screen('32027');
  const b = await screen('32023');
  await page.keyboard.down('Shift');
  await page.mouse.move(Math.min(a.x, b.x) - 4, Math.min(a.y, b.y) - 4);
  await page.mouse.down();
  await page.mouse.move(Math.max(a.x, b.x) + 4, Math.max(a.y, b.y) + 4, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await waitRendered(page);
  const painted = await page.evaluate(() => window.redraw.model.members(window.redraw.model.labelByName('Great Basin')).length);
  assert.ok(painted >= 3, `the box painted ${painted} counties`);
  const toml = await page.evaluate(() => window.redraw.model.toToml());
  // Nevada's own counties only: a split of Nevada, the rest staying Nevada.
  assert.match(toml, /\[\[split\]\]\nstate = "NV"\n\n\[\[split\.part\]\]\nname = "Great Basin"\nabbr = "GB"\ncounties = /);
  assert.match(toml, /name = "Nevada"\nrest = true/);
  const warnings = await page.locator('#map-warnings li').allInnerTexts();
  assert.ok(warnings.some(w => /Great Basin has .* people, \d+ % of an average House seat/.test(w)), warnings.join('\n'));
  await page.screenshot({ path: join(SHOTS, 'editor-box-nevada.png') });
  // One undo removes the whole box.
  await page.click('#undo');
  await waitRendered(page);
  assert.equal(await page.evaluate(() => window.redraw.model.members(window.redraw.model.labelByName('Great Basin')).length), 0);
});

test('import a scenario file, download the map as redraw map draws it', async () => {
  const file = join(work, 'idaho-and-jefferson.toml');
  writeFileSync(file, '# mine\nname = "mine"\ntitle = "Greater Idaho and Jefferson"\n\n[[new_state]]\nname = "Jefferson"\nabbr = "JF"\ncounties.OR = ["Curry", "Josephine"]\ncounties.CA = ["Del Norte", "Siskiyou"]\n\n[[move]]\nto = "ID"\ncounties.OR = ["Malheur", "Harney"]\n');
  await page.setInputFiles('#import-toml', file);
  await page.waitForFunction(() => window.redraw.model.meta.name === 'mine');
  await waitRendered(page);
  assert.equal(await labelOf(page, '41045'), 'Idaho'); // Malheur
  assert.equal(await labelOf(page, '06093'), 'Jefferson'); // Siskiyou
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-svg')]);
  const svgPath = join(work, 'download.svg');
  await download.saveAs(svgPath);
  const cliSvg = join(work, 'cli.svg');
  cli(['map', file, '-o', cliSvg]);
  assert.equal(readFileSync(svgPath, 'utf8'), readFileSync(cliSvg, 'utf8'), 'the download is redraw map\'s file');
  // A broken file is refused with the CLI's message, and the map stays.
  const bad = join(work, 'broken.toml');
  writeFileSync(bad, 'name = "x"\n[[move]]\nto = "ID"\ncounties.OR = ["Malhuer"]\n');
  const seen = browser.problems.length;
  await page.setInputFiles('#import-toml', bad);
  await page.waitForSelector('#toast.show.error');
  // The browser logs the refused request (400) to the console; that one is expected.
  await page.waitForTimeout(100);
  const logged = browser.problems.splice(seen);
  assert.ok(logged.every(m => m.includes('status of 400')), logged.join('\n'));
  assert.match(await page.locator('#toast').innerText(), /broken\.toml line 4: .*Malheur/);
  assert.equal(await page.evaluate(() => window.redraw.model.meta.name), 'mine');
});

test('move, merge, secede, coalition, method and House size', async () => {
  await page.selectOption('#preset', '');
  await page.waitForFunction(() => window.redraw.model.basePreset === null && !window.redraw.model.states.some((s, l) => window.redraw.model.colourOf(l)));
  await waitRendered(page);
  await page.click('#ops summary');
  // Move Malheur County into Idaho.
  await page.fill('#move-county', 'Malheur County, OR');
  await page.selectOption('#move-to', { label: 'Idaho' });
  await page.click('#move-form button[type="submit"]');
  await waitRendered(page);
  assert.equal(await labelOf(page, '41045'), 'Idaho');
  // North and South Dakota merge into Dakota; Puerto Rico is admitted.
  await page.fill('#merge-states', 'ND, SD');
  await page.fill('#merge-name', 'Dakota');
  await page.fill('#merge-abbr', 'DK');
  await page.click('#merge-form button[type="submit"]');
  await waitRendered(page);
  assert.equal(await labelOf(page, '46099'), 'Dakota'); // Minnehaha SD
  assert.equal(await labelOf(page, '38017'), 'Dakota'); // Cass ND
  await page.selectOption('#admit-territory', 'PR');
  await page.selectOption('#admit-lean', 'D');
  await page.click('#admit-form button[type="submit"]');
  await waitRendered(page);
  // The West Coast leaves; the Four Corners act together.
  const bloc = async (name, states, kind) => {
    await page.fill('#bloc-name', name);
    await page.fill('#bloc-states', states);
    await page.check(`input[name="bloc-kind"][value="${kind}"]`);
    await page.click('#bloc-form button[type="submit"]');
    await waitRendered(page);
  };
  await bloc('West Coast', 'CA, OR, WA', 'secede');
  await bloc('Four Corners', 'AZ, NM, CO, UT', 'coalition');
  // Seats by Webster for a House of 600.
  await page.selectOption('#opt-method', 'webster');
  await page.fill('#opt-house', '600');
  await page.press('#opt-house', 'Enter');
  await page.waitForFunction(() => window.redraw.report?.scenario.house_size === 600);
  await waitRendered(page);
  const tomlPath = await exportToml(page);
  const toml = readFileSync(tomlPath, 'utf8');
  assert.match(toml, /\[\[move\]\]\nto = "ID"\ncounties\.OR = \["Malheur"\]/);
  assert.match(toml, /\[\[merge\]\]\nname = "Dakota"\nabbr = "DK"\nstates = \["ND", "SD"\]/);
  assert.match(toml, /\[\[admit\]\]\nterritory = "PR"\nlean = "D"\n/);
  assert.match(toml, /\[\[secede\]\]\nname = "West Coast"\nstates = \["CA", "OR", "WA"\]/);
  assert.match(toml, /\[\[coalition\]\]\nname = "Four Corners"\nstates = \["AZ", "NM", "CO", "UT"\]/);
  const report = JSON.parse(cli(['scenario', tomlPath, '--method', 'webster', '--house-size', '600', '--format', 'json']));
  assert.deepEqual(await page.evaluate(() => window.redraw.report), panelView(report));
  assert.equal(report.scenario.union_states, 47, '50 - 1 (the Dakotas merge) + Puerto Rico - the West Coast');
  const blocs = await page.locator('#panel .p-blocs').innerText();
  assert.match(blocs, /West Coast\s+seceded/);
  assert.match(blocs, /Four Corners\s+coalition/);
  assert.match(await page.locator('#panel [data-test="kpi-house"]').innerText(), /600\s+House seats\s+Webster/);
  const cards = await page.locator('#panel .cards').innerText();
  assert.match(cards, /DK\s+Dakota\s+new state/);
  assert.match(cards, /PR\s+Puerto Rico/);
  await page.evaluate(() => { document.querySelector('.mapcol').scrollTo(0, 0); });
  await page.click('#zoomfit');
  await page.screenshot({ path: join(SHOTS, 'editor-operations.png') });
  await page.click('#ops summary');
  await page.selectOption('#opt-method', 'huntington-hill');
  await page.fill('#opt-house', '435');
  await page.press('#opt-house', 'Enter');
  await waitRendered(page);
});

test('neutral splits run with progress, place the map, and can be cancelled', async () => {
  await page.selectOption('#preset', 'cal-3');
  await page.waitForFunction(() => window.redraw.model.basePreset === 'cal-3');
  await waitRendered(page);
  await page.click('#tab-splits');
  await page.waitForSelector('#split-state');
  assert.equal(await page.locator('#split-state option:checked').innerText(), 'California into 3 parts');
  // Cancel a long job.
  await page.fill('#split-samples', '20000');
  await page.click('#split-run');
  await page.waitForSelector('#splits .progress progress');
  await page.click('#split-cancel');
  await page.waitForSelector('#splits .split-results p', { state: 'visible' });
  assert.match(await page.locator('#splits .split-results').innerText(), /Cancelled/);
  // A short job runs to the end and marks the map.
  await page.fill('#split-samples', '400');
  await page.click('#split-run');
  await page.waitForSelector('#splits .split-table', { timeout: 60_000 });
  const text = await page.locator('#splits .split-results').innerText();
  assert.match(text, /400 neutral samples/);
  assert.match(text, /Your map/);
  const imgs = await page.locator('#splits img.plot').count();
  assert.ok(imgs >= 8, `${imgs} histograms`);
  await page.waitForFunction(() => [...document.querySelectorAll('#splits img.plot')].every(i => i.complete && i.naturalWidth > 0));
  await page.screenshot({ path: join(SHOTS, 'splits-1280x720.png') });
  await page.click('#tab-results');
});

test('phone-sized screen', async () => {
  const phone = await browser.context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(page.url());
  await phone.waitForFunction(() => document.body.dataset.ready === 'true');
  await waitRendered(phone);
  // Nothing wider than the screen.
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the page is ${overflow}px wider than the phone`);
  await phone.screenshot({ path: join(SHOTS, 'editor-390x844.png') });
  await phone.screenshot({ path: join(SHOTS, 'editor-390x844-full.png'), fullPage: true });
  await phone.close();
});

test('no errors in the console', () => {
  assert.deepEqual(browser.problems, []);
});
