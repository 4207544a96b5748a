/**
 * A first-mate launcher for tests that run the runtime on fakes or a real
 * store: it launches `claude` with no environment and derives each
 * attempt's token hash from the attempt number, so attempts stay apart.
 * Does not: write a token file or start anything itself (the tmux port does).
 */
import type { FirstMateLauncher } from "../runtime/launcher.js";

/** Pure: a 64-hex-digit token hash that names `attempt`. */
export const attemptTokenHash = (attempt: number): string => attempt.toString(16).padStart(64, "0");

/** A launcher whose every attempt asks tmux for `claude` in the session and window the runtime names. */
export const createStubLauncher = (): FirstMateLauncher => ({
  prepare: async ({ attempt, session, window }) => ({
    request: { session, window, argv: ["claude"], env: {} },
    tokenHash: attemptTokenHash(attempt),
  }),
});
