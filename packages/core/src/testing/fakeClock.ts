/**
 * A manual clock for tests: time moves only when the test says so.
 */
import type { Clock } from "../ports/clock.js";

/** A clock whose time moves only when told, firing due timers in order. */
export interface FakeClock extends Clock {
  /** Move time forward by `ms`, firing due timers in time order. */
  advance(ms: number): void;
  /** Move time to `at` (never backwards). */
  advanceTo(at: number): void;
  pendingTimers(): number;
  /** A clock at the same time that goes on apart; only a clock without pending timers forks (a timer is a callback). */
  fork(): FakeClock;
}

/** A fake clock starting at `start` (epoch ms). */
export const createFakeClock = (start = 1_700_000_000_000): FakeClock => {
  let now = start;
  const fork = (): FakeClock => {
    if (timers.size > 0) throw new Error(`a fake clock with ${timers.size} pending timers cannot fork`);
    return createFakeClock(now);
  };
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const advanceTo = (at: number) => {
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of timers) if (entry[1].at <= at && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].callback();
    }
    now = Math.max(now, at);
  };
  return {
    now: () => now,
    setTimer(at, callback) {
      const id = nextId++;
      timers.set(id, { at, callback });
      return () => timers.delete(id);
    },
    advance: (ms) => advanceTo(now + ms),
    advanceTo,
    pendingTimers: () => timers.size,
    fork,
  };
};
