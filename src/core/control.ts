import type { ControlClock } from './control-clock.js';
import type { Faults } from './faults.js';
import type { Journal } from './journal.js';

/**
 * What the doors are given when the test control plane is on (src/server.ts builds it); absent, the
 * doors install nothing for it. The control-faults work adds its fault rules and traffic journal here.
 */
export interface ControlOptions {
  clock: ControlClock;
  /** Fault rules the doors' control hooks apply. */
  faults?: Faults;
  /** The traffic journal the doors' control hooks feed. */
  journal?: Journal;
}
