// <Chart series=[{label, points: [[ms, number], ...], stepped?, color?}] height? yMin? yMax? xMin? xMax? live?>
// xMin/xMax (ms) pin the time axis to a window (the range asked for) instead of the data's extent.
// A thin Preact wrapper around uPlot. uPlot draws on a canvas, so the wrapper keeps one instance
// alive across renders and only calls setData when the points change (a live append is a setData,
// not a rebuild: rebuilding costs ~10 ms per chart and flickers). It rebuilds only when the shape
// of the series (count, labels, colours, stepping), the height, the y bounds or the theme change.
import { html, useEffect, useRef, useState } from './html.js';

// uPlot is the console's largest file: it loads beside the page's first requests, not before them.
let uPlot = null;
const uPlotLoaded = import('uplot').then((m) => {
  uPlot = m.default;
});

const PALETTE = ['#2b7bd6', '#e0662b', '#2c9f5a', '#b0399c', '#c9a227', '#5a5fd6'];

// uPlot wants one shared x array with a column per series; series with different timestamps are
// merged on the union of their times, with null where a series has no point (drawn as a gap).
export function alignSeries(series) {
  if (series.length === 1) {
    const pts = series[0].points;
    const xs = new Array(pts.length);
    const ys = new Array(pts.length);
    for (let i = 0; i < pts.length; i++) {
      xs[i] = pts[i][0];
      ys[i] = toNumber(pts[i][1]);
    }
    return [xs, ys];
  }
  const times = new Set();
  for (const s of series) for (const p of s.points) times.add(p[0]);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const cols = series.map((s) => {
    const col = new Array(xs.length).fill(null);
    for (const p of s.points) col[index.get(p[0])] = toNumber(p[1]);
    return col;
  });
  return [xs, ...cols];
}

function toNumber(v) {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function themeColors(el) {
  const style = getComputedStyle(el);
  const fg = style.getPropertyValue('--chart-axis').trim() || style.color || '#444';
  const grid = style.getPropertyValue('--chart-grid').trim() || 'rgba(128,128,128,0.25)';
  return { fg, grid };
}

function shapeKey(series, height, yMin, yMax) {
  return JSON.stringify([series.map((s) => [s.label, s.color ?? null, !!s.stepped]), height, yMin ?? null, yMax ?? null]);
}

function buildOptions(el, series, height, yMin, yMax, live, xBounds) {
  const { fg, grid } = themeColors(el);
  const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const stepped = uPlot.paths.stepped({ align: 1 });
  const yRange = yMin !== undefined || yMax !== undefined ? (_u, min, max) => [yMin ?? min, yMax ?? max] : undefined;
  return {
    width: Math.max(el.clientWidth, 200),
    height,
    ms: 1,
    cursor: { drag: { x: !live, y: false } },
    legend: { show: series.length > 1 || !!series[0]?.label },
    scales: {
      // Read at every redraw, so a sliding live window moves without a rebuild.
      x: { time: true, range: (_u, min, max) => [xBounds.current.min ?? min, xBounds.current.max ?? max] },
      y: yRange ? { range: yRange } : {},
    },
    axes: [axis, { ...axis, size: 56 }],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label ?? `Series ${i + 1}`,
        stroke: s.color ?? PALETTE[i % PALETTE.length],
        width: 2,
        spanGaps: false,
        points: { show: (u) => u.data[0].length < 60 },
        paths: s.stepped ? stepped : undefined,
      })),
    ],
  };
}

export function Chart({ series = [], height = 260, yMin, yMax, xMin, xMax, live = false, label = 'Chart' }) {
  const box = useRef(null);
  const xBounds = useRef({});
  xBounds.current = { min: xMin, max: xMax };
  const plot = useRef(null);
  const shape = useRef('');
  const [theme, setTheme] = useState(0);
  const total = series.reduce((n, s) => n + s.points.length, 0);

  // (Re)build when the shape or theme changes, otherwise just hand uPlot the new data.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    if (!uPlot) {
      uPlotLoaded.then(() => setTheme((n) => n + 1));
      return;
    }
    const shown = series.length ? series : [{ points: [] }];
    const key = `${theme}|${shapeKey(shown, height, yMin, yMax)}`;
    const data = alignSeries(shown);
    if (plot.current && shape.current === key) {
      plot.current.setData(data, true);
    } else {
      plot.current?.destroy();
      plot.current = new uPlot(buildOptions(el, shown, height, yMin, yMax, live, xBounds), data, el);
      shape.current = key;
    }
    // Tests and the benchmark read the plotted point count from here.
    el.dataset.points = String(total);
    el.uplot = plot.current;
  });

  // Resize with the container; rebuild on theme change so axis colours follow light/dark.
  useEffect(() => {
    const el = box.current;
    const ro = new ResizeObserver(() => {
      if (plot.current && el.clientWidth > 0 && el.clientWidth !== plot.current.width) {
        plot.current.setSize({ width: el.clientWidth, height: plot.current.height });
      }
    });
    ro.observe(el);
    const rebuild = () => setTheme((n) => n + 1);
    const mq = matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', rebuild);
    const mo = new MutationObserver(rebuild);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => {
      ro.disconnect();
      mq.removeEventListener('change', rebuild);
      mo.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  const last = series[0]?.points[series[0].points.length - 1];
  const summary =
    total === 0
      ? `${label}: no data in this range`
      : `${label}: ${total} ${total === 1 ? 'point' : 'points'}${last ? `, latest ${last[1]}` : ''}`;
  return html`<figure class="chart" aria-label=${summary}>
    <div class="chart-canvas" ref=${box} role="img" aria-label=${summary}></div>
    ${total === 0 ? html`<figcaption class="chart-empty">No data in this range</figcaption>` : null}
  </figure>`;
}

export default Chart;
