// Client text in log lines. A client id or topic is whatever the client sent: written as is, a
// `\n{"level":50,...}` in it would start a line of its own that reads like one of ours.

/** Line breaks and other control characters JSON.stringify leaves alone (C1, DEL, U+2028/9) or that no line should hold. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const HAS_CONTROL = new RegExp(CONTROL.source);

const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Client text for a log line: quoted like a JSON string, every control character escaped. */
export function printable(text: string): string {
  return JSON.stringify(text).replace(CONTROL, escapeChar);
}

/** The last guard before a line is written: whatever reached it unquoted stays on one line. */
export function oneLine(line: string): string {
  return HAS_CONTROL.test(line) ? line.replace(CONTROL, escapeChar) : line;
}
