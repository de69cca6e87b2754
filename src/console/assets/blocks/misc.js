// The remaining blocks: image (the feed's value as an image), divider and dashboard links.
import { html } from '../lib/html.js';
import { text } from './common.js';

/**
 * An image from the feed's value: a data: URL as is, bare base64 as a JPEG/PNG/GIF by its magic bytes.
 * Only data: images are shown, so a value cannot make the page fetch anything.
 */
export function imageSrc(value) {
  const s = text(value).trim();
  if (/^data:image\/(png|jpe?g|gif|webp|bmp);base64,[A-Za-z0-9+/=\s]+$/i.test(s)) return s.replace(/\s+/g, '');
  const b64 = s.replace(/\s+/g, '');
  if (b64.length < 8 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return null;
  const type = b64.startsWith('/9j/')
    ? 'jpeg'
    : b64.startsWith('iVBOR')
      ? 'png'
      : b64.startsWith('R0lGOD')
        ? 'gif'
        : b64.startsWith('UklGR')
          ? 'webp'
          : null;
  return type ? `data:image/${type};base64,${b64}` : null;
}

export function Image({ value, label }) {
  const src = imageSrc(value);
  if (!src) {
    return html`<div class="image-block" role="img" aria-label=${`${label}: no image`}>
      <span class="block-empty">${value ? 'value is not an image' : 'no image yet'}</span>
    </div>`;
  }
  return html`<div class="image-block"><img src=${src} alt=${label} /></div>`;
}

export function Divider({ label }) {
  return html`<div class="divider-block"><hr aria-label=${label} /></div>`;
}

/** `dashboards`: a JSON array of dashboard objects ({key, name}) or keys, each a link to that dashboard. */
export function dashboardLinks(props) {
  let list = props.dashboards;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      list = list.split(',');
    }
  }
  if (!Array.isArray(list)) return [];
  return list
    .map((d) =>
      d && typeof d === 'object'
        ? { key: text(d.key ?? d.id), name: text(d.name ?? d.key ?? d.id) }
        : { key: text(d).trim(), name: text(d).trim() },
    )
    .filter((d) => d.key !== '');
}

export function DashboardLink({ props, label }) {
  const links = dashboardLinks(props);
  return html`<nav class="dashboard-links" aria-label=${label}>
    ${links.length === 0 ? html`<span class="block-empty">no dashboards chosen</span>` : null}
    <ul>${links.map((d) => html`<li><a href=${`#/dashboards/${encodeURIComponent(d.key)}`}>${d.name}</a></li>`)}</ul>
  </nav>`;
}
