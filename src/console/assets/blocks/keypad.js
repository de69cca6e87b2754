// Keypad blocks: the number pad composes a number and sends it with Enter; the remote sends each key's name.
import { html, useState } from '../lib/html.js';

/** A calculator's order: 7 8 9 ⌫ / 4 5 6 C / 1 2 3 Enter / . 0 - (Enter two rows high). */
const KEYS = ['7', '8', '9', 'del', '4', '5', '6', 'clear', '1', '2', '3', 'enter', '.', '0', '-'].map((d) => ({ d }));

export function NumberPad({ value, send, label }) {
  const [entry, setEntry] = useState('');
  const submit = (ev) => {
    ev.preventDefault();
    if (entry === '') return;
    send(entry);
    setEntry('');
  };
  return html`<form class="number-pad" aria-label=${label} onSubmit=${submit}>
    <label class="visually-hidden" for=${`np-${label}`}>Number to send</label>
    <input
      id=${`np-${label}`}
      class="number-pad-entry"
      inputmode="decimal"
      value=${entry}
      placeholder=${value ?? ''}
      onInput=${(ev) => setEntry(ev.currentTarget.value.replace(/[^0-9.+-]/g, ''))}
    />
    <div class="number-pad-keys">
      ${KEYS.map(({ d }) => {
        if (d === 'del')
          return html`<button type="button" aria-label="Delete last digit" onClick=${() => setEntry((e) => e.slice(0, -1))}>⌫</button>`;
        if (d === 'clear') return html`<button type="button" aria-label="Clear" onClick=${() => setEntry('')}>C</button>`;
        if (d === 'enter') return html`<button type="submit" class="primary number-pad-enter">Enter</button>`;
        return html`<button type="button" onClick=${() => setEntry((e) => e + d)}>${d}</button>`;
      })}
    </div>
  </form>`;
}

/** The keys of the hosted remote, each sending its own name. */
const REMOTE = [
  ['UP', '▲'],
  ['LEFT', '◀'],
  ['OK', 'OK'],
  ['RIGHT', '▶'],
  ['DOWN', '▼'],
];
const REMOTE_DIGITS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function RemoteControl({ send, label }) {
  return html`<div class="remote" role="group" aria-label=${label}>
    <div class="remote-dpad">
      ${REMOTE.map(([v, t]) => html`<button type="button" class=${`remote-${v.toLowerCase()}`} aria-label=${v} onClick=${() => send(v)}>${t}</button>`)}
    </div>
    <div class="remote-digits">${REMOTE_DIGITS.map((d) => html`<button type="button" onClick=${() => send(d)}>${d}</button>`)}</div>
  </div>`;
}
