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
import { BLOCK_TYPES } from './types.js';

/** visual_type → the component that draws it. */
export const COMPONENTS = {
  toggle_button: ToggleButton,
  momentary_button: MomentaryButton,
  slider: Slider,
  gauge: Gauge,
  line_gauge: LineGauge,
  battery: Battery,
  text: Text,
  line_chart: LineChart,
  multiline_text: MultilineText,
  rich_text: RichText,
  color_picker: ColorPicker,
  map: MapBlock,
  stream: Stream,
  image: Image,
  remote_control: RemoteControl,
  icon: Icon,
  indicator: Indicator,
  number_pad: NumberPad,
  selector: Selector,
  dashboard_link: DashboardLink,
  divider: Divider,
};

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
  const Component = COMPONENTS[block.visual_type];
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
  const body = Component
    ? html`<${Component} block=${block} props=${props} feeds=${feeds} value=${datum?.value} datum=${datum} send=${send} label=${title} rows=${rows} />`
    : html`<p class="block-empty">Unknown block type ${block.visual_type}</p>`;
  return html`<section class=${`block block-${block.visual_type}`} aria-label=${title} data-block-id=${block.id} data-visual-type=${block.visual_type}>
    ${showName ? html`<h2 class="block-title">${title}${groupName ? html` <span class="block-group">${groupName}</span>` : null}</h2>` : null}
    <div class="block-body">${body}</div>
    ${bool(props.showTimestamp) ? html`<${Stamp} at=${datum?.created_at} />` : null}
    ${error ? html`<p class="block-error" role="alert">${error}</p>` : null}
  </section>`;
}
