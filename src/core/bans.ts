import type { Clock } from './clock.js';
import type { Ban, CoreEventBus } from './events.js';
import { MinuteWindow } from './minute-window.js';
import type { UserRow } from './types.js';

/** What MQTT clients do that the hosted service counts per user per minute (compat notes 3.1, 3.8). */
export type GuardedAction = 'connect' | 'subscribe' | 'refusedSubscribe' | 'refusedPublish' | 'throttledPublish';

export interface BanLimits {
  enabled: boolean;
  /** Per minute; one more than this starts a ban. */
  connects: number;
  subscribes: number;
  refused: number;
  throttled: number;
  /** Failed logins per client address and username per minute before that login from it is refused outright. */
  failedLogins: number;
  /** Failed logins per client address per minute, whatever the username, before every login from it is refused. */
  failedLoginsPerAddress: number;
}

/** Longer names cannot be accounts (usernames have at most 64 characters): their failures share one count per address. */
const MAX_USERNAME = 64;

const BAN_STEP_S = 30;
const BAN_MAX_S = 3600;
const HOUR = 3_600_000;

/** 30 s, and 30 s more for each ban in the last hour, at most an hour. */
export function banSeconds(bansInLastHour: number): number {
  return Math.min(BAN_MAX_S, BAN_STEP_S * (bansInLastHour + 1));
}

interface UserGuard {
  windows: Record<GuardedAction, MinuteWindow>;
  /** Start times of bans in the last hour: each one lengthens the next. */
  bans: number[];
  ban?: Ban;
}

/**
 * Temporary MQTT bans: too many connection attempts, subscriptions, refused subscriptions or
 * publishes, or publishing on past the data limit in one minute bans the user for 30 s, 30 s more
 * for each ban in the last hour, at most an hour. The broker enforces; this module decides.
 */
export class Bans {
  private readonly users = new Map<number, UserGuard>();
  /**
   * Failed logins by address and by (address, username). Devices behind one NAT or proxy share an
   * address: one of them guessing (or holding an old key) must not lock the others out, so the
   * per-username limit is the tight one and the address-wide one is a much higher ceiling.
   */
  private readonly failedByAddress = new Map<string, MinuteWindow>();
  private readonly failedByLogin = new Map<string, MinuteWindow>();

  constructor(
    private readonly clock: Clock,
    private readonly events: CoreEventBus,
    readonly limits: BanLimits,
  ) {}

  /** The user's ban in force, if any. */
  /** Lifts a user's ban and forgets their counters (everyone's, and every address's, without one): test control plane reset. */
  forget(userId?: number): void {
    if (userId !== undefined) {
      this.users.delete(userId);
      return;
    }
    this.users.clear();
    this.failedByAddress.clear();
    this.failedByLogin.clear();
  }

  current(user: UserRow): Ban | undefined {
    const g = this.users.get(user.id);
    if (!g?.ban) return undefined;
    if (this.clock() >= g.ban.until) {
      g.ban = undefined;
      return undefined;
    }
    return g.ban;
  }

  /** Counts an action; returns the ban it started, if it crossed a threshold. */
  note(user: UserRow, action: GuardedAction): Ban | undefined {
    const now = this.clock();
    const g = this.guard(user.id);
    g.windows[action].add(now);
    if (!this.limits.enabled || this.current(user)) return undefined;
    const refused = g.windows.refusedSubscribe.total(now) + g.windows.refusedPublish.total(now);
    const over =
      action === 'connect'
        ? g.windows.connect.total(now) > this.limits.connects
        : action === 'subscribe'
          ? g.windows.subscribe.total(now) > this.limits.subscribes
          : action === 'throttledPublish'
            ? g.windows.throttledPublish.total(now) > this.limits.throttled
            : refused > this.limits.refused;
    return over ? this.start(user, action === 'connect' ? 'connect' : 'abuse', now) : undefined;
  }

  private start(user: UserRow, reason: Ban['reason'], now: number): Ban {
    const g = this.guard(user.id);
    g.bans = g.bans.filter((t) => now - t < HOUR);
    const seconds = banSeconds(g.bans.length);
    g.bans.push(now);
    const ban: Ban = {
      until: now + seconds * 1000,
      seconds,
      reason,
      message: `enforcement limit reached, your account is banned for ${seconds} seconds`,
    };
    g.ban = ban;
    this.events.emit('ban', { user, ban });
    return ban;
  }

  /** Whether this login from this address is refused for now (too many failures in the last minute). */
  loginBlocked(address: string, username: string): boolean {
    if (!this.limits.enabled) return false;
    const now = this.clock();
    const byAddress = this.failedByAddress.get(address);
    if (byAddress && byAddress.total(now) >= this.limits.failedLoginsPerAddress) return true;
    const byLogin = this.failedByLogin.get(loginKey(address, username));
    return !!byLogin && byLogin.total(now) >= this.limits.failedLogins;
  }

  loginFailed(address: string, username: string): void {
    const now = this.clock();
    count(this.failedByAddress, address, now);
    count(this.failedByLogin, loginKey(address, username), now);
  }

  /** Figures for `GET /{user}/throttle`. */
  stats(user: UserRow) {
    const now = this.clock();
    const g = this.users.get(user.id);
    const ban = this.current(user);
    return {
      authentication_rate: g?.windows.connect.total(now) ?? 0,
      subscribe_authorization_rate: g ? g.windows.subscribe.total(now) + g.windows.refusedSubscribe.total(now) : 0,
      publish_authorization_rate: g?.windows.refusedPublish.total(now) ?? 0,
      hourly_ban_rate: g ? g.bans.filter((t) => now - t < HOUR).length : 0,
      mqtt_ban_error_message: ban ? ban.message : null,
    };
  }

  private guard(userId: number): UserGuard {
    let g = this.users.get(userId);
    if (!g) {
      const w = () => new MinuteWindow();
      g = { windows: { connect: w(), subscribe: w(), refusedSubscribe: w(), refusedPublish: w(), throttledPublish: w() }, bans: [] };
      this.users.set(userId, g);
    }
    return g;
  }
}

function loginKey(address: string, username: string): string {
  return `${address} ${username.length > MAX_USERNAME ? '' : username}`;
}

function count(windows: Map<string, MinuteWindow>, key: string, now: number): void {
  let w = windows.get(key);
  if (!w) {
    // Bounded: keys with no failure in the last minute are forgotten.
    if (windows.size > 10_000) for (const [k, win] of windows) if (win.total(now) === 0) windows.delete(k);
    windows.set(key, (w = new MinuteWindow()));
  }
  w.add(now);
}
