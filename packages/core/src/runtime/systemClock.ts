/**
 * The real clock: wall time and timers. The only place in core that reads
 * time; the decisions receive `now` in events.
 */
import type { Clock } from "../ports/clock.js";

/** Timers longer than this are re-armed in steps (setTimeout caps at ~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The system clock: `Date.now()` and `setTimeout`-backed timers. The runtime's only reading of real time. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, callback) {
    let handle: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      const delay = Math.max(0, at - Date.now());
      handle = setTimeout(delay > MAX_TIMER_MS ? arm : callback, Math.min(delay, MAX_TIMER_MS));
    };
    arm();
    return () => clearTimeout(handle);
  },
};
