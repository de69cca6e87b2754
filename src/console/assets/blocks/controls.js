// Input blocks: each writes through send(value), which posts to /feeds/{key}/data (the normal core path,
// so MQTT subscribers of the feed receive it), and shows the feed's latest value as its state.
import { html, useEffect, useRef, useState } from '../lib/html.js';
import { color, num, text } from './common.js';

/** On when the feed's value is onValue; clicking sends the other one. */
export function ToggleButton({ props, value, send, label }) {
  const onValue = text(props.onValue, 'ON');
  const offValue = text(props.offValue, 'OFF');
  const on = value !== undefined && value !== null && String(value).trim().toLowerCase() === onValue.trim().toLowerCase();
  const style = { background: on ? color(props.onColor, '') : color(props.offColor, '') };
  return html`<button
    type="button"
    class=${`toggle${on ? ' on' : ''}`}
    role="switch"
    aria-checked=${on ? 'true' : 'false'}
    aria-label=${label}
    style=${style}
    onClick=${() => send(on ? offValue : onValue)}
  >
    <span class="toggle-knob" aria-hidden="true"></span>
    <span class="toggle-text">${on ? text(props.onText, onValue) : text(props.offText, offValue)}</span>
  </button>`;
}

/**
 * Sends `value` while pressed and `release` (when not blank) on release, by pointer or by Enter/Space held
 * down; a click from anything else (assistive tech) counts as a press and a release.
 */
export function MomentaryButton({ props, send, label }) {
  const press = text(props.value, '1');
  const release = text(props.release, '');
  const down = useRef(false);
  const handled = useRef(false);
  const start = () => {
    if (down.current) return;
    down.current = handled.current = true;
    send(press);
  };
  const stop = () => {
    if (!down.current) return;
    down.current = false;
    if (release !== '') send(release);
  };
  const isKey = (ev) => ev.key === 'Enter' || ev.key === ' ';
  return html`<button
    type="button"
    class="momentary"
    aria-label=${label}
    onPointerDown=${(ev) => {
      if (ev.button === 0) start();
    }}
    onPointerUp=${stop}
    onPointerLeave=${stop}
    onPointerCancel=${stop}
    onKeyDown=${(ev) => {
      if (isKey(ev) && !ev.repeat) start();
    }}
    onKeyUp=${(ev) => {
      if (isKey(ev)) stop();
    }}
    onBlur=${stop}
    onClick=${() => {
      if (handled.current) {
        handled.current = false;
        return;
      }
      send(press);
      if (release !== '') send(release);
    }}
  >${text(props.text, text(props.label, 'Press'))}</button>`;
}

/** A range input; the value is sent when the user lets go, not on every step of a drag. */
export function Slider({ props, value, send, label }) {
  const min = num(props.min ?? props.minValue, 0);
  const max = num(props.max ?? props.maxValue, 100);
  const step = num(props.step, 1);
  const [local, setLocal] = useState(null);
  useEffect(() => setLocal(null), [value]);
  const current = local ?? (Number.isFinite(Number(value)) && value !== null && value !== '' ? Number(value) : min);
  const vertical = text(props.orientation).toLowerCase() === 'vertical';
  return html`<div class=${`slider${vertical ? ' vertical' : ''}`}>
    <input
      type="range"
      min=${min}
      max=${max}
      step=${step > 0 ? step : 'any'}
      value=${current}
      aria-label=${label}
      onInput=${(ev) => setLocal(Number(ev.currentTarget.value))}
      onChange=${(ev) => send(ev.currentTarget.value)}
    />
    <output class="slider-value">${current}</output>
  </div>`;
}

const HEX = /^#[0-9a-f]{6}$/i;

/** The browser's colour input; the value is #rrggbb as the hosted picker sends it. */
export function ColorPicker({ value, send, label }) {
  const current = HEX.test(String(value ?? '')) ? String(value).toLowerCase() : '#000000';
  return html`<div class="color-picker">
    <input type="color" value=${current} aria-label=${label} onChange=${(ev) => send(ev.currentTarget.value)} />
    <span class="color-swatch" style=${{ background: current }} aria-hidden="true"></span>
    <code>${value ?? '–'}</code>
  </div>`;
}

/**
 * The options of a selector: `options` (or `items`) as a JSON array of strings or of {text|label|key, value},
 * or as comma-separated text ("red,green,blue" or "Red:1,Green:2").
 */
export function selectorOptions(props) {
  const raw = props.options ?? props.items;
  let list = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      list = raw.split(',');
    }
  }
  if (!Array.isArray(list)) return [];
  return list
    .map((o) => {
      if (o && typeof o === 'object') {
        const v = text(o.value ?? o.key ?? o.text ?? o.label);
        return { value: v, text: text(o.text ?? o.label ?? o.key ?? v) };
      }
      const s = text(o).trim();
      const at = s.indexOf(':');
      return at > 0 ? { text: s.slice(0, at).trim(), value: s.slice(at + 1).trim() } : { text: s, value: s };
    })
    .filter((o) => o.value !== '');
}

export function Selector({ props, value, send, label }) {
  const options = selectorOptions(props);
  const current = value === undefined || value === null ? '' : String(value);
  const known = options.some((o) => o.value === current);
  return html`<div class="selector">
    <select aria-label=${label} value=${current} onChange=${(ev) => ev.currentTarget.value !== '' && send(ev.currentTarget.value)}>
      ${known ? null : html`<option value=${current}>${current === '' ? 'Choose…' : current}</option>`}
      ${options.map((o) => html`<option value=${o.value}>${o.text}</option>`)}
    </select>
  </div>`;
}
