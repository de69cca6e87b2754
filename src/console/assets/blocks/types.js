// What each block type the server knows (core/blocks.ts VISUAL_TYPES) is: its name in menus, how many
// feeds it takes (0: none, 1: one, 'n': several), its size when added, and the properties the block
// editor offers (any other key can still be set as JSON). blocks/index.js maps each to its component.

const COMMON = ['label', 'showName', 'showGroupName', 'showTimestamp', 'decimalPlaces', 'fontSize', 'fontColor'];
const RANGE = ['minValue', 'maxValue', 'minWarning', 'maxWarning', 'fillColor'];
const CONDITIONS = ['conditions', 'lowConditions', 'mediumConditions', 'highColor', 'mediumColor', 'lowColor', 'onColor', 'offColor'];

export const BLOCK_TYPES = {
  toggle_button: {
    name: 'Toggle',
    feeds: 1,
    size: [4, 2],
    props: ['onText', 'offText', 'onValue', 'offValue', 'onColor', 'offColor'],
  },
  momentary_button: { name: 'Momentary button', feeds: 1, size: [4, 2], props: ['text', 'value', 'release'] },
  slider: { name: 'Slider', feeds: 1, size: [6, 2], props: ['min', 'max', 'step', 'orientation', 'handle'] },
  gauge: { name: 'Gauge', feeds: 1, size: [4, 4], props: [...RANGE, 'ringWidth', 'showIcon'] },
  line_gauge: { name: 'Line gauge', feeds: 1, size: [6, 2], props: RANGE },
  battery: { name: 'Battery', feeds: 1, size: [4, 2], props: RANGE },
  line_chart: {
    name: 'Line chart',
    feeds: 'n',
    size: [8, 5],
    props: ['historyHours', 'xAxisLabel', 'yAxisLabel', 'yAxisMin', 'yAxisMax', 'rawDataOnly', 'steppedLine', 'feedKeyLegend'],
  },
  text: { name: 'Text', feeds: 1, size: [4, 2], props: ['static', 'text', 'preformatted'] },
  multiline_text: { name: 'Multiline text', feeds: 1, size: [6, 4], props: ['static', 'text'] },
  rich_text: { name: 'Rich text (Markdown)', feeds: 0, size: [6, 4], props: ['text'] },
  color_picker: { name: 'Color picker', feeds: 1, size: [4, 2], props: [] },
  map: { name: 'Map', feeds: 'n', size: [8, 5], props: ['historyHours', 'showLocation', 'showNumbers'] },
  stream: { name: 'Stream', feeds: 'n', size: [6, 4], props: ['errors'] },
  image: { name: 'Image', feeds: 1, size: [4, 4], props: [] },
  remote_control: { name: 'Remote control', feeds: 1, size: [4, 6], props: [] },
  icon: {
    name: 'Icon',
    feeds: 1,
    size: [2, 2],
    props: ['static', 'icon', 'lowIcon', 'highIcon', ...CONDITIONS.slice(0, 3)],
  },
  indicator: { name: 'Indicator', feeds: 1, size: [2, 2], props: CONDITIONS },
  number_pad: { name: 'Number pad', feeds: 1, size: [4, 6], props: [] },
  selector: { name: 'Selector', feeds: 1, size: [4, 2], props: ['options'] },
  dashboard_link: { name: 'Dashboard links', feeds: 0, size: [4, 2], props: ['dashboards'] },
  divider: { name: 'Divider', feeds: 0, size: [8, 2], props: [] },
};
export const COMMON_PROPS = COMMON;
