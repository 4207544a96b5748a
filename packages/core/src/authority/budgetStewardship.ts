/**
 * Budget stewardship (docs/design.md, Authority): spend the usage window with care.
 *
 * Pure: executes nothing, reads no clock. Rules:
 * - below `backoffFromPercent` the heartbeat keeps its base interval; above
 *   it the interval grows linearly to `backoffMaxFactor` × base at 100 %
 *   (never shrinks as pressure rises); interrupts are never slowed;
 * - at or above `highWaterPercent`, spawns are deferred until the window
 *   resets; with no known reset time they cannot be deferred to anything
 *   and become proposals instead;
 * - an unknown budget is no pressure (the kit does not invent numbers).
 */
import { formatInstant } from "../domain/instant.js";
import type { UsageSnapshot } from "../domain/observation.js";

/** Where budget pressure starts to slow the heartbeat (and how far), and where spawns are deferred. */
export interface BudgetPolicy {
  /** Spawns are deferred at or above this percent (default 85). */
  readonly highWaterPercent: number;
  /** The heartbeat starts slowing at this percent (default 50). */
  readonly backoffFromPercent: number;
  /** At 100 % the push interval is this many times the base (default 4). */
  readonly backoffMaxFactor: number;
}

/** The default policy: the heartbeat slows from 50 % (up to 4× its interval), spawns are deferred from 85 %. */
export const DEFAULT_BUDGET_POLICY: BudgetPolicy = {
  highWaterPercent: 85,
  backoffFromPercent: 50,
  backoffMaxFactor: 4,
};

/** How pressed the budget is. */
export type BudgetLevel = "unknown" | "easy" | "pressed" | "above_high_water";

/** The budget as the digest carries it: how pressed it is, the percent spent and when the window resets. */
export interface BudgetPosture {
  readonly level: BudgetLevel;
  readonly percent: number | null;
  readonly resetsAt: number | null;
}

/** Pure: where the budget stands. */
export const budgetPosture = (usage: UsageSnapshot, policy: BudgetPolicy): BudgetPosture => {
  const { percent, resetsAt } = usage;
  if (percent === null) return { level: "unknown", percent, resetsAt };
  const level =
    percent >= policy.highWaterPercent ? "above_high_water" : percent >= policy.backoffFromPercent ? "pressed" : "easy";
  return { level, percent, resetsAt };
};

/** Pure: the digest push interval under `usage`; monotone in the spent percent. */
export const heartbeatIntervalFor = (baseMs: number, usage: UsageSnapshot, policy: BudgetPolicy): number => {
  const percent = usage.percent;
  if (percent === null || percent <= policy.backoffFromPercent) return baseMs;
  const span = Math.max(1, 100 - policy.backoffFromPercent);
  const pressure = Math.min(1, (percent - policy.backoffFromPercent) / span);
  return Math.round(baseMs * (1 + (policy.backoffMaxFactor - 1) * pressure));
};

/** Whether a spawn may run now, waits until the window resets, or goes to the human as a proposal. */
export type SpawnStewardship =
  | { readonly kind: "now" }
  | { readonly kind: "defer"; readonly until: number }
  | { readonly kind: "propose"; readonly reason: string };

/** Pure: may a spawn run now, wait for the reset, or must the human decide? */
export const stewardSpawn = (usage: UsageSnapshot, now: number, policy: BudgetPolicy): SpawnStewardship => {
  const posture = budgetPosture(usage, policy);
  if (posture.level !== "above_high_water") return { kind: "now" };
  if (posture.resetsAt === null || posture.resetsAt <= now) {
    return {
      kind: "propose",
      reason: `budget at ${posture.percent}% (high-water ${policy.highWaterPercent}%) and no known reset to defer to`,
    };
  }
  return { kind: "defer", until: posture.resetsAt };
};

const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;

/**
 * Pure: the budget posture line the digest carries, or null when the
 * budget is unknown.
 */
export const postureLine = (
  usage: UsageSnapshot,
  policy: BudgetPolicy,
  baseIntervalMs: number,
  deferredSpawns: number,
): string | null => {
  const posture = budgetPosture(usage, policy);
  if (posture.level === "unknown") return null;
  const interval = heartbeatIntervalFor(baseIntervalMs, usage, policy);
  const reset = posture.resetsAt === null ? "reset unknown" : `resets ${formatInstant(posture.resetsAt)}`;
  const head = `BUDGET POSTURE ${posture.percent}% (${reset})`;
  switch (posture.level) {
    case "easy":
      return `${head}: easy — digests at most every ${minutes(interval)}`;
    case "pressed":
      return `${head}: pressed — digests slowed to every ${minutes(interval)}; spend with care`;
    case "above_high_water":
      return `${head}: above the ${policy.highWaterPercent}% high-water mark — spawns deferred to the reset (${deferredSpawns} waiting); digests every ${minutes(interval)}`;
  }
};
