import { and, asc, eq } from 'drizzle-orm';
import type { Db } from './open.js';
import { integrations } from './schema.js';

export type IntegrationRow = typeof integrations.$inferSelect;
export type IntegrationInsert = typeof integrations.$inferInsert;
export type IntegrationService = IntegrationRow['service'];

/** Integration records, scoped by their owner and service. */
export class IntegrationStore {
  constructor(private readonly db: Db) {}

  insert(row: IntegrationInsert): IntegrationRow {
    return this.db.insert(integrations).values(row).returning().get();
  }

  list(userId: number, service: IntegrationService): IntegrationRow[] {
    return this.db
      .select()
      .from(integrations)
      .where(and(eq(integrations.userId, userId), eq(integrations.service, service)))
      .orderBy(asc(integrations.id))
      .all();
  }

  byId(userId: number, service: IntegrationService, id: number): IntegrationRow | undefined {
    return this.db
      .select()
      .from(integrations)
      .where(and(eq(integrations.userId, userId), eq(integrations.service, service), eq(integrations.id, id)))
      .get();
  }

  byName(userId: number, service: IntegrationService, name: string): IntegrationRow | undefined {
    return this.db
      .select()
      .from(integrations)
      .where(and(eq(integrations.userId, userId), eq(integrations.service, service), eq(integrations.name, name)))
      .get();
  }

  remove(userId: number, service: IntegrationService, id: number): void {
    this.db
      .delete(integrations)
      .where(and(eq(integrations.userId, userId), eq(integrations.service, service), eq(integrations.id, id)))
      .run();
  }
}
