import { EventEmitter } from 'node:events';
import type { DataRow, FeedRow, UserRow } from './types.js';

export interface DataEvent {
  user: UserRow;
  feed: FeedRow;
  datum: DataRow;
}

export interface CoreEvents {
  /** A data point was stored (any door, any route). Emitted after the commit. */
  data: [DataEvent];
}

/** Typed wrapper so a misspelt event name or payload is a compile error. */
export class CoreEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  on<K extends keyof CoreEvents>(name: K, fn: (...args: CoreEvents[K]) => void): () => void {
    this.emitter.on(name, fn as (...args: unknown[]) => void);
    return () => this.emitter.off(name, fn as (...args: unknown[]) => void);
  }

  emit<K extends keyof CoreEvents>(name: K, ...args: CoreEvents[K]): void {
    this.emitter.emit(name, ...args);
  }
}
