// Every block type the server knows (core/blocks.ts VISUAL_TYPES), the component that draws it, and the
// frame around each block: its title, its value writes and their errors.
import { api } from '../lib/api.js';
import { html, useState } from '../lib/html.js';
import { ColorPicker, MomentaryButton, Selector, Slider, ToggleButton } from './controls.js';
import { bool, text } from './common.js';
import { LineChart } from './chart.js';
import { Battery, Gauge, LineGauge } from './gauge.js';
import { Icon, Indicator } from './indicator.js';
import { NumberPad, RemoteControl } from './keypad.js';
import { MapBlock } from './map.js';
import { DashboardLink, Divider, Image } from './misc.js';
import { Stream } from './stream.js';
import { MultilineText, RichText, Text } from './text.js';

const COMMON = ['label', 'showName', 'showGroupName', 'showTimestamp', 'decimalPlaces', 'fontSize', 'fontColor'];
const RANGE = ['minValue', 'maxValue', 'minWarning', 'maxWarning', 'fillColor'];
const CONDITIONS = ['conditions', 'lowConditions', 'mediumConditions', 'highColor', 'mediumColor', 'lowColor', 'onColor', 'offColor'];

/**
 * visual_type → what draws it, its name in menus, how many feeds it takes (0: none, 1: one, n: several),
 * and the properties the block editor offers (any other key can still be set as JSON).
 */
export const BLOCK_TYPES = {
  toggle_button: {
    component: ToggleButton,
    name: 'Toggle',
    feeds: 1,
    size: [4, 2],
    props: ['onText', 'offText', 'onValue', 'offValue', 'onColor', 'offColor'],
  },
  momentary_button: { component: MomentaryButton, name: 'Momentary button', feeds: 1, size: [4, 2], props: ['text', 'value', 'release'] },
  slider: { component: Slider, name: 'Slider', feeds: 1, size: [6, 2], props: ['min', 'max', 'step', 'orientation', 'handle'] },
  gauge: { component: Gauge, name: 'Gauge', feeds: 1, size: [4, 4], props: [...RANGE, 'ringWidth', 'showIcon'] },
  line_gauge: { component: LineGauge, name: 'Line gauge', feeds: 1, size: [6, 2], props: RANGE },
  battery: { component: Battery, name: 'Battery', feeds: 1, size: [4, 2], props: RANGE },
  line_chart: {
    component: LineChart,
    name: 'Line chart',
    feeds: 'n',
    size: [8, 5],
    props: ['historyHours', 'xAxisLabel', 'yAxisLabel', 'yAxisMin', 'yAxisMax', 'rawDataOnly', 'steppedLine', 'feedKeyLegend'],
  },
  text: { component: Text, name: 'Text', feeds: 1, size: [4, 2], props: ['static', 'text', 'preformatted'] },
  multiline_text: { component: MultilineText, name: 'Multiline text', feeds: 1, size: [6, 4], props: ['static', 'text'] },
  rich_text: { component: RichText, name: 'Rich text (Markdown)', feeds: 0, size: [6, 4], props: ['text'] },
  color_picker: { component: ColorPicker, name: 'Color picker', feeds: 1, size: [4, 2], props: [] },
  map: { component: MapBlock, name: 'Map', feeds: 'n', size: [8, 5], props: ['historyHours', 'showLocation', 'showNumbers'] },
  stream: { component: Stream, name: 'Stream', feeds: 'n', size: [6, 4], props: ['errors'] },
  image: { component: Image, name: 'Image', feeds: 1, size: [4, 4], props: [] },
  remote_control: { component: RemoteControl, name: 'Remote control', feeds: 1, size: [4, 6], props: [] },
  icon: {
    component: Icon,
    name: 'Icon',
    feeds: 1,
    size: [2, 2],
    props: ['static', 'icon', 'lowIcon', 'highIcon', ...CONDITIONS.slice(0, 3)],
  },
  indicator: { component: Indicator, name: 'Indicator', feeds: 1, size: [2, 2], props: CONDITIONS },
  number_pad: { component: NumberPad, name: 'Number pad', feeds: 1, size: [4, 6], props: [] },
  selector: { component: Selector, name: 'Selector', feeds: 1, size: [4, 2], props: ['options'] },
  dashboard_link: { component: DashboardLink, name: 'Dashboard links', feeds: 0, size: [4, 2], props: ['dashboards'] },
  divider: { component: Divider, name: 'Divider', feeds: 0, size: [8, 2], props: [] },
};
export const COMMON_PROPS = COMMON;

/** The title a block is known by: its name, its label, its first feed's name, or its type. */
export function blockTitle(block) {
  const props = block.properties ?? {};
  return (
    text(block.name) || text(props.label) || block.block_feeds?.[0]?.feed?.name || BLOCK_TYPES[block.visual_type]?.name || block.visual_type
  );
}

function Stamp({ at }) {
  if (!at) return null;
  return html`<time class="block-time" datetime=${at}>${new Date(at).toLocaleString()}</time>`;
}

/**
 * One block in its frame. `datums` maps feed id → the newest datum the page knows; `onSent(feedId, datum)`
 * lets the page show a written value at once, before its live event arrives.
 */
export function BlockView({ block, datums, onSent, rows = 4 }) {
  const [error, setError] = useState(null);
  const type = BLOCK_TYPES[block.visual_type];
  const props = block.properties ?? {};
  const feeds = (block.block_feeds ?? []).map((bf) => ({ feed: bf.feed, group: bf.group, datum: datums.get(bf.feed.id) }));
  const datum = feeds[0]?.datum;
  const title = blockTitle(block);
  const send = async (value, n = 0) => {
    const f = feeds[n];
    if (!f) {
      setError('This block has no feed to write to.');
      return;
    }
    try {
      const d = await api.post(`/feeds/${encodeURIComponent(f.feed.key)}/data`, { value: String(value) });
      setError(null);
      onSent?.(f.feed.id, d);
    } catch (e) {
      setError(e.message ?? String(e));
    }
  };
  const showName = bool(props.showName, block.visual_type !== 'divider');
  const groupName = bool(props.showGroupName) && feeds[0]?.group ? feeds[0].group.name : null;
  const body = type
    ? html`<${type.component} block=${block} props=${props} feeds=${feeds} value=${datum?.value} datum=${datum} send=${send} label=${title} rows=${rows} />`
    : html`<p class="block-empty">Unknown block type ${block.visual_type}</p>`;
  return html`<section class=${`block block-${block.visual_type}`} aria-label=${title} data-block-id=${block.id} data-visual-type=${block.visual_type}>
    ${showName ? html`<h2 class="block-title">${title}${groupName ? html` <span class="block-group">${groupName}</span>` : null}</h2>` : null}
    <div class="block-body">${body}</div>
    ${bool(props.showTimestamp) ? html`<${Stamp} at=${datum?.created_at} />` : null}
    ${error ? html`<p class="block-error" role="alert">${error}</p>` : null}
  </section>`;
}
