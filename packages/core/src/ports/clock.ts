/**
 * The clock port: the only way the runtime reads time or waits. The pure
 * decisions never use it; they receive `now` in events.
 */
export interface Clock {
  now(): number;
  /** Call `callback` at or after `at` (epoch ms); returns a cancel function. */
  setTimer(at: number, callback: () => void): () => void;
}
