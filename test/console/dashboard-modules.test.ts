import { describe, expect, it } from 'vitest';

// The console's browser modules are plain ES modules; their pure parts (grid placement, keyboard steps,
// property parsing, the Markdown subset) run in Node as they are. Loaded through a variable so tsc does
// not look for declarations of browser files.
const load = (p: string) => import(p);
const layout = await load('../../src/console/assets/lib/layout.js');
const common = await load('../../src/console/assets/blocks/common.js');
const text = await load('../../src/console/assets/blocks/text.js');
const misc = await load('../../src/console/assets/blocks/misc.js');
const controls = await load('../../src/console/assets/blocks/controls.js');
const indicator = await load('../../src/console/assets/blocks/indicator.js');
const types = await load('../../src/console/assets/blocks/types.js');

interface Entry {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

describe('dashboard grid (lib/layout.js)', () => {
  it('picks the breakpoint from the window width, widest first', () => {
    expect([1920, 1300, 1000, 800, 375].map(layout.breakpointFor)).toEqual(['xl', 'lg', 'md', 'sm', 'xs']);
  });

  it('uses the columns the server places new blocks with', async () => {
    const server = await load('../../src/core/layouts.ts');
    expect(layout.COLUMNS).toEqual(server.LAYOUT_COLUMNS);
    expect(layout.BREAKPOINTS).toEqual([...server.BREAKPOINTS]);
  });

  it('moves with arrows and resizes with shift+arrows, never below the minimum size or off the grid', () => {
    const e = { i: '1', x: 0, y: 0, w: 2, h: 2 };
    expect(layout.keyStep(e, 'ArrowRight', false)).toMatchObject({ x: 1, y: 0, w: 2, h: 2 });
    expect(layout.keyStep(e, 'ArrowDown', false)).toMatchObject({ x: 0, y: 1 });
    expect(layout.keyStep(e, 'ArrowLeft', false)).toMatchObject({ x: 0 });
    expect(layout.keyStep(e, 'ArrowRight', true)).toMatchObject({ x: 0, w: 3, h: 2 });
    expect(layout.keyStep(e, 'ArrowUp', true)).toMatchObject({ h: 2 });
    expect(layout.keyStep(e, 'Enter', false)).toBeNull();
    // At the right edge a block grows no wider (and is not pushed left).
    expect(layout.keyStep({ ...e, x: 14 }, 'ArrowRight', true, 16)).toMatchObject({ x: 14, w: 2 });
  });

  it('pushes what a moved block lands on down below it, unless overlap is allowed', () => {
    const entries: Entry[] = [
      { i: '1', x: 0, y: 0, w: 4, h: 2 },
      { i: '2', x: 4, y: 0, w: 4, h: 2 },
      { i: '3', x: 4, y: 2, w: 4, h: 2 },
    ];
    const moved = { i: '1', x: 4, y: 0, w: 4, h: 2 };
    const placed: Entry[] = layout.place(entries, moved, 16, false);
    expect(placed.map((e) => [e.i, e.x, e.y])).toEqual([
      ['1', 4, 0],
      ['2', 4, 2],
      ['3', 4, 4],
    ]);
    const overlapping: Entry[] = layout.place(entries, moved, 16, true);
    expect(overlapping.map((e) => [e.i, e.x, e.y])).toEqual([
      ['1', 4, 0],
      ['2', 4, 0],
      ['3', 4, 2],
    ]);
  });

  it('keeps a moved or resized block inside the columns', () => {
    expect(layout.clamp({ i: '1', x: 14, y: -1, w: 6, h: 1 }, 8)).toEqual({ i: '1', x: 2, y: 0, w: 6, h: 2 });
  });

  it('takes stored entries, places blocks without one at the first free spot and drops entries of gone blocks', () => {
    const b = (id: number, extra = {}) => ({ id: String(id), size_x: 4, size_y: 2, column: null, row: null, ...extra });
    const layouts = {
      md: [
        { i: '1', x: 0, y: 0, w: 4, h: 2 },
        { i: '99', x: 4, y: 0, w: 4, h: 2 },
      ],
    };
    const out: Entry[] = layout.entriesFor([b(1), b(2), b(3, { column: 0, row: 6 })], layouts, 'md');
    expect(out).toEqual([
      { i: '1', x: 0, y: 0, w: 4, h: 2 },
      { i: '2', x: 4, y: 0, w: 4, h: 2 },
      { i: '3', x: 0, y: 6, w: 4, h: 2 },
    ]);
  });
});

describe('block properties (blocks/*.js)', () => {
  it('knows exactly the server’s visual types', async () => {
    const server = await load('../../src/core/blocks.ts');
    expect(Object.keys(types.BLOCK_TYPES).sort()).toEqual([...server.VISUAL_TYPES].sort());
  });

  it('reads string booleans and numbers as the hosted service stores them', () => {
    expect([common.bool('true'), common.bool('false'), common.bool(true), common.bool('', true), common.bool('yes')]).toEqual([
      true,
      false,
      true,
      true,
      true,
    ]);
    expect([common.num('2.5', 0), common.num('x', 7), common.num(undefined, 3)]).toEqual([2.5, 7, 3]);
    expect(common.formatValue('3.14159', { decimalPlaces: '2' })).toBe('3.14');
    expect(common.formatValue('hello', { decimalPlaces: '2' })).toBe('hello');
  });

  it('evaluates indicator conditions numerically or as text', () => {
    expect(common.matches('51', '> 50')).toBe(true);
    expect(common.matches('9', '> 50')).toBe(false);
    expect(common.matches('10', '>= 9')).toBe(true);
    expect(common.matches('on', '= on')).toBe(true);
    expect(common.matches('off', 'on')).toBe(false);
    expect(common.matches('1', '')).toBeNull();
    expect(indicator.level({ lowConditions: '< 10', mediumConditions: '< 50' }, '30')).toBe('medium');
    expect(indicator.level({ conditions: '= 1' }, '0')).toBe('low');
    expect(indicator.level({}, 'ON')).toBe('high');
  });

  it('lets only colours through as colours', () => {
    expect(common.color('#ff0000', 'x')).toBe('#ff0000');
    expect(common.color('red', 'x')).toBe('red');
    expect(common.color('red; background: url(http://evil)', 'x')).toBe('x');
  });

  it('shows only data: images, recognising bare base64 by its magic bytes', () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
    expect(misc.imageSrc(png)).toBe(`data:image/png;base64,${png}`);
    expect(misc.imageSrc(`data:image/png;base64,${png}`)).toBe(`data:image/png;base64,${png}`);
    expect(misc.imageSrc('http://example.com/a.png')).toBeNull();
    expect(misc.imageSrc('data:text/html;base64,PHNjcmlwdD4=')).toBeNull();
  });

  it('reads selector options and dashboard links in their several spellings', () => {
    expect(controls.selectorOptions({ options: 'red,green' })).toEqual([
      { text: 'red', value: 'red' },
      { text: 'green', value: 'green' },
    ]);
    expect(controls.selectorOptions({ options: 'Low:1, High:2' })).toEqual([
      { text: 'Low', value: '1' },
      { text: 'High', value: '2' },
    ]);
    expect(controls.selectorOptions({ options: '[{"text":"A","value":"a"}]' })).toEqual([{ text: 'A', value: 'a' }]);
    expect(misc.dashboardLinks({ dashboards: '[{"key":"home","name":"Home"}]' })).toEqual([{ key: 'home', name: 'Home' }]);
    expect(misc.dashboardLinks({ dashboards: 'a,b' }).map((d: { key: string }) => d.key)).toEqual(['a', 'b']);
  });
});

