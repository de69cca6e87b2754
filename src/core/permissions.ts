import type { ObjectRef, PermissionAttrs, PermissionModel, PermissionRow } from '../db/permissions.js';
import type { Ctx } from './context.js';
import type { Dashboards } from './dashboards.js';
import type { Data, DatumInput } from './data.js';
import { forbidden, invalid, notFound } from './errors.js';
import type { ActivityEvent } from './events.js';
import type { Feeds, Fields } from './feeds.js';
import type { Groups } from './groups.js';
import { isNumericId } from './keys.js';
import type { DataRow, FeedRow, UserRow } from './types.js';
import { isoSeconds } from './values.js';

export type { ObjectRef, PermissionModel, PermissionRow } from '../db/permissions.js';

/**
 * Sharing (compat-notes §2.1 Permission, §2.7, §3.2). A permission lets others than the owner at a
 * feed, a group or a dashboard:
 * - scope `public`: anyone, with any key or none, reads it (mode `r` only). It is the object's
 *   `visibility: "public"`: setting one sets the other, both ways.
 * - scope `user`, `scope_value` a username: that account reads (`r`), writes data (`w`) or both
 *   (`rw`), with its own key or its own tokens (within their flags), at the owner's paths and topics.
 * What a permission on a group or dashboard reaches: the group's record and its member feeds; the
 * dashboard's record, its blocks and the feeds they show. Writing means data (create, update, delete
 * points on existing feeds); the records themselves, their settings and their permissions stay the
 * owner's. `secret` and `organization` (hosted scopes for secret links and teams) are refused with a 422.
 */
export type Access = 'read' | 'write';

export interface Grant {
  read: boolean;
  write: boolean;
}

const FULL: Grant = { read: true, write: true };

function grantOf(modes: readonly string[]): Grant {
  let read = false;
  let write = false;
  for (const m of modes) {
    if (m.includes('r')) read = true;
    if (m.includes('w')) write = true;
  }
  return { read, write };
}

/** The `{type}` of the ACL routes. */
export const PERMISSION_TYPES: Readonly<Record<string, PermissionModel>> = { feeds: 'feed', groups: 'group', dashboards: 'dashboard' };

const MODES = new Set(['r', 'w', 'rw']);
const UNSUPPORTED_SCOPES: Readonly<Record<string, string>> = {
  secret: 'secret links are not offered by this server',
  organization: 'this server has no organizations',
};

/** What a request or topic names on an owner's path: one object, or the list of a kind. */
export type Target = { model: PermissionModel; ident: string } | { list: PermissionModel };

export interface SharedWith {
  username: string;
  mode: string;
  scope: 'user';
}

export class Permissions {
  constructor(
    private readonly ctx: Ctx,
    private readonly feeds: Feeds,
    private readonly groups: Groups,
    private readonly dashboards: Dashboards,
    private readonly data: Data,
  ) {
    ctx.events.on('activity', (e) => this.changed(e));
  }

  // ---------------------------------------------------------------------------------------------
  // The rules: what `actor` (null: a request without a key) may do with `owner`'s things.

  /** What `actor` may do with the owner's feed: through the feed, a group it is in or a dashboard showing it. */
  feedGrant(actor: UserRow | null, owner: UserRow, feed: FeedRow): Grant {
    if (actor?.id === owner.id) return FULL;
    return grantOf(this.ctx.stores.permissions.feedModes(owner.id, feed.id, actor?.id ?? null));
  }

  /** What `actor` may do with the owner's group or dashboard itself (its record; a group's feed data). */
  objectGrant(actor: UserRow | null, owner: UserRow, ref: ObjectRef): Grant {
    if (actor?.id === owner.id) return FULL;
    if (ref.model === 'feed') throw new Error('feeds are checked with feedGrant');
    return grantOf(this.ctx.stores.permissions.modesOn(owner.id, ref, actor?.id ?? null));
  }

  /**
   * Whether `actor` may `access` what a request or topic names on the owner's path. A missing object
   * and one not shared are the same `false`, so a refusal tells nothing about what exists. A list is
   * readable when at least one of its things is (and then shows only those: see readable()).
   */
  allows(actor: UserRow | null, owner: UserRow, target: Target, access: Access): boolean {
    if (actor?.id === owner.id) return true;
    if ('list' in target) return access === 'read' && this.anyReadable(actor, owner, target.list);
    let grant: Grant;
    if (target.model === 'feed') {
      const feed = this.feeds.find(owner, target.ident);
      if (!feed) return false;
      grant = this.feedGrant(actor, owner, feed);
    } else {
      const found = target.model === 'group' ? this.groups.find(owner, target.ident) : this.dashboards.find(owner, target.ident);
      if (!found) return false;
      grant = this.objectGrant(actor, owner, { model: target.model, id: found.id });
    }
    return access === 'read' ? grant.read : grant.write;
  }

