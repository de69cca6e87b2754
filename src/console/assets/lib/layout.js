// The dashboard grid: where each block sits per breakpoint, and moving/resizing them by pointer and keyboard.
// Layout entries are the server's own shape ({i, x, y, w, h, z?} in grid cells, see src/core/layouts.ts),
// so what the grid shows is exactly what update_layouts stores.
import { html, useEffect, useRef, useState } from './html.js';

/** Widest first, as the server lists them. */
export const BREAKPOINTS = ['xl', 'lg', 'md', 'sm', 'xs'];
/** Grid columns per breakpoint: the server's (core/layouts.ts LAYOUT_COLUMNS), so new blocks land where we draw them. */
export const COLUMNS = { xl: 16, lg: 16, md: 8, sm: 8, xs: 4 };
/** Smallest window width (CSS px) of each breakpoint; below sm it is xs. */
export const MIN_WIDTH = { xl: 1600, lg: 1200, md: 996, sm: 768, xs: 0 };
/** Height of one grid row in CSS px; the column width follows the container. */
export const ROW_HEIGHT = 48;
export const GAP = 8;
export const MIN_SIZE = 2;

export function breakpointFor(width) {
  return BREAKPOINTS.find((bp) => width >= MIN_WIDTH[bp]) ?? 'xs';
}

