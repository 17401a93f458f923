// Numbers as people read them.

export const int = v => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));

export function signed(v, digits = 0) {
  if (v == null || !Number.isFinite(v)) return '';
  const r = Number(v.toFixed(digits));
  if (r === 0) return '0';
  return (r > 0 ? '+' : '−') + Math.abs(r).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A margin in percentage points as D+3.2 / R+10.0. */
export function margin(m) {
  if (m == null || !Number.isFinite(m)) return '—';
  return `${m > 0 ? 'D' : 'R'}+${Math.abs(m).toFixed(1)}`;
}

export const bn = usd => (usd == null ? '—' : (usd / 1e9).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }));

export const pct = (v, digits = 1) => (v == null || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(digits)} %`);

export const fixed = (v, digits) => (v == null || !Number.isFinite(v) ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

export function millions(p) {
  return p >= 1e6 ? `${(p / 1e6).toFixed(1)} M` : `${Math.round(p / 1e3)} k`;
}

export const METHODS = [
  ['huntington-hill', 'Huntington-Hill (the law)'],
  ['webster', 'Webster'],
  ['hamilton', 'Hamilton'],
  ['jefferson', 'Jefferson'],
  ['adams', 'Adams'],
  ['dean', 'Dean'],
];
