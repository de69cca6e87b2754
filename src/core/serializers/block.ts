import type { BlockConnection } from '../../db/blocks.js';
import type { BlockRow } from '../types.js';
import { isoSeconds } from '../values.js';

export interface BlockFeedJson {
  id: string;
  feed: { id: number; name: string; key: string };
  group: { id: number; name: string; key: string } | null;
}

export type BlockJson = ReturnType<typeof blockJson>;

/**
 * The one block serializer: ids are strings, as the hosted service sends them. A block has no key of
 * its own; `key` repeats the id because the Ruby client's `block(record)` falls back to `record['key']`.
 */
export function blockJson(b: BlockRow, connections: BlockFeedJson[]) {
  return {
    id: String(b.id),
    name: b.name,
    description: b.description,
    key: String(b.id),
    visual_type: b.visualType,
    column: b.column,
    row: b.row,
    size_x: b.sizeX,
    size_y: b.sizeY,
    source_key: null,
    source: null,
    properties: JSON.parse(b.properties) as Record<string, unknown>,
    block_feeds: connections,
    created_at: isoSeconds(b.createdAt),
    updated_at: isoSeconds(b.updatedAt),
  };
}

/** Block records, each with its own connections out of `links` (the connections of all of them, in order). */
export function blocksJson(rows: readonly BlockRow[], links: readonly BlockConnection[]): BlockJson[] {
  const byBlock = new Map<number, BlockFeedJson[]>();
  for (const l of links) {
    const entry: BlockFeedJson = { id: String(l.id), feed: l.feed, group: l.group };
    const list = byBlock.get(l.blockId);
    if (list) list.push(entry);
    else byBlock.set(l.blockId, [entry]);
  }
  return rows.map((b) => blockJson(b, byBlock.get(b.id) ?? []));
}
