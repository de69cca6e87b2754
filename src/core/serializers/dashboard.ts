import type { BlockConnection } from '../../db/blocks.js';
import type { Layouts } from '../layouts.js';
import type { BlockRow, DashboardRow } from '../types.js';
import { isoSeconds } from '../values.js';
import { type BlockJson, blocksJson } from './block.js';

export type DashboardJson = ReturnType<typeof dashboardJson>;

/** The one dashboard serializer. `layouts` is given only for single-dashboard answers. */
export function dashboardJson(d: DashboardRow, blockList: BlockJson[], layoutsOf?: Layouts) {
  return {
    id: d.id,
    name: d.name,
    key: d.key,
    description: d.description,
    visibility: d.visibility,
    show_header: d.showHeader,
    header_image_url: d.headerImageUrl,
    color_mode: d.colorMode,
    block_borders: d.blockBorders,
    allow_overlap: d.allowOverlap,
    created_at: isoSeconds(d.createdAt),
    updated_at: isoSeconds(d.updatedAt),
    ...(layoutsOf ? { layouts: layoutsOf } : {}),
    blocks: blockList,
  };
}

/**
 * Dashboard records, each with its blocks out of `blocks` (the blocks of all of them) and their
 * connections out of `links`; `layouts` by dashboard id, for the answers that show them.
 */
export function dashboardsJson(
  rows: readonly DashboardRow[],
  blocks: readonly BlockRow[],
  links: readonly BlockConnection[],
  layouts?: ReadonlyMap<number, Layouts>,
): DashboardJson[] {
  const json = blocksJson(blocks, links);
  const byDashboard = new Map<number, BlockJson[]>();
  blocks.forEach((b, n) => {
    const list = byDashboard.get(b.dashboardId);
    if (list) list.push(json[n]!);
    else byDashboard.set(b.dashboardId, [json[n]!]);
  });
  return rows.map((d) => dashboardJson(d, byDashboard.get(d.id) ?? [], layouts?.get(d.id)));
}
