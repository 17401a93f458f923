// The JSON API (docs/api.md). Errors carry the server's message.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function answer(r) {
  if (r.ok) return r;
  let message = `${r.status} ${r.statusText}`;
  try {
    const j = await r.json();
    if (j && j.error) message = j.error;
  } catch { /* not JSON */ }
  throw new ApiError(r.status, message);
}

export async function getJson(path, opts = {}) {
  const r = await answer(await fetch(path, { headers: { accept: 'application/json' }, ...opts }));
  return r.json();
}

export async function postJson(path, body, opts = {}) {
  const r = await answer(await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    ...opts,
  }));
  return r;
}

/** `POST /api/evaluate` through a worker (see evaluator.js): resolves to `{ report, text }`, the
 * report slimmed to what the panel draws and the exact text the server sent. */
const evaluator = {
  worker: null,
  next: 0,
  waiting: new Map(),
  ask(body) {
    if (!this.worker) {
      this.worker = new Worker('/assets/js/evaluator.js', { type: 'module' });
      this.worker.onmessage = ({ data }) => {
        const w = this.waiting.get(data.id);
        if (!w) return;
        this.waiting.delete(data.id);
        if (data.error != null) w.reject(new ApiError(data.status, data.error));
        else w.resolve({ report: data.report, text: data.text });
      };
    }
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, body });
    });
  },
};

export const api = {
  info: () => getJson('/api/info'),
  geometry: () => getJson('/api/geometry'),
  presets: () => getJson('/api/presets').then(d => d.presets),
  resolve: body => postJson('/api/resolve', body).then(r => r.json()),
  evaluate: body => evaluator.ask(body),
  mapSvg: body => postJson('/api/map.svg', body).then(r => r.text()),
  startSplit: body => postJson('/api/splits', body).then(r => r.json()),
  cancelSplit: id => fetch(`/api/splits/${id}`, { method: 'DELETE' }),
  runs: () => getJson('/api/runs'),
  judge: body => postJson('/api/judge', body).then(r => r.json()),
};
