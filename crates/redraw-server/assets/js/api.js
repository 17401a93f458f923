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

export const api = {
  info: () => getJson('/api/info'),
  geometry: () => getJson('/api/geometry'),
  presets: () => getJson('/api/presets').then(d => d.presets),
  resolve: body => postJson('/api/resolve', body).then(r => r.json()),
  // The panel's view of the report: every figure it shows, compact (docs/api.md).
  evaluate: (body, signal) => postJson('/api/evaluate', { ...body, view: 'panel' }, { signal }).then(r => r.json()),
  mapSvg: body => postJson('/api/map.svg', body).then(r => r.text()),
  startSplit: body => postJson('/api/splits', body).then(r => r.json()),
  cancelSplit: id => fetch(`/api/splits/${id}`, { method: 'DELETE' }),
  runs: () => getJson('/api/runs'),
  judge: body => postJson('/api/judge', body).then(r => r.json()),
};
