// A worker that asks the server for the scenario report and reads it off the page's thread: the
// report is the full `redraw scenario --format json` document (about 700 kB with every state's
// industries and every allocation rule), and parsing it on the page's thread would hold up the
// map. The page gets the parts the panel draws, and the exact text for anyone who wants it.

/** The report without what the panel never shows: per-state industry sectors and votes, and
 * per-state electors under every rule (the national figures under every rule stay). */
function slim(report) {
  for (const side of [report.baseline, report.scenario]) {
    if (!side) continue;
    for (const s of side.states || []) {
      if (s.economy) delete s.economy.sectors;
      for (const e of s.elections || []) {
        delete e.by_rule;
        delete e.votes;
      }
    }
    if (side.economy) delete side.economy.sectors;
    for (const e of side.elections || []) delete e.popular;
  }
  return report;
}

self.onmessage = async ({ data: { id, body } }) => {
  try {
    const r = await fetch('/api/evaluate', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) {
      let message = `${r.status} ${r.statusText}`;
      try { message = JSON.parse(text).error || message; } catch { /* not JSON */ }
      self.postMessage({ id, error: message, status: r.status });
      return;
    }
    self.postMessage({ id, text, report: slim(JSON.parse(text)) });
  } catch (e) {
    self.postMessage({ id, error: `cannot reach the server: ${e.message}`, status: 0 });
  }
};
