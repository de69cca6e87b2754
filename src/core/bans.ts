import type { Clock } from './clock.js';
import type { CoreEventBus } from './events.js';
import { MinuteWindow } from './limiter.js';
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
  /** Failed logins per client address per minute before logins from it are refused outright. */
  failedLogins: number;
}

export interface Ban {
  until: number;
  seconds: number;
  /** The connection-attempt throttle answers CONNACK 6; every other ban CONNACK 7. */
  reason: 'connect' | 'abuse';
  message: string;
}

export interface BanEvent {
  user: UserRow;
  ban: Ban;
}

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
  private readonly failedByAddress = new Map<string, MinuteWindow>();

  constructor(
    private readonly clock: Clock,
    private readonly events: CoreEventBus,
    readonly limits: BanLimits,
  ) {}

  /** The user's ban in force, if any. */
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
    const ban: Ban = { until: now + seconds * 1000, seconds, reason, message: `enforcement limit reached, your account is banned for ${seconds} seconds` };
    g.ban = ban;
    this.events.emit('ban', { user, ban });
    return ban;
  }

  /** Whether logins from this address are refused for now (too many failures in the last minute). */
  addressBlocked(address: string): boolean {
    if (!this.limits.enabled) return false;
    const w = this.failedByAddress.get(address);
    return !!w && w.total(this.clock()) >= this.limits.failedLogins;
  }

  loginFailed(address: string): void {
    let w = this.failedByAddress.get(address);
    if (!w) {
      // Bounded: addresses with no failure in the last minute are forgotten.
      if (this.failedByAddress.size > 10_000) {
        const now = this.clock();
        for (const [a, win] of this.failedByAddress) if (win.total(now) === 0) this.failedByAddress.delete(a);
      }
      this.failedByAddress.set(address, (w = new MinuteWindow()));
    }
    w.add(this.clock());
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
