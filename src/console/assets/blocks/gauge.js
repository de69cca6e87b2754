// Output blocks that show one number against a range: the round gauge, the line gauge and the battery.
// Colours go through style (CSS), not SVG attributes, because attributes cannot read the theme's CSS variables.
import { html } from '../lib/html.js';
import { color, formatValue, fraction, num, text } from './common.js';

function range(props, dmin = 0, dmax = 100) {
  const min = num(props.minValue ?? props.min, dmin);
  const max = num(props.maxValue ?? props.max, dmax);
  return max > min ? { min, max } : { min: dmin, max: dmax };
}

/** The colour of a value: warning colour below minWarning or above maxWarning, the normal one otherwise. */
function levelColor(value, props) {
  const n = Number(value);
  const low = num(props.minWarning, undefined);
  const high = num(props.maxWarning, undefined);
  if (Number.isFinite(n) && ((low !== undefined && n <= low) || (high !== undefined && n >= high))) return 'var(--block-warn)';
  return color(props.fillColor, 'var(--block-accent)');
}

function meterAttrs(label, value, min, max, props) {
  const n = Number(value);
  const has = value !== undefined && value !== null && String(value).trim() !== '' && Number.isFinite(n);
  return {
    role: 'meter',
    'aria-label': label,
    'aria-valuemin': String(min),
    'aria-valuemax': String(max),
    ...(has ? { 'aria-valuenow': String(n), 'aria-valuetext': formatValue(value, props) } : { 'aria-valuetext': 'no value' }),
  };
}

/** A 240° arc from min to max, `ringWidth` thick (in hundredths of the radius, as the hosted gauge takes it). */
export function Gauge({ props, value, label }) {
  const { min, max } = range(props);
  const f = fraction(value, min, max);
  const ring = Math.min(45, Math.max(4, num(props.ringWidth, 25) * 0.6));
  const r = 50 - ring / 2;
  const start = (150 * Math.PI) / 180;
  const sweep = (240 * Math.PI) / 180;
  const pt = (a) => `${(60 + r * Math.cos(a)).toFixed(2)} ${(60 + r * Math.sin(a)).toFixed(2)}`;
  const arc = (to) => `M ${pt(start)} A ${r} ${r} 0 ${to - start > Math.PI ? 1 : 0} 1 ${pt(to)}`;
  const shown = formatValue(value, props);
  return html`<div class="gauge" ...${meterAttrs(label, value, min, max, props)}>
    <svg viewBox="0 0 120 110" aria-hidden="true">
      <path class="gauge-track" d=${arc(start + sweep)} stroke-width=${ring} fill="none" />
      ${f > 0 ? html`<path d=${arc(start + sweep * f)} style=${{ stroke: levelColor(value, props) }} stroke-width=${ring} fill="none" />` : null}
      <text x="60" y="66" text-anchor="middle" class="gauge-value">${shown === '' ? '–' : shown}</text>
      <text x="22" y="104" text-anchor="middle" class="gauge-end">${min}</text>
      <text x="98" y="104" text-anchor="middle" class="gauge-end">${max}</text>
    </svg>
    ${props.label ? html`<div class="gauge-label">${text(props.label)}</div>` : null}
  </div>`;
}

/** A horizontal bar filled to the value. */
export function LineGauge({ props, value, label }) {
  const { min, max } = range(props);
  const f = fraction(value, min, max);
  const shown = formatValue(value, props);
  const fill = { width: `${(f * 100).toFixed(1)}%`, background: levelColor(value, props) };
  return html`<div class="line-gauge" ...${meterAttrs(label, value, min, max, props)}>
    <div class="line-gauge-value">${shown === '' ? '–' : shown}</div>
    <div class="line-gauge-track"><div class="line-gauge-fill" style=${fill}></div></div>
    <div class="line-gauge-ends"><span>${min}</span><span>${max}</span></div>
  </div>`;
}

/** A battery drawn filled to the value's share of min..max (0–100 by default), red when low. */
export function Battery({ props, value, label }) {
  const { min, max } = range(props);
  const f = fraction(value, min, max);
  const pct = Math.round(f * 100);
  const low = num(props.minWarning, min + (max - min) * 0.2);
  const fillColor = Number(value) <= low ? 'var(--block-warn)' : color(props.fillColor, 'var(--block-ok)');
  const has = value !== undefined && value !== null && String(value).trim() !== '';
  return html`<div class="battery" ...${meterAttrs(label, value, min, max, props)}>
    <svg viewBox="0 0 110 50" aria-hidden="true">
      <rect class="battery-case" x="2" y="2" width="96" height="46" rx="6" fill="none" stroke-width="4" />
      <rect class="battery-tip" x="100" y="15" width="8" height="20" rx="2" />
      <rect x="8" y="8" width=${(84 * f).toFixed(1)} height="34" rx="3" style=${{ fill: fillColor }} />
    </svg>
    <div class="battery-value">${has ? `${pct}%` : '–'}</div>
  </div>`;
}
