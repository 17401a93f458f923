// Shared plumbing of the browser tests: start `redraw serve` on a free port (or use
// REDRAW_URL), launch Debian's Chromium through playwright-core with a fresh profile, and
// collect every console error and page error so a test can insist there were none.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REDRAW = process.env.REDRAW_BIN || join(ROOT, 'target', 'release', 'redraw');
export const SHOTS = process.env.REDRAW_SHOTS || join(ROOT, 'target', 'e2e-screenshots');
mkdirSync(SHOTS, { recursive: true });

/** Runs the CLI and returns its stdout (throws with stderr on failure). */
export function cli(args, opts = {}) {
  return execFileSync(REDRAW, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20, ...opts });
}

/** Starts `redraw serve --port 0 [extra]`, or uses the server at REDRAW_URL (as .ci/browser.sh
 * runs the tests) unless `own` is set; resolves to { url, stop }. */
export function startServer(extra = [], { own = false } = {}) {
  if (process.env.REDRAW_URL && !own) return Promise.resolve({ url: process.env.REDRAW_URL, stop: async () => {} });
  return new Promise((res, rej) => {
    const child = spawn(REDRAW, ['serve', '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill(); rej(new Error(`redraw serve did not start: ${err}`)); }, 30_000);
    child.stdout.on('data', d => {
      out += d;
      const m = /redraw serve: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res({
          url: m[1],
          child,
          stderr: () => err,
          stop: () => new Promise(done => { child.once('exit', done); child.kill('SIGINT'); setTimeout(() => child.kill('SIGKILL'), 5000); }),
        });
      }
    });
    child.stderr.on('data', d => { err += d; });
    child.on('exit', code => { clearTimeout(timer); rej(new Error(`redraw serve exited (${code}): ${err}`)); });
  });
}

export const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Launches Chromium with a fresh profile directory; resolves to { context, close }. */
export async function launch(viewport = { width: 1280, height: 720 }, opts = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'redraw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: LAUNCH_ARGS,
    viewport,
    deviceScaleFactor: 1,
    acceptDownloads: true,
    ...opts,
  });
  const problems = [];
  const watch = page => {
    page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

/** Opens the app and waits until it has drawn the map and the panel. */
export async function openApp(context, url) {
  const page = context.pages()[0] || (await context.newPage());
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60_000 });
  await waitRendered(page);
  return page;
}

/** Waits until the panel shows the model's current version. */
export async function waitRendered(page, timeout = 30_000) {
  await page.waitForFunction(() => {
    const r = window.redraw;
    return r && r.model && Number(document.body.dataset.rendered) === r.model.version && !r.evaluating;
  }, null, { timeout });
}
