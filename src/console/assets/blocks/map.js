// The map block. There are no map tiles here (no internet, no tile server), so the feed's located points
// are drawn on plain latitude/longitude axes in an SVG, newest point highlighted, with a note saying so.
import { api } from '../lib/api.js';
import { html, useEffect, useState } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { bool, formatValue, num } from './common.js';

const located = (d) => d && d.lat !== null && d.lat !== undefined && d.lon !== null && d.lon !== undefined;

/** Round-ish tick values covering [lo, hi]. */
function ticks(lo, hi, n = 4) {
  const step = (hi - lo) / n;
  return Array.from({ length: n + 1 }, (_, k) => lo + step * k);
}

export function MapBlock({ props, feeds, label }) {
  const [points, setPoints] = useState([]);
  const hours = num(props.historyHours, 24);
  const ids = feeds.map((f) => f.feed.id);
  const idList = ids.join(',');
  useEffect(() => {
    let gone = false;
    const since = new Date(Date.now() - hours * 3600_000).toISOString();
    Promise.all(
      feeds.map((f) =>
        api.get(`/feeds/${encodeURIComponent(f.feed.key)}/data?start_time=${encodeURIComponent(since)}&limit=1000`).catch(() => []),
      ),
    ).then((pages) => {
      if (gone) return;
      const all = pages.flat().filter(located);
      // Points that arrived live while the pages loaded stay (the pages may predate them).
      setPoints((live) => {
        const loaded = new Set(all.map((p) => p.id));
        const merged = [...all, ...live.filter((p) => !loaded.has(p.id))];
        merged.sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
        return merged.slice(-1000);
      });
    });
    return () => {
      gone = true;
    };
  }, [idList, hours]);
  useLive('data', (ev) => {
    if (ids.includes(ev.feed_id) && located(ev.datum))
      setPoints((old) => [...old.filter((p) => p.id !== ev.datum.id), ev.datum].slice(-1000));
  });

  const W = 300;
  const H = 200;
  const pad = 34;
  const lats = points.map((p) => Number(p.lat));
  const lons = points.map((p) => Number(p.lon));
  // A single point (or a tight cluster) still gets a readable box around it.
  const span = (a) => Math.max(0.01, Math.max(...a) - Math.min(...a));
  const box = points.length
    ? {
        latMin: Math.min(...lats) - span(lats) * 0.1,
        latMax: Math.max(...lats) + span(lats) * 0.1,
        lonMin: Math.min(...lons) - span(lons) * 0.1,
        lonMax: Math.max(...lons) + span(lons) * 0.1,
      }
    : { latMin: -90, latMax: 90, lonMin: -180, lonMax: 180 };
  const x = (lon) => pad + ((lon - box.lonMin) / (box.lonMax - box.lonMin)) * (W - pad - 8);
  const y = (lat) => 8 + ((box.latMax - lat) / (box.latMax - box.latMin)) * (H - pad - 8);
  const last = points[points.length - 1];
  const summary = last
    ? `${points.length} points, latest at ${Number(last.lat).toFixed(5)}, ${Number(last.lon).toFixed(5)}`
    : 'no located points';
  return html`<figure class="map-block">
    <svg viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${label}: ${summary}`}>
      <rect class="map-bg" x=${pad} y="8" width=${W - pad - 8} height=${H - pad - 8} />
      ${ticks(box.lonMin, box.lonMax).map(
        (t) =>
          html`<g><line class="map-grid" x1=${x(t)} x2=${x(t)} y1="8" y2=${H - pad} /><text class="map-tick" x=${x(t)} y=${H - pad + 12} text-anchor="middle">${t.toFixed(2)}</text></g>`,
      )}
      ${ticks(box.latMin, box.latMax).map(
        (t) =>
          html`<g><line class="map-grid" x1=${pad} x2=${W - 8} y1=${y(t)} y2=${y(t)} /><text class="map-tick" x=${pad - 3} y=${y(t) + 3} text-anchor="end">${t.toFixed(2)}</text></g>`,
      )}
      <text class="map-axis" x=${(W + pad) / 2} y=${H - 4} text-anchor="middle">longitude</text>
      <text class="map-axis" x="8" y=${(H - pad) / 2} text-anchor="middle" transform=${`rotate(-90 8 ${(H - pad) / 2})`}>latitude</text>
      ${points.length > 1 ? html`<polyline class="map-track" points=${points.map((p) => `${x(Number(p.lon))},${y(Number(p.lat))}`).join(' ')} />` : null}
      ${points.map(
        (p) => html`<g key=${p.id}>
          <circle class=${p === last ? 'map-point latest' : 'map-point'} cx=${x(Number(p.lon))} cy=${y(Number(p.lat))} r=${p === last ? 5 : 3} />
          ${bool(props.showNumbers) ? html`<text class="map-label" x=${x(Number(p.lon)) + 6} y=${y(Number(p.lat)) - 6}>${formatValue(p.value, props)}</text>` : null}
        </g>`,
      )}
    </svg>
    <figcaption>
      ${bool(props.showLocation, true) && last ? html`<span>${summary}. </span>` : null}
      <span class="map-note">Offline map: points on latitude/longitude axes, no tiles.</span>
    </figcaption>
  </figure>`;
}
