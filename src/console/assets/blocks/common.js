// Small helpers every block shares: reading its string-typed properties and formatting values.
import { html } from '../lib/html.js';

/** Properties arrive as strings ("true", "0.5") or, from some clients, as real booleans and numbers. */
export function bool(v, dflt = false) {
  if (v === undefined || v === null || v === '') return dflt;
  if (typeof v === 'boolean') return v;
  return ['true', 'yes', '1', 'on'].includes(String(v).trim().toLowerCase());
}

export function num(v, dflt) {
  if (v === undefined || v === null || v === '') return dflt;
  const n = Number(v);
  return Number.isFinite(n) ? n : dflt;
}

export function text(v, dflt = '') {
  return v === undefined || v === null ? dflt : String(v);
}

/** A value for display: numbers rounded to `decimalPlaces` when given, anything else as it came. */
export function formatValue(value, props) {
  if (value === undefined || value === null) return '';
  const places = num(props?.decimalPlaces, undefined);
  const n = Number(value);
  if (places !== undefined && String(value).trim() !== '' && Number.isFinite(n)) return n.toFixed(Math.max(0, Math.min(10, places)));
  return String(value);
}

/** Whether a feed value reads as "on": anything but empty, 0, off, false, no, low. */
export function truthy(value) {
  if (value === undefined || value === null) return false;
  const s = String(value).trim().toLowerCase();
  return !['', '0', 'off', 'false', 'no', 'low'].includes(s) && !(Number.isFinite(Number(s)) && Number(s) === 0);
}

/**
 * A condition as the hosted indicator writes it: an operator and an operand ("> 50", "= on", "<= 3.5");
 * numbers compare as numbers, anything else as text. No operator means equality.
 */
export function matches(value, condition) {
  const m = /^\s*(<=|>=|!=|==|=|<|>)?\s*(.*?)\s*$/.exec(String(condition ?? ''));
  if (!m || m[2] === '') return null;
  const op = m[1] ?? '=';
  const a = Number(value);
  const b = Number(m[2]);
  const numeric = String(value ?? '').trim() !== '' && Number.isFinite(a) && Number.isFinite(b);
  const [l, r] = numeric ? [a, b] : [String(value ?? ''), m[2]];
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
    case '!=':
      return l !== r;
    default:
      return l === r;
  }
}

/** The fraction of [min, max] a value sits at, clamped to 0..1 (0 for no value). */
export function fraction(value, min, max) {
  const n = Number(value);
  if (!Number.isFinite(n) || max === min) return 0;
  return Math.min(1, Math.max(0, (n - min) / (max - min)));
}

/** A colour property only when it is a colour (so a property cannot inject other CSS). */
export function color(v, dflt) {
  const s = text(v).trim();
  if (/^#[0-9a-f]{3,8}$/i.test(s) || /^[a-z]{3,20}$/i.test(s) || /^(rgb|hsl)a?\([\d\s.,%]+\)$/i.test(s)) return s;
  return dflt;
}

/** Shown instead of a value when a block's feed has none yet. */
export const NoValue = () => html`<span class="block-empty">no value yet</span>`;
