// Status blocks. indicator: a lamp whose colour follows `conditions` (or, without them, whether the value
// reads as on). icon: an icon named by the `icon` property (static) or by the feed's value, with
// lowIcon/highIcon chosen by the conditions.
import { html } from '../lib/html.js';
import { bool, color, matches, text, truthy } from './common.js';

/** "low", "medium" or "high" (or on/off as high/low), from the block's conditions and the value. */
export function level(props, value) {
  const low = props.lowConditions ? matches(value, props.lowConditions) : null;
  if (low) return 'low';
  const medium = props.mediumConditions ? matches(value, props.mediumConditions) : null;
  if (medium) return 'medium';
  if (low !== null || medium !== null) return 'high';
  const on = props.conditions ? matches(value, props.conditions) : null;
  return (on ?? truthy(value)) ? 'high' : 'low';
}

export function Indicator({ props, value, label }) {
  const has = value !== undefined && value !== null;
  const l = has ? level(props, value) : 'low';
  const fallback = { high: 'var(--block-ok)', medium: 'var(--block-warn)', low: 'var(--block-off)' }[l];
  const c = color(
    { high: props.highColor ?? props.onColor, medium: props.mediumColor, low: props.lowColor ?? props.offColor }[l],
    fallback,
  );
  const state = !has ? 'no value' : l === 'high' ? 'on' : l === 'low' ? 'off' : 'medium';
  return html`<div class="indicator" role="img" aria-label=${`${label}: ${state}`}>
    <span class=${`indicator-lamp ${l}`} style=${{ background: c, color: c }}></span>
    <span class="indicator-state">${state}</span>
  </div>`;
}

/**
 * Icon names as the hosted blocks store them ("w:day-sunny", "fa-lightbulb-o", "lightbulb") mapped to a
 * symbol; there is no icon font here, so unknown names show as their text.
 */
const SYMBOLS = [
  [/sun|clear|day/, '☀'],
  [/cloud/, '☁'],
  [/rain|shower|drop|water/, '💧'],
  [/snow/, '❄'],
  [/thunder|storm|bolt|lightning|flash/, '⚡'],
  [/light|bulb|lamp/, '💡'],
  [/fire|flame|hot/, '🔥'],
  [/temp|therm/, '🌡'],
  [/wind/, '🌬'],
  [/moon|night/, '☾'],
  [/heart/, '♥'],
  [/star/, '★'],
  [/home|house/, '⌂'],
  [/lock/, '🔒'],
  [/bell|alarm/, '🔔'],
  [/power|plug/, '⏻'],
  [/check|ok/, '✓'],
  [/warn|alert|exclam/, '⚠'],
  [/music|note/, '♪'],
  [/battery/, '🔋'],
];

export function iconSymbol(name) {
  const n = text(name)
    .toLowerCase()
    .replace(/^(w|fa|fa-|wi|mdi)[:-]/, '');
  if (n === '') return '?';
  return SYMBOLS.find(([re]) => re.test(n))?.[1] ?? null;
}

export function Icon({ props, value, label }) {
  let name;
  if (bool(props.static)) name = text(props.icon);
  else if (props.lowIcon || props.highIcon) name = text(level(props, value) === 'low' ? props.lowIcon : props.highIcon, text(props.icon));
  else name = text(value ?? props.icon, text(props.icon));
  const symbol = iconSymbol(name);
  const style = {};
  const c = color(props.fontColor, undefined);
  if (c) style.color = c;
  return html`<div class="icon-block" role="img" aria-label=${`${label}: ${name || 'no icon'}`} style=${style}>
    ${symbol ? html`<span class="icon-symbol" aria-hidden="true">${symbol}</span>` : null}
    <span class=${symbol ? 'icon-name' : 'icon-name only'} aria-hidden="true">${name}</span>
  </div>`;
}
