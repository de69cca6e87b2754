import { and, asc, eq, sql } from 'drizzle-orm';
import type { DashboardRow } from '../core/types.js';
import type { Db } from './open.js';
import { dashboards } from './schema.js';

export type DashboardInsert = typeof dashboards.$inferInsert;
/** The columns an update may set (never the owner or the id). */
export type DashboardAttrs = Partial<Omit<DashboardInsert, 'id' | 'userId'>>;

/**
 * Dashboards, each scoped by its owner. Their blocks and layouts are in db/blocks.ts and
 * db/layouts.ts; deleting a dashboard takes both with it (the schema cascades).
 */
export class DashboardStore {
  // Every dashboard route resolves its dashboard by one of these first.
  private readonly byKeyStmt;
  private readonly byIdStmt;
  private readonly byNameStmt;

  constructor(private readonly db: Db) {
    const scoped = (col: typeof dashboards.key | typeof dashboards.id | typeof dashboards.name, name: string) =>
      db
        .select()
        .from(dashboards)
        .where(and(eq(dashboards.userId, sql.placeholder('userId')), eq(col, sql.placeholder(name))))
        .prepare();
    this.byKeyStmt = scoped(dashboards.key, 'key');
    this.byIdStmt = scoped(dashboards.id, 'id');
    this.byNameStmt = scoped(dashboards.name, 'name');
  }

  list(userId: number): DashboardRow[] {
    return this.db.select().from(dashboards).where(eq(dashboards.userId, userId)).orderBy(asc(dashboards.id)).all();
  }

  byKey(userId: number, key: string): DashboardRow | undefined {
    return this.byKeyStmt.get({ userId, key });
  }

  byId(userId: number, id: number): DashboardRow | undefined {
    return this.byIdStmt.get({ userId, id });
  }

  byName(userId: number, name: string): DashboardRow | undefined {
    return this.byNameStmt.get({ userId, name });
  }

  insert(row: DashboardInsert): DashboardRow {
    return this.db.insert(dashboards).values(row).returning().get();
  }

  update(userId: number, id: number, attrs: DashboardAttrs): DashboardRow {
    return this.db
      .update(dashboards)
      .set(attrs)
      .where(and(eq(dashboards.userId, userId), eq(dashboards.id, id)))
      .returning()
      .get();
  }

  remove(userId: number, id: number): void {
    this.db
      .delete(dashboards)
      .where(and(eq(dashboards.userId, userId), eq(dashboards.id, id)))
      .run();
  }
}
