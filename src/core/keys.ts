import { invalid } from './errors.js';

export const MAX_NAME = 128;
export const MAX_KEY = 128;

const NAME_RE = /^[A-Za-z0-9_ -]+$/;
const KEY_RE = /^[a-z0-9-]+$/;

/** `My Feed_1` → `my-feed-1`: lowercase, runs of anything else become one dash, dashes trimmed. */
export function keyFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_KEY)
    .replace(/-+$/g, '');
}

export function validateName(name: unknown, what = 'Name'): string {
  if (typeof name !== 'string' || name.trim() === '') throw invalid(`Validation failed: ${what} can't be blank`);
  const trimmed = name.trim();
  if (trimmed.length > MAX_NAME) throw invalid(`Validation failed: ${what} is too long (maximum is ${MAX_NAME} characters)`);
  if (!NAME_RE.test(trimmed)) {
    throw invalid(`Validation failed: ${what} may contain only letters, digits, underscores, spaces, or dashes`);
  }
  if (!/[A-Za-z]/.test(trimmed)) throw invalid(`Validation failed: ${what} must contain at least one letter`);
  return trimmed;
}

export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || key.trim() === '') throw invalid("Validation failed: Key can't be blank");
  const k = key.trim().toLowerCase();
  if (k.length > MAX_KEY) throw invalid(`Validation failed: Key is too long (maximum is ${MAX_KEY} characters)`);
  if (!KEY_RE.test(k)) throw invalid('Validation failed: Key may contain only lowercase letters, digits, and dashes');
  return k;
}

/** Picks `base`, else `base-1`, `base-2`, ... for a key that is already taken. */
export function uniqueKey(base: string, taken: (candidate: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 1; ; i++) {
    const suffix = `-${i}`;
    const candidate = base.slice(0, MAX_KEY - suffix.length) + suffix;
    if (!taken(candidate)) return candidate;
  }
}

/** The full key of a feed whose local key is `local` in group `groupKey`. */
export function feedFullKey(groupKey: string, local: string): string {
  return groupKey === 'default' ? local : `${groupKey}.${local}`;
}

export function isNumericId(s: string): boolean {
  return /^\d{1,15}$/.test(s);
}

/**
 * How every feed, group and dashboard identifier resolves: key first (any case), then numeric id,
 * then exact name. Clients send all three forms (compat notes 1.4).
 */
export function findByIdent<T>(
  ident: string,
  by: { key(key: string): T | undefined; id(id: number): T | undefined; name(name: string): T | undefined },
): T | undefined {
  return by.key(ident.toLowerCase()) ?? (isNumericId(ident) ? by.id(Number(ident)) : undefined) ?? by.name(ident);
}
