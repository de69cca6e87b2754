import { AioError } from './errors.js';

// JSON: a small strict parser that keeps the source text of numbers, so `40` stays "40",
// `40.0` stays "40.0" and big integers are not rounded. Both doors use it for data values.

export type JsonNode =
  | { t: 'string'; v: string }
  | { t: 'number'; raw: string }
  | { t: 'boolean'; v: boolean }
  | { t: 'null' }
  | { t: 'array'; items: JsonNode[] }
  | { t: 'object'; entries: Map<string, JsonNode> };

export class JsonSyntaxError extends Error {}

/** Deeper nesting than anyone sends: refused rather than risking the stack. */
export class JsonDepthError extends AioError {
  constructor(message: string) {
    super(422, message);
  }
}

/**
 * `__proto__`, or `constructor` holding a `prototype`: refused with a 400 where the door asks for it,
 * as Fastify's own JSON parser does (secure-json-parse). Our nodes are Maps and harmless, but the
 * JavaScript objects made from them are not everywhere.
 */
export class JsonProtoError extends AioError {
  constructor() {
    super(400, 'bad request - the JSON has a forbidden key (__proto__ or constructor.prototype)');
  }
}

export interface ParseOptions {
  forbidProtoKeys?: boolean;
}

const MAX_DEPTH = 512;
const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonParser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly forbidProtoKeys = false,
  ) {}

  parseDocument(): JsonNode {
    const node = this.value(0);
    this.ws();
    if (this.pos !== this.src.length) this.fail();
    return node;
  }

  private fail(): never {
    throw new JsonSyntaxError(`invalid JSON at ${this.pos}`);
  }

  private ws(): void {
    const s = this.src;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) p++;
      else break;
    }
    this.pos = p;
  }

  private value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) throw new JsonDepthError('JSON is nested too deeply');
    this.ws();
    const s = this.src;
    const c = s[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { t: 'string', v: this.string() };
    if (s.startsWith('true', this.pos)) {
      this.pos += 4;
      return { t: 'boolean', v: true };
    }
    if (s.startsWith('false', this.pos)) {
      this.pos += 5;
      return { t: 'boolean', v: false };
    }
    if (s.startsWith('null', this.pos)) {
      this.pos += 4;
      return { t: 'null' };
    }
    NUMBER_TOKEN.lastIndex = this.pos;
    const m = NUMBER_TOKEN.exec(s);
    if (m === null) this.fail();
    this.pos += m[0].length;
    return { t: 'number', raw: m[0] };
  }

  private string(): string {
    const s = this.src;
    const start = this.pos; // at the opening quote
    let p = start + 1;
    let escaped = false;
    for (;;) {
      if (p >= s.length) this.fail();
      const c = s.charCodeAt(p);
      if (c === 0x22) break; // "
      if (c < 0x20) this.fail();
      if (c === 0x5c) {
        escaped = true;
        p += 2;
        continue;
      }
      p++;
    }
    this.pos = p + 1;
    if (!escaped) return s.slice(start + 1, p);
    try {
      return JSON.parse(s.slice(start, p + 1)) as string; // validates the escapes
    } catch {
      this.fail();
    }
  }

  private array(depth: number): JsonNode {
    this.pos++; // [
    const items: JsonNode[] = [];
    this.ws();
    if (this.src[this.pos] === ']') {
      this.pos++;
      return { t: 'array', items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.src[this.pos++];
      if (c === ']') return { t: 'array', items };
      if (c !== ',') this.fail();
    }
  }

  private object(depth: number): JsonNode {
    this.pos++; // {
    const entries = new Map<string, JsonNode>();
    this.ws();
    if (this.src[this.pos] === '}') {
      this.pos++;
      return { t: 'object', entries };
    }
    for (;;) {
      this.ws();
      if (this.src[this.pos] !== '"') this.fail();
      const key = this.string();
      this.ws();
      if (this.src[this.pos++] !== ':') this.fail();
      const value = this.value(depth + 1);
      if (
        this.forbidProtoKeys &&
        (key === '__proto__' || (key === 'constructor' && value.t === 'object' && value.entries.has('prototype')))
      ) {
        throw new JsonProtoError();
      }
      entries.set(key, value); // duplicate keys: last wins, like JSON.parse
      this.ws();
      const c = this.src[this.pos++];
      if (c === '}') return { t: 'object', entries };
      if (c !== ',') this.fail();
    }
  }
}

/** Parses JSON text; null when it is not JSON. */
export function parseJson(text: string, opts: ParseOptions = {}): JsonNode | null {
  try {
    return new JsonParser(text, opts.forbidProtoKeys).parseDocument();
  } catch (err) {
    if (err instanceof JsonSyntaxError) return null;
    throw err;
  }
}

/** Compact JSON text of a node; numbers keep their source text. */
export function compact(node: JsonNode): string {
  switch (node.t) {
    case 'string':
      return JSON.stringify(node.v);
    case 'number':
      return node.raw;
    case 'boolean':
      return node.v ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'array':
      return `[${node.items.map(compact).join(',')}]`;
    case 'object': {
      const parts: string[] = [];
      for (const [k, v] of node.entries) parts.push(`${JSON.stringify(k)}:${compact(v)}`);
      return `{${parts.join(',')}}`;
    }
  }
}

/**
 * Plain JavaScript from a node, except that a `value` (or webhook `payload`) member that is a number, boolean, object or
 * array becomes its compact source text: data values are stored exactly as sent (`40.0` stays "40.0").
 */
export function toJsKeepingValues(node: JsonNode, key?: string): unknown {
  if ((key === 'value' || key === 'payload') && node.t !== 'string' && node.t !== 'null') return compact(node);
  switch (node.t) {
    case 'string':
      return node.v;
    case 'number':
      return Number(node.raw);
    case 'boolean':
      return node.v;
    case 'null':
      return null;
    case 'array':
      return node.items.map((item) => toJsKeepingValues(item));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.entries) {
        // Keys such as __proto__ stay plain data.
        Object.defineProperty(out, k, { value: toJsKeepingValues(v, k), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}
