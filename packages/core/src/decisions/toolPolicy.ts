/**
 * Policy for the first mate's standing-tier tools that touch workers.
 *
 * Pure: executes nothing. `peek` may read any live worker's screen but never
 * the first mate's own; `nudge` may type only into a clearly idle, unblocked
 * worker — one that is in the digest, not waiting for a human, and idle at
 * least the idle threshold — so the first mate never talks over a worker
 * that is busy or waiting for the human.
 */
import type { FleetDigest } from "../domain/digest.js";

/** Whether a tool call is allowed, and if not, why. */
export type ToolVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: ToolVerdict = { allowed: true };

/** Pure: may the first mate (in `firstMatePaneId`) peek at `pane`? */
export const decidePeek = (digest: FleetDigest, firstMatePaneId: string | null, pane: string): ToolVerdict => {
  if (pane === firstMatePaneId) return { allowed: false, reason: "the first mate cannot peek at its own pane" };
  if (!digest.panes.some((row) => row.handle === pane)) {
    return { allowed: false, reason: `${pane} is not a live agent pane in the fleet` };
  }
  return ALLOWED;
};

/** Pure: may the first mate nudge `pane`? Only a clearly idle, unblocked worker. */
export const decideNudge = (
  digest: FleetDigest,
  firstMatePaneId: string | null,
  pane: string,
  idleThresholdMs: number,
): ToolVerdict => {
  if (pane === firstMatePaneId) return { allowed: false, reason: "the first mate cannot nudge itself" };
  const row = digest.panes.find((candidate) => candidate.handle === pane);
  if (!row) return { allowed: false, reason: `${pane} is not a live agent pane in the fleet` };
  if (row.blocked) return { allowed: false, reason: `${pane} is waiting for a human; answer it, do not nudge it` };
  // A known agent state decides; output activity is only the fallback when the state is unknown.
  if (row.state !== undefined && row.state !== "unknown") {
    if (row.state === "idle" || row.state === "waiting_input") return ALLOWED;
    return {
      allowed: false,
      reason: `${pane} is not clearly idle (${row.state}${row.stateSource ? ` via ${row.stateSource}` : ""})`,
    };
  }
  if (row.idleS * 1000 < idleThresholdMs) {
    return {
      allowed: false,
      reason: `${pane} is not clearly idle (idle ${row.idleS}s < ${Math.round(idleThresholdMs / 1000)}s)`,
    };
  }
  return ALLOWED;
};