describe('rich text Markdown subset (blocks/text.js)', () => {
  // VNodes as plain data: type and children, to compare without a DOM.
  const shape = (n: unknown): unknown => {
    if (Array.isArray(n)) return n.map(shape);
    if (n && typeof n === 'object' && 'type' in n) {
      const v = n as { type: string; props: { children?: unknown; href?: string } };
      return { t: v.type, ...(v.props.href ? { href: v.props.href } : {}), c: shape(v.props.children) };
    }
    return n;
  };

  it('renders headings, emphasis, code, lists and safe links as elements', () => {
    const out = shape(text.markdown('# Title\n\nSome **bold** and `code`.\n\n- one\n- [two](https://x.example)'));
    expect(out).toEqual([
      { t: 'h3', c: ['Title'] },
      { t: 'p', c: ['Some ', { t: 'strong', c: ['bold'] }, ' and ', { t: 'code', c: 'code' }, '.'] },
      {
        t: 'ul',
        c: [
          { t: 'li', c: ['one'] },
          { t: 'li', c: [{ t: 'a', href: 'https://x.example', c: ['two'] }] },
        ],
      },
    ]);
  });

  it('keeps markup and script URLs as text', () => {
    const source = '<img src=x onerror=alert(1)> [x](javascript:alert(1))';
    const [p] = shape(text.markdown(source)) as [{ t: string; c: unknown[] }];
    expect(p.t).toBe('p');
    expect(p.c.every((c) => typeof c === 'string')).toBe(true);
    expect(p.c.join('')).toBe(source);
  });
});
