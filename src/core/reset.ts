// The test control plane's reset (issue #18): put one account, or the whole server, back to a
// known state between test cases. Stored state goes in one transaction; what the core keeps in
// memory about it (rate buckets, bans, cached logins, the actions' working set) goes after it, and
// the doors hear of it through the `reset` event (the MQTT door drops offline sessions and, when
// asked, the account's connections).

import type { Accounts } from './accounts.js';
import type { Actions } from './actions.js';
import type { Ctx } from './context.js';
import { notFound } from './errors.js';
import type { Sessions } from './sessions.js';
import type { UserRow } from './types.js';

export interface ResetOptions {
  /** End the account's MQTT connections (they reconnect to an empty account). */
  disconnect?: boolean;
}

export interface ResetAllOptions extends ResetOptions {
  /** `keep`: every account stays with its key, emptied; `delete`: only the configured accounts stay. */
  accounts: 'keep' | 'delete';
}

export class Reset {
  constructor(
    private readonly ctx: Ctx,
    private readonly accounts: Accounts,
    private readonly actions: Actions,
    private readonly sessions: Sessions,
  ) {}

  /** The account by name, or a 404. */
  user(username: string): UserRow {
    const user = this.accounts.find(username);
    if (!user) throw notFound(`not found - there is no account named ${username}`);
    return user;
  }

  /** Empties one account: it keeps its name, key and settings, and owns nothing but its default group. */
  account(username: string, opts: ResetOptions = {}): UserRow {
    const user = this.user(username);
    this.inTransaction([user.id], () => this.empty(user));
    this.ctx.events.emit('reset', { userId: user.id, disconnect: opts.disconnect === true });
    return user;
  }

  /**
   * Empties every account; with `delete`, every account but the configured ones (AIO_USERNAME,
   * AIO_USERS) goes, and those get their configured key back. Answers the accounts left.
   */
  all(opts: ResetAllOptions): { accounts: string[]; deleted: string[] } {
    const before = this.accounts.list();
    const configured = new Map<string, string | undefined>();
    if (this.ctx.config.username) configured.set(this.ctx.config.username, this.ctx.config.key);
    for (const u of this.ctx.config.extraUsers) configured.set(u.username, u.key);
    const gone = opts.accounts === 'delete' ? before.filter((u) => !configured.has(u.username)) : [];
    const kept = before.filter((u) => !gone.includes(u));
    this.inTransaction(
      before.map((u) => u.id),
      () => {
        for (const u of before) for (const clientId of this.ctx.stores.reset.sessionClientIds(u.id)) this.sessions.discard(clientId);
        if (gone.length > 0) this.ctx.stores.reset.deleteAccountsExcept(kept.map((u) => u.username));
        for (const u of kept) {
          this.empty(u);
          const key = configured.get(u.username);
          if (opts.accounts === 'delete' && key !== undefined) this.accounts.setKey(u.username, key);
        }
      },
    );
    this.ctx.bans.forget();
    this.ctx.limiter.forget();
    const disconnect = opts.disconnect === true;
    for (const u of gone) this.ctx.events.emit('reset', { userId: u.id, disconnect: true });
    for (const u of kept) this.ctx.events.emit('reset', { userId: u.id, disconnect });
    return { accounts: kept.map((u) => u.username), deleted: gone.map((u) => u.username) };
  }

  /**
   * Runs `fn` in one transaction, then forgets what memory holds of the accounts (whether it
   * committed or not: the actions' working set is read back from what is stored).
   */
  inTransaction<T>(userIds: number[], fn: () => T): T {
    try {
      return this.ctx.tx.run(fn);
    } finally {
      this.accounts.forgetCached();
      for (const id of userIds) {
        this.ctx.limiter.forget(id);
        this.ctx.bans.forget(id);
        this.actions.engine.resync(id);
      }
    }
  }

  /** Inside a transaction: deletes what the account owns and its sessions. */
  empty(user: UserRow): void {
    for (const clientId of this.ctx.stores.reset.sessionClientIds(user.id)) this.sessions.discard(clientId);
    this.ctx.stores.reset.emptyAccount(user.id, this.ctx.clock());
    // Others' subscriptions to what it shared are checked again.
    this.ctx.events.emit('sharing', { owner: user });
  }
}