  private anyReadable(actor: UserRow | null, owner: UserRow, model: PermissionModel): boolean {
    const store = this.ctx.stores.permissions;
    const grants =
      model === 'feed' ? store.feedGrants(owner.id, actor?.id ?? null) : store.objectGrants(owner.id, model, actor?.id ?? null);
    for (const modes of grants.values()) if (grantOf(modes).read) return true;
    return false;
  }

  /** What `actor` may do with each of the owner's feeds that anything reaches (absent: nothing). */
  feedGrants(actor: UserRow | null, owner: UserRow): Map<number, Grant> {
    const out = new Map<number, Grant>();
    for (const [id, modes] of this.ctx.stores.permissions.feedGrants(owner.id, actor?.id ?? null)) out.set(id, grantOf(modes));
    return out;
  }

  /** The ones of `rows` (the owner's feeds, groups or dashboards) that `actor` may read. */
  readable<T extends { id: number }>(actor: UserRow | null, owner: UserRow, model: PermissionModel, rows: T[]): T[] {
    if (actor?.id === owner.id) return rows;
    const store = this.ctx.stores.permissions;
    const grants =
      model === 'feed' ? store.feedGrants(owner.id, actor?.id ?? null) : store.objectGrants(owner.id, model, actor?.id ?? null);
    return rows.filter((r) => grantOf(grants.get(r.id) ?? []).read);
  }

  /** The owner's feeds that anyone besides the owner may reach (a feed's `is_shared`). */
  sharedFeedIds(owner: UserRow): Set<number> {
    return new Set(this.ctx.stores.permissions.feedGrants(owner.id, 'any').keys());
  }

  /** The accounts the feed is shared with, as a feed's `details.shared_with` lists them. */
  sharedWith(owner: UserRow, feed: FeedRow): SharedWith[] {
    return this.ctx.stores.permissions.sharedWith(owner.id, feed.id).map((s) => ({ username: s.username, mode: s.mode, scope: 'user' }));
  }

  /**
   * Points written by another account on the owner's existing feeds: refused unless every feed is
   * shared with the writer for writing; stored as the owner's, from the writer's rate budget (the
   * same path as the owner's writes: validation, commit, fan-out). Never creates a feed.
   */
  writeData(
    writer: UserRow,
    owner: UserRow,
    items: Array<{ feed: FeedRow; datum: DatumInput }>,
    qos?: 0 | 1,
  ): Array<{ feed: FeedRow; row: DataRow }> {
    for (const { feed } of items) {
      if (!this.feedGrant(writer, owner, feed).write)
        throw forbidden(`forbidden - the API key provided does not give access to ${owner.username}'s data`);
    }
    return this.data.storeShared(writer, owner, items, qos);
  }

  /** Sharing may have narrowed whenever an owner's permission, feed, group, dashboard or block changes. */
  private changed(e: ActivityEvent): void {
    if (e.model === 'Token') return;
    const owner = this.ctx.stores.accounts.byId(e.userId);
    if (owner) this.ctx.events.emit('sharing', { owner });
  }

  // ---------------------------------------------------------------------------------------------
  // The ACL routes: `{username}/{type}/{type_id}/acl[/{id}]`, the owner's only.

  /** The feed, group or dashboard the route names (by key, id or name, as elsewhere). */
  object(owner: UserRow, model: PermissionModel, ident: string): ObjectRef {
    if (model === 'feed') return { model, id: this.feeds.resolve(owner, ident).id };
    if (model === 'group') return { model, id: this.groups.resolve(owner, ident).id };
    return { model, id: this.dashboards.resolve(owner, ident).id };
  }

  list(owner: UserRow, ref: ObjectRef): PermissionRow[] {
    return this.ctx.stores.permissions.list(owner.id, ref);
  }

  resolve(owner: UserRow, ref: ObjectRef, ident: string): PermissionRow {
    const row = isNumericId(ident) ? this.ctx.stores.permissions.byId(owner.id, ref, Number(ident)) : undefined;
    if (!row) throw notFound(`not found - there is no permission with id '${ident}' on this ${ref.model}`);
    return row;
  }

  create(owner: UserRow, ref: ObjectRef, input: Fields): PermissionRow {
    const attrs = this.attrs(owner, ref, input);
    const now = this.ctx.clock();
    const store = this.ctx.stores.permissions;
    const row = this.ctx.tx.run(() => {
      this.assertUnique(owner, ref, attrs);
      const id = store.insert({ userId: owner.id, model: ref.model, ...objectColumn(ref), ...attrs, createdAt: now, updatedAt: now });
      this.syncVisibility(owner, ref);
      return store.byId(owner.id, ref, id)!;
    });
    this.ctx.events.emit('activity', { userId: owner.id, action: 'create', model: 'Permission', record: this.json(row) });
    return row;
  }