/** The current breakpoint from the window width, following resizes. */
export function useBreakpoint() {
  const [bp, setBp] = useState(() => breakpointFor(window.innerWidth));
  useEffect(() => {
    const onResize = () => setBp(breakpointFor(window.innerWidth));
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  return bp;
}

const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The first free spot, top to bottom then left to right (the server's rule for new blocks). */
export function firstFree(taken, cols, w, h) {
  const bottom = taken.reduce((m, r) => Math.max(m, r.y + r.h), 0);
  for (let y = 0; y < bottom; y++) {
    for (let x = 0; x + w <= cols; x++) {
      const spot = { x, y, w, h };
      if (!taken.some((r) => overlaps(spot, r))) return { x, y };
    }
  }
  return { x: 0, y: bottom };
}

/**
 * One breakpoint's entries for these blocks: the stored entry when there is one, otherwise the block's own
 * column/row/size or the first free spot. Entries of blocks that no longer exist are dropped.
 */
export function entriesFor(blocks, layouts, bp) {
  const cols = COLUMNS[bp];
  const stored = new Map((layouts?.[bp] ?? []).map((e) => [String(e.i), e]));
  const out = [];
  for (const b of blocks) {
    const e = stored.get(String(b.id));
    if (e) {
      out.push(clamp({ i: String(b.id), x: e.x, y: e.y, w: e.w, h: e.h, ...(e.z !== undefined ? { z: e.z } : {}) }, cols));
      continue;
    }
    const w = Math.min(Math.max(b.size_x ?? 4, MIN_SIZE), cols);
    const h = Math.max(b.size_y ?? 4, MIN_SIZE);
    const spot = b.column != null && b.row != null && b.column + w <= cols ? { x: b.column, y: b.row } : firstFree(out, cols, w, h);
    out.push({ i: String(b.id), x: spot.x, y: spot.y, w, h });
  }
  return out;
}

/** Keeps an entry inside the grid's columns (a narrow breakpoint may hold an entry made for a wide one). */
export function clamp(e, cols) {
  const w = Math.min(Math.max(e.w, MIN_SIZE), cols);
  const h = Math.max(e.h, MIN_SIZE);
  return { ...e, w, h, x: Math.min(Math.max(e.x, 0), cols - w), y: Math.max(e.y, 0) };
}

/**
 * `entries` with `moved` put in place of its old entry; unless overlap is allowed, whatever it now covers is
 * pushed down below it (and so on, cascading), so blocks never hide each other.
 */
export function place(entries, moved, cols, allowOverlap) {
  const next = entries.map((e) => (e.i === moved.i ? clamp(moved, cols) : { ...e }));
  if (allowOverlap) return next;
  const fixed = [next.find((e) => e.i === moved.i)];
  const rest = next.filter((e) => e.i !== moved.i).sort((a, b) => a.y - b.y || a.x - b.x);
  for (const e of rest) {
    while (fixed.some((f) => overlaps(f, e))) {
      const hit = fixed.filter((f) => overlaps(f, e));
      e.y = Math.max(...hit.map((f) => f.y + f.h));
    }
    fixed.push(e);
  }
  const byId = new Map(fixed.map((e) => [e.i, e]));
  return next.map((e) => byId.get(e.i));
}

/**
 * What an arrow key does to an entry: move one cell, or with shift grow/shrink one cell (growing stops at
 * the grid's right edge rather than pushing the block left).
 */
export function keyStep(e, key, shift, cols = Number.POSITIVE_INFINITY) {
  const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[key];
  if (!d) return null;
  if (shift) return { ...e, w: Math.min(Math.max(MIN_SIZE, e.w + d[0]), Math.max(cols - e.x, e.w)), h: Math.max(MIN_SIZE, e.h + d[1]) };
  return { ...e, x: Math.max(0, e.x + d[0]), y: Math.max(0, e.y + d[1]) };
}

/**
 * The grid. `entries` place the children (keyed by block id through `itemKey`); in `editing` each item can be
 * dragged (pointer on the item), resized (its corner handle) and moved/resized with arrow keys (shift to
 * resize), calling `onChange(entry)` with the entry it should now have.
 */
export function Grid({ entries, cols, editing, onChange, items, label }) {
  const ref = useRef(null);
  const rows = entries.reduce((m, e) => Math.max(m, e.y + e.h), 1);
  const style = {
    gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`,
    gridAutoRows: `${ROW_HEIGHT}px`,
    gap: `${GAP}px`,
    '--cols': String(cols),
  };
  if (editing) style.minHeight = `${(rows + 2) * (ROW_HEIGHT + GAP)}px`;
  const byId = new Map(entries.map((e) => [e.i, e]));
  return html`<div ref=${ref} class=${`grid${editing ? ' editing' : ''}`} style=${style} aria-label=${label}>
    ${items.map(({ id, name, node }) => {
      const e = byId.get(String(id));
      if (!e) return null;
      return html`<${GridItem} key=${id} entry=${e} name=${name} cols=${cols} editing=${editing} onChange=${onChange} gridRef=${ref}>${node}<//>`;
    })}
  </div>`;
}

/** Cell size in px of the grid element: columns share its width, rows are fixed. */
function cellSize(grid, cols) {
  const width = grid.getBoundingClientRect().width;
  return { cw: (width - GAP * (cols - 1)) / cols + GAP, rh: ROW_HEIGHT + GAP };
}

function GridItem({ entry, name, cols, editing, onChange, gridRef, children }) {
  const [drag, setDrag] = useState(null);
  const shown = drag?.entry ?? entry;
  const style = { gridColumn: `${shown.x + 1} / span ${shown.w}`, gridRow: `${shown.y + 1} / span ${shown.h}` };
  if (shown.z !== undefined) style.zIndex = String(shown.z);

  const start = (ev, mode) => {
    if (!editing || ev.button !== 0) return;
    // Controls inside a block keep their own pointer behaviour, except the resize handle.
    if (mode === 'move' && ev.target.closest('.grid-resize, .block-tools')) return;
    ev.preventDefault();
    ev.currentTarget.setPointerCapture(ev.pointerId);
    setDrag({ mode, x0: ev.clientX, y0: ev.clientY, start: entry, entry });
  };
  const move = (ev) => {
    if (!drag) return;
    const { cw, rh } = cellSize(gridRef.current, cols);
    const dx = Math.round((ev.clientX - drag.x0) / cw);
    const dy = Math.round((ev.clientY - drag.y0) / rh);
    const s = drag.start;
    const next =
      drag.mode === 'move'
        ? clamp({ ...s, x: s.x + dx, y: s.y + dy }, cols)
        : clamp({ ...s, w: Math.min(s.w + dx, cols - s.x), h: s.h + dy }, cols);
    if (next.x !== drag.entry.x || next.y !== drag.entry.y || next.w !== drag.entry.w || next.h !== drag.entry.h) {
      setDrag({ ...drag, entry: next });
    }
  };
  const end = (ev) => {
    if (!drag) return;
    ev.stopPropagation();
    const d = drag.entry;
    setDrag(null);
    if (d.x !== entry.x || d.y !== entry.y || d.w !== entry.w || d.h !== entry.h) onChange(d);
  };
  const onKeyDown = (ev) => {
    if (!editing || ev.target !== ev.currentTarget) return;
    const next = keyStep(entry, ev.key, ev.shiftKey, cols);
    if (!next) return;
    ev.preventDefault();
    onChange(clamp(next, cols));
  };

  if (!editing) return html`<div class="grid-item" style=${style}>${children}</div>`;
  const where = `column ${entry.x + 1}, row ${entry.y + 1}, ${entry.w} wide, ${entry.h} high`;
  return html`<div
    class=${`grid-item${drag ? ' dragging' : ''}`}
    style=${style}
    tabindex="0"
    role="group"
    aria-roledescription="movable block"
    aria-label=${`${name}: ${where}. Arrow keys move, shift and arrow keys resize.`}
    data-layout=${`${entry.x},${entry.y},${entry.w},${entry.h}`}
    onKeyDown=${onKeyDown}
    onPointerDown=${(ev) => start(ev, 'move')}
    onPointerMove=${move}
    onPointerUp=${end}
    onPointerCancel=${end}
  >
    <div class="grid-shield" aria-hidden="true"></div>
    ${children}
    <span
      class="grid-resize"
      aria-hidden="true"
      title="Drag to resize"
      onPointerDown=${(ev) => {
        ev.stopPropagation();
        start(ev, 'resize');
      }}
      onPointerMove=${move}
      onPointerUp=${end}
      onPointerCancel=${end}
    ></span>
  </div>`;
}
