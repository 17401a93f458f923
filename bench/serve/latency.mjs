// Repaint-to-panel latency in real headless Chromium: load Cal 3, then repaint Kern County
// between Southern California and California 200 times (alternating brushes), waiting for each
// repaint to show before the next. The app timestamps every change of its map and, when the
// panel has rendered the evaluation of that change, records the time to the next animation
// frame (the panel drawn on screen). Prints p50 / p95 / max over the 200 repaints.
//
//   node bench/serve/latency.mjs            (starts target/release/redraw serve itself)
//   REDRAW_URL=http://127.0.0.1:8642/ node bench/serve/latency.mjs

import { startServer, launch, openApp, waitRendered } from '../../e2e/lib/harness.mjs';

const N = Number(process.env.REPAINTS || 200);
const server = await startServer();
const browser = await launch({ width: 1280, height: 720 });
try {
  const page = await openApp(browser.context, server.url);
  await page.selectOption('#preset', 'cal-3');
  await page.waitForFunction(() => window.redraw.model.basePreset === 'cal-3');
  await waitRendered(page);
  const point = await page.evaluate(() => {
    const { geo, map } = window.redraw;
    const c = geo.counties.find(x => x.fips === '06029');
    const q = map.svg.createSVGPoint();
    [q.x, q.y] = geo.features[c.feature].centre;
    const s = q.matrixTransform(map.svg.getScreenCTM());
    return { x: s.x, y: s.y };
  });
  // Warm up (JIT, caches), then measure.
  const brushes = ['California', 'Southern California'];
  const repaint = async i => {
    await page.click(`#brushes li[data-name="${brushes[i % 2]}"] button.pick`);
    await page.mouse.click(point.x, point.y);
    await waitRendered(page);
  };
  for (let i = 0; i < 10; i++) await repaint(i);
  await page.evaluate(() => {
    const m = window.redraw.metrics;
    m.latencies.length = 0;
    m.phases.length = 0;
    m.changes = [];
  });
  for (let i = 0; i < N; i++) await repaint(i);
  await page.waitForTimeout(100);
  const ms = (await page.evaluate(() => window.redraw.metrics.latencies.slice())).sort((a, b) => a - b);
  const q = p => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  console.log(`repaints measured: ${ms.length} (of ${N})`);
  console.log(`repaint-to-panel latency: p50 ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms, mean ${mean.toFixed(1)} ms`);
  const { phases, changes } = await page.evaluate(() => ({ phases: window.redraw.metrics.phases, changes: window.redraw.metrics.changes }));
  const med = xs => { const v = xs.slice().sort((a, b) => a - b); return v[Math.floor(v.length / 2)]; };
  const p95 = xs => { const v = xs.slice().sort((a, b) => a - b); return v[Math.min(v.length - 1, Math.floor(0.95 * v.length))]; };
  const show = (name, xs) => `${name} ${med(xs).toFixed(1)} / ${p95(xs).toFixed(1)}`;
  console.log(`where the time goes (median / p95 ms): ${show('map+palette redraw', changes)}, ${show('scenario file', phases.map(p => p.toml))}, ${show('POST /api/evaluate', phases.map(p => p.evaluate))}, ${show('panel render', phases.map(p => p.render))}`);
  if (browser.problems.length) console.log('browser problems:', browser.problems);
} finally {
  await browser.close();
  await server.stop();
}
