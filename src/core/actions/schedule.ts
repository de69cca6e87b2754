import { Cron } from 'croner';
import { invalid } from '../errors.js';

/**
 * When a scheduled action runs. The hosted record's schedule fields are not known, so this server
 * takes one text field, `schedule`, in one of three forms (case and spacing free):
 *   - `every 15 minutes`, `every 2 hours`, `every minute`: counted from the action's last change;
 *   - `daily at 07:30` (24-hour clock): in the owner's time zone;
 *   - a cron expression of 5 fields (or 6, seconds first), read by croner, in the owner's time zone.
 */
export interface Schedule {
  /** The form stored and shown: `every 15 minutes`, `daily at 07:30`, or the cron expression. */
  readonly text: string;
  /** For descriptions: `Every 15 minutes`. */
  readonly phrase: string;
  /** The first run strictly after `afterMs`, or null when there is none (a cron date in the past). */
  next(afterMs: number): number | null;
}

const MINUTE = 60_000;
/** From one minute to 31 days: shorter belongs to a device, longer to a cron expression. */
const MAX_EVERY_MINUTES = 31 * 24 * 60;

const EVERY_RE = /^every\s+(?:(\d{1,6})\s*)?(minutes?|mins?|m|hours?|hrs?|h)$/;
const DAILY_RE = /^(?:daily|every\s+day)\s+at\s+(\d{1,2}):(\d{2})$/;

function bad(text: string, why: string) {
  return invalid(
    `Validation failed: schedule "${text}" ${why}; use "every N minutes", "every N hours", "daily at HH:MM" or a cron expression`,
  );
}

/** Checks a schedule and returns its stored form; throws a 422 naming what is wrong. */
export function normalizeSchedule(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw invalid("Validation failed: schedule can't be blank for a scheduled action");
  if (raw.length > 200) throw invalid('Validation failed: schedule is too long (maximum is 200 characters)');
  return compileSchedule(raw, 'UTC', 0).text;
}

/**
 * A schedule ready to run. `anchorMs` starts the count of `every N ...` schedules (the action's
 * last change, so that a restart does not shift them); `timeZone` is the owner's.
 */
export function compileSchedule(raw: string, timeZone: string, anchorMs: number): Schedule {
  const text = raw.trim().replace(/\s+/g, ' ');
  const lower = text.toLowerCase();
  const every = EVERY_RE.exec(lower);
  if (every) {
    const n = every[1] === undefined ? 1 : Number(every[1]);
    const hours = every[2]!.startsWith('h');
    const minutes = hours ? n * 60 : n;
    if (minutes < 1 || minutes > MAX_EVERY_MINUTES) throw bad(text, 'must repeat between every minute and every 31 days');
    const period = minutes * MINUTE;
    const unit = hours ? 'hour' : 'minute';
    const count = hours ? n : minutes;
    const stored = count === 1 ? `every ${unit}` : `every ${count} ${unit}s`;
    return {
      text: stored,
      phrase: stored[0]!.toUpperCase() + stored.slice(1),
      next: (after) => (after < anchorMs ? anchorMs + period : anchorMs + (Math.floor((after - anchorMs) / period) + 1) * period),
    };
  }
  const daily = DAILY_RE.exec(lower);
  if (daily) {
    const h = Number(daily[1]);
    const m = Number(daily[2]);
    if (h > 23 || m > 59) throw bad(text, 'is not a time of day');
    const at = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
    return cron(`${m} ${h} * * *`, timeZone, `daily at ${at}`, `Every day at ${at}`);
  }
  return cron(text, timeZone, text, `On the schedule "${text}"`);
}

function cron(pattern: string, timeZone: string, text: string, phrase: string): Schedule {
  let job: Cron;
  try {
    // No callback: croner only computes dates here; the engine runs them on the injected clock.
    job = new Cron(pattern, { timezone: timeZone, mode: '5-or-6-parts', paused: true });
  } catch (err) {
    throw bad(text, `is not a valid cron expression (${(err as Error).message.replace(/^CronPattern: /, '')})`);
  }
  return {
    text,
    phrase,
    next: (after) => job.nextRun(new Date(after))?.getTime() ?? null,
  };
}
