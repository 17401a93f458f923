// The ensemble and judge viewer in real headless Chromium: a small North Carolina ensemble drawn
// by `redraw ensemble`, its graph, the enacted 2022 plan and the VTD shapes copied under
// `--runs`; the viewer lists the run, judges the plan, and shows what `redraw judge` reports.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launch, cli, SHOTS } from '../lib/harness.mjs';

const DATA = process.env.REDRAW_DATA_DIR || join(process.cwd(), '..', '..', 'shared', 'data');
let server;
let browser;
let runs;

/** A small NC ensemble and what judging it needs, under a fresh runs directory. */
export function prepareRuns(dir) {
  const run = join(dir, 'nc-2022');
  const graph = join(DATA, 'graphs/bench/NC.json');
  cli(['ensemble', '--graph', graph, '--pop', 'TOTAL_POP', '--assignment', 'district', '--tol', '0.02', '--steps', '1000',
    '--chains', '2', '--seed', '11', '--election', 'COMP=DEM_VOTES,REP_VOTES', '--county-prefix', '5', '--out', run]);
  copyFileSync(graph, join(run, 'NC.json'));
  copyFileSync(join(DATA, 'plans/NC_cd_2022_vtds.csv'), join(run, 'NC_cd_2022_vtds.csv'));
  copyFileSync(join(DATA, 'shapes/NC_2020_vtd.topojson'), join(dir, 'NC_2020_vtd.topojson'));
}

before(async () => {
  // .ci/browser.sh starts one server with --runs for every test file (REDRAW_URL, REDRAW_RUNS);
  // alone, this file prepares its own runs directory and server.
  if (process.env.REDRAW_URL && process.env.REDRAW_RUNS) {
    runs = process.env.REDRAW_RUNS;
    server = { url: process.env.REDRAW_URL, stop: async () => {} };
  } else {
    runs = mkdtempSync(join(tmpdir(), 'redraw-e2e-runs-'));
    prepareRuns(runs);
    server = await startServer(['--runs', runs], { own: true });
  }
  browser = await launch({ width: 1280, height: 720 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('list runs, judge the enacted plan, show verdicts, plots and the map', async () => {
  const page = browser.context.pages()[0] || (await browser.context.newPage());
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  await page.click('#view-runs');
  await page.waitForSelector('#judge-run');
  assert.equal(await page.locator('#judge-run option:checked').innerText(), 'nc-2022');
  await page.selectOption('#judge-plan', 'nc-2022/NC_cd_2022_vtds.csv');
  await page.click('#judge-go');
  await page.waitForSelector('.verdicts-table', { timeout: 60_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#runs img.plot')].every(i => i.complete && i.naturalWidth > 0));
  const verdicts = await page.locator('.verdicts-table').innerText();
  // The verdicts are redraw judge's.
  const judged = JSON.parse(cli(['judge', '--graph', join(runs, 'nc-2022', 'NC.json'), '--plan', join(runs, 'nc-2022', 'NC_cd_2022_vtds.csv'), '--ensemble', join(runs, 'nc-2022'), '--shapes', join(runs, 'NC_2020_vtd.topojson'), '--format', 'json']));
  for (const m of judged.elections[0].metrics) assert.ok(verdicts.includes(m.verdict), m.verdict);
  assert.match(verdicts, new RegExp(`against ${judged.samples.toLocaleString('en-US')} ensemble plans`));
  const alts = await page.locator('#runs img.plot').evaluateAll(imgs => imgs.map(i => i.alt));
  assert.ok(alts.some(a => a.startsWith('Sorted district vote shares')), alts.join('\n'));
  assert.ok(alts.some(a => a.startsWith('Histograms')) && alts.some(a => a.startsWith('Trace plots')), alts.join('\n'));
  assert.ok(alts.some(a => a.startsWith('Map of the plan')), 'a map: the shapes are under --runs');
  // The districts table: one row per district, with the polygons' compactness as the CLI's.
  assert.equal(await page.locator('.districts-table tbody tr').count(), judged.districts.length);
  const districts = await page.locator('.districts-table').innerText();
  assert.match(districts, /Polsby-Popper/);
  for (const d of judged.districts) assert.ok(districts.includes(d.compactness.polsby_popper.toFixed(3)), `district ${d.district}`);
  // Provenance: the files judged, with their SHA-256 (as the CLI hashes them).
  await page.click('details.provenance-block summary');
  const prov = await page.locator('details.provenance-block').innerText();
  for (const f of judged.provenance.inputs.filter(f => f.role !== 'shapes')) assert.ok(prov.includes(f.sha256), f.role);
  await page.screenshot({ path: join(SHOTS, 'runs-1280x720.png') });
  await page.locator('#runs').screenshot({ path: join(SHOTS, 'runs-full.png') });
  assert.deepEqual(browser.problems, []);
});
