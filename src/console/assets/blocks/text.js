// Text blocks. text and multiline_text show the feed's value and let one send a new one; with `static`
// they show their own `text`/`value` property instead. rich_text renders a small Markdown subset to
// elements (never innerHTML), so user text cannot inject markup or script.
import { html, useState } from '../lib/html.js';
import { bool, color, num, text } from './common.js';

const FONT_SIZES = { 12: 'small', 18: 'medium', 24: 'large' };

function textStyle(props) {
  const style = {};
  const size = num(props.fontSize, undefined);
  if (size !== undefined) style.fontSize = `${Math.min(96, Math.max(8, size))}px`;
  const c = color(props.fontColor, undefined);
  if (c) style.color = c;
  return style;
}

function SendText({ multiline, send, label }) {
  const [entry, setEntry] = useState('');
  const submit = (ev) => {
    ev.preventDefault();
    if (entry === '') return;
    send(entry);
    setEntry('');
  };
  const input = multiline
    ? html`<textarea rows="2" aria-label=${`New value for ${label}`} value=${entry} onInput=${(ev) => setEntry(ev.currentTarget.value)}></textarea>`
    : html`<input aria-label=${`New value for ${label}`} value=${entry} onInput=${(ev) => setEntry(ev.currentTarget.value)} />`;
  return html`<form class="text-send" onSubmit=${submit}>${input}<button type="submit">Send</button></form>`;
}

function TextBlock({ props, value, send, label, multiline }) {
  const isStatic = bool(props.static);
  const shown = isStatic ? text(props.text ?? props.value) : text(value);
  const pre = multiline || bool(props.preformatted);
  return html`<div class=${`text-block${multiline ? ' multiline' : ''}`}>
    <div class=${`text-value${pre ? ' pre' : ''} ${FONT_SIZES[num(props.fontSize, 0)] ?? ''}`} style=${textStyle(props)} role="status" aria-label=${label}>
      ${shown === '' ? html`<span class="block-empty">no value yet</span>` : shown}
    </div>
    ${isStatic ? null : html`<${SendText} multiline=${multiline} send=${send} label=${label} />`}
  </div>`;
}

export const Text = (p) => html`<${TextBlock} ...${p} multiline=${false} />`;
export const MultilineText = (p) => html`<${TextBlock} ...${p} multiline=${true} />`;

/** Links only to http(s), mailto and the console's own pages; anything else becomes plain text. */
function safeHref(url) {
  return /^(https?:\/\/|mailto:|#\/)/i.test(url) ? url : null;
}

/** Inline Markdown: **bold**, *italic* / _italic_, `code`, [text](url). */
export function inline(s) {
  const out = [];
  const re = /(\*\*([^*]+)\*\*)|(\*([^*]+)\*|_([^_]+)_)|(`([^`]+)`)|(\[([^\]]+)\]\(([^)\s]+)\))/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index > last) out.push(s.slice(last, m.index));
    if (m[1]) out.push(html`<strong>${inline(m[2])}</strong>`);
    else if (m[3]) out.push(html`<em>${inline(m[4] ?? m[5])}</em>`);
    else if (m[6]) out.push(html`<code>${m[7]}</code>`);
    else {
      const href = safeHref(m[10]);
      out.push(href ? html`<a href=${href} rel="noopener noreferrer">${inline(m[9])}</a>` : m[0]);
    }
    last = re.lastIndex;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

/** Block Markdown: # headings, - / * / 1. lists, ``` code fences, > quotes, blank-line paragraphs. */
export function markdown(source) {
  const lines = String(source ?? '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    if (line.startsWith('```')) {
      const code = [];
      for (i++; i < lines.length && !lines[i].startsWith('```'); i++) code.push(lines[i]);
      i++;
      out.push(html`<pre><code>${code.join('\n')}</code></pre>`);
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      // Headings inside a block start at h3: the page and the block title are above them.
      const level = Math.min(6, h[1].length + 2);
      out.push(html`<${`h${level}`}>${inline(h[2])}<//>`);
      i++;
      continue;
    }
    const list = /^\s*([-*]|\d+\.)\s+/;
    if (list.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items = [];
      for (; i < lines.length && list.test(lines[i]); i++) items.push(html`<li>${inline(lines[i].replace(list, ''))}</li>`);
      out.push(ordered ? html`<ol>${items}</ol>` : html`<ul>${items}</ul>`);
      continue;
    }
    if (line.startsWith('>')) {
      const quote = [];
      for (; i < lines.length && lines[i].startsWith('>'); i++) quote.push(lines[i].replace(/^>\s?/, ''));
      out.push(html`<blockquote>${inline(quote.join(' '))}</blockquote>`);
      continue;
    }
    const para = [];
    for (; i < lines.length && lines[i].trim() !== '' && !/^(#{1,6}\s|```|>)/.test(lines[i]) && !list.test(lines[i]); i++)
      para.push(lines[i]);
    out.push(html`<p>${inline(para.join(' '))}</p>`);
  }
  return out;
}

/** Static content from the `text` property (the feed's value when it has none). */
export function RichText({ props, value, label }) {
  const source = text(props.text ?? props.value, text(value));
  return html`<div class="rich-text" role="document" aria-label=${label} style=${textStyle(props)}>${markdown(source)}</div>`;
}
