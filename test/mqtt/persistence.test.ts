// The SQLite-backed Aedes persistence against aedes-persistence's own conformance suite (abstract.js,
// written for node:test), run here through a small adapter, each test on a fresh database file.
import assert from 'node:assert';
import { createRequire } from 'node:module';
import { afterEach, describe, it } from 'vitest';
import { SessionPersistence } from '../../src/mqtt/persistence.js';
import { makeCore, type TestCore } from '../helpers.js';

/** Tests of the suite that do not apply, and why (checked: each fails for exactly this). Everything else runs. */
const DUP =
  'a message whose packet id was recorded has been sent once: it comes back with DUP set, as a re-delivery must be ([MQTT-3.3.1-1]); the in-memory persistence leaves DUP as it was';
const NOT_APPLICABLE = new Map([
  [
    'store and look up subscriptions by topic',
    'expects the order of the in-memory trie (qlobber); ours is the order of storing, and Aedes does not depend on it',
  ],
  [
    'add outgoing packet as a string and stream',
    'a string payload is stored as bytes and comes back a Buffer (Aedes only ever hands over Buffers)',
  ],
  ['add outgoing packet and update messageId', DUP],
  ['add 2 outgoing packet and clear messageId', DUP],
  ['add outgoing packet as a string and pump', DUP],
]);

const abstract = createRequire(import.meta.url)('aedes-persistence/abstract.js') as (opts: {
  test: (name: string, fn: (t: unknown) => Promise<void>) => void;
  persistence: () => Promise<SessionPersistence>;
  testAsync: boolean;
}) => void;

let cores: TestCore[] = [];
afterEach(() => {
  for (const c of cores) c.close();
  cores = [];
});

/** What abstract.js uses of node:test's TestContext. */
const context = { assert, plan: () => {}, diagnostic: () => {} };

describe('aedes-persistence conformance suite', () => {
  abstract({
    testAsync: true,
    test: (name, fn) => (NOT_APPLICABLE.has(name) ? it.skip : it)(name, () => fn(context)),
    persistence: async () => {
      const c = makeCore();
      cores.push(c);
      // The suite's clients have no login: their sessions are made on first use, owned by alice.
      return new SessionPersistence(c.core.sessions, { ownerFor: () => c.alice.user.id });
    },
  });
});