  /** Changes only the fields sent (PUT and PATCH alike, as for every other record). */
  update(owner: UserRow, ref: ObjectRef, current: PermissionRow, input: Fields): PermissionRow {
    const attrs = this.attrs(owner, ref, input, current);
    const store = this.ctx.stores.permissions;
    const row = this.ctx.tx.run(() => {
      this.assertUnique(owner, ref, attrs, current.id);
      store.update(owner.id, current.id, { ...attrs, updatedAt: this.ctx.clock() });
      this.syncVisibility(owner, ref);
      return store.byId(owner.id, ref, current.id)!;
    });
    this.ctx.events.emit('activity', { userId: owner.id, action: 'update', model: 'Permission', record: this.json(row) });
    return row;
  }

  delete(owner: UserRow, ref: ObjectRef, row: PermissionRow): void {
    this.ctx.tx.run(() => {
      this.ctx.stores.permissions.remove(owner.id, row.id);
      this.syncVisibility(owner, ref);
    });
    this.ctx.events.emit('activity', { userId: owner.id, action: 'delete', model: 'Permission', record: this.json(row) });
  }

  /** The permission record (compat-notes §2.1): `user_id` is the owner, `object_id` the feed, group or dashboard. */
  json(row: PermissionRow) {
    return {
      id: row.id,
      user_id: row.userId,
      scope: row.scope,
      scope_value: row.scope === 'user' ? row.scopeUsername : null,
      mode: row.mode,
      model: row.model,
      object_id: row.feedId ?? row.groupId ?? row.dashboardId,
      created_at: isoSeconds(row.createdAt),
      updated_at: isoSeconds(row.updatedAt),
    };
  }

  /** `visibility` says whether the object has a public permission: the two are one thing. */
  private syncVisibility(owner: UserRow, ref: ObjectRef): void {
    const store = this.ctx.stores.permissions;
    const isPublic = store.list(owner.id, ref).some((p) => p.scope === 'public');
    store.setVisibility(owner.id, ref, isPublic ? 'public' : 'private');
  }

  private assertUnique(
    owner: UserRow,
    ref: ObjectRef,
    attrs: Required<Pick<PermissionAttrs, 'scope' | 'scopeUserId'>>,
    except?: number,
  ): void {
    const twin = this.ctx.stores.permissions
      .list(owner.id, ref)
      .find((p) => p.id !== except && p.scope === attrs.scope && p.scopeUserId === attrs.scopeUserId);
    if (!twin) return;
    const whom = attrs.scope === 'public' ? 'is public already' : `is shared with ${twin.scopeUsername} already`;
    throw invalid(`Validation failed: this ${ref.model} ${whom} (permission ${twin.id}); change that one`);
  }

  /** mode (default `r`), scope (default `public`) and scope_value, checked; on update, what is not sent stays. */
  private attrs(owner: UserRow, ref: ObjectRef, input: Fields, current?: PermissionRow) {
    const given = (v: unknown) => v !== undefined && v !== null && v !== '';
    let scope = current?.scope ?? 'public';
    if (given(input.scope)) {
      scope = typeof input.scope === 'string' ? input.scope.trim().toLowerCase() : '';
      if (UNSUPPORTED_SCOPES[scope])
        throw invalid(`Validation failed: scope "${scope}" is not supported (${UNSUPPORTED_SCOPES[scope]}); use "public" or "user"`);
      if (scope !== 'public' && scope !== 'user') throw invalid('Validation failed: Scope must be "public" or "user"');
    }
    let mode = current?.mode ?? 'r';
    if (given(input.mode)) {
      mode = typeof input.mode === 'string' ? input.mode.trim().toLowerCase() : '';
      if (mode === 'wr') mode = 'rw';
      if (!MODES.has(mode)) throw invalid('Validation failed: Mode must be "r", "w" or "rw"');
    }
    let scopeUserId: number | null = null;
    if (scope === 'public') {
      if (mode !== 'r') {
        throw invalid(`Validation failed: a public ${ref.model} can only be read (mode "r"); give write access to a user (scope "user")`);
      }
    } else if (given(input.scope_value)) {
      const name = typeof input.scope_value === 'string' ? input.scope_value.trim() : String(input.scope_value);
      const grantee = this.ctx.stores.accounts.byUsername(name);
      if (!grantee)
        throw invalid(`Validation failed: Scope value must be the username of an account on this server; there is no "${name}"`);
      if (grantee.id === owner.id) throw invalid(`Validation failed: Scope value must be another account; ${name} owns this ${ref.model}`);
      scopeUserId = grantee.id;
    } else if (current?.scope === 'user') {
      scopeUserId = current.scopeUserId;
    } else {
      throw invalid('Validation failed: Scope value can\'t be blank: name the account to share with (scope "user")');
    }
    return { scope, mode, scopeUserId };
  }
}

function objectColumn(ref: ObjectRef): { feedId?: number; groupId?: number; dashboardId?: number } {
  if (ref.model === 'feed') return { feedId: ref.id };
  if (ref.model === 'group') return { groupId: ref.id };
  return { dashboardId: ref.id };
}
