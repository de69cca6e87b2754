// The line chart block: one series per connected feed from data/chart over `historyHours`, then live;
// the time axis always spans the last `historyHours`, as the hosted chart does.
import { api } from '../lib/api.js';
import * as chartLib from '../lib/chart.js';
import { html, useEffect, useRef, useState } from '../lib/html.js';
import { GAP, ROW_HEIGHT } from '../lib/layout.js';
import { useLive } from '../lib/live.js';
import { bool, color, num, text } from './common.js';

const Chart = chartLib.Chart ?? chartLib.default;
const COLORS = ['#2f80ed', '#eb5757', '#27ae60', '#f2994a', '#9b51e0', '#56ccf2'];

/** Pixel height for the plot in a block `rows` grid rows high, less its title, legend and axis labels. */
const plotHeight = (rows) => Math.max(80, rows * (ROW_HEIGHT + GAP) - GAP - 112);

export function LineChart({ props, feeds, label, rows }) {
  const hours = Math.min(8760, Math.max(0.1, num(props.historyHours, 24)));
  const raw = bool(props.rawDataOnly);
  const [series, setSeries] = useState(null);
  // Points that arrive live while the chart loads, added to it once loaded (its buckets may predate them).
  const early = useRef([]);
  const ids = feeds.map((f) => f.feed.id);
  const idList = ids.join(',');
  useEffect(() => {
    let gone = false;
    const q = `hours=${hours}${raw ? '&raw=true' : ''}`;
    Promise.all(
      feeds.map((f) =>
        api
          .get(`/feeds/${encodeURIComponent(f.feed.key)}/data/chart?${q}`)
          .then((c) => c.data.map(([at, v]) => [Date.parse(at), Number(v)]).filter(([, v]) => Number.isFinite(v)))
          .catch(() => []),
      ),
    ).then((lists) => {
      if (gone) return;
      for (const [n, at, v] of early.current) {
        const pts = lists[n];
        if (pts && !(pts.length && pts[pts.length - 1][0] >= at)) pts.push([at, v]);
      }
      early.current = [];
      setSeries(lists);
    });
    return () => {
      gone = true;
    };
  }, [idList, hours, raw]);
  useLive('data', (ev) => {
    const n = ids.indexOf(ev.feed_id);
    const v = Number(ev.datum.value);
    if (n < 0 || !Number.isFinite(v)) return;
    const at = Date.parse(ev.datum.created_at);
    const since = Date.now() - hours * 3600_000;
    setSeries((old) => {
      if (!old) early.current.push([n, at, v]);
      return old?.map((pts, k) => (k === n ? [...pts.filter(([t]) => t >= since), [at, v]] : pts));
    });
  });
  if (!series) return html`<div class="chart-block" aria-busy="true">Loading…</div>`;
  const legendKey = bool(props.feedKeyLegend);
  const yMin = num(props.yAxisMin, undefined);
  const yMax = num(props.yAxisMax, undefined);
  const chartSeries = feeds.map((f, k) => ({
    label: legendKey ? (f.group ? `${f.group.key}.${f.feed.key}` : f.feed.key) : f.feed.name,
    points: series[k] ?? [],
    stepped: bool(props.steppedLine),
    color: color(props[`color${k}`], COLORS[k % COLORS.length]),
  }));
  const count = chartSeries.reduce((m, s) => m + s.points.length, 0);
  return html`<figure class="chart-block" role="figure" aria-label=${`${label}: ${count} points over ${hours} h`}>
    <${Chart}
      series=${chartSeries}
      height=${plotHeight(rows ?? 5)}
      yMin=${yMin}
      yMax=${yMax}
      xMin=${Date.now() - hours * 3600_000}
      xMax=${Date.now()}
      live=${true}
      label=${label}
    />
    ${props.xAxisLabel || props.yAxisLabel ? html`<figcaption>${[text(props.yAxisLabel), text(props.xAxisLabel)].filter(Boolean).join(' over ')}</figcaption>` : null}
  </figure>`;
}
