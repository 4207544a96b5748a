/**
 * Small literal builders shared by the core's tests. Not exported from the
 * package: embedders use `@first-mate/core/testing`.
 */
import type { FleetDigest, PaneDigest } from "../src/domain/digest.js";
import type { PaneObservation } from "../src/domain/observation.js";
import type { PaneId } from "../src/domain/paneId.js";

export const T0 = 1_700_000_000_000;

export const pid = (n: number): PaneId => `%${n}` as PaneId;

export const paneRow = (n: number, overrides: Partial<PaneDigest> = {}): PaneDigest => ({
  handle: pid(n),
  name: `w${n}`,
  session: "work",
  agent: "claude",
  status: "working",
  blocked: false,
  pr: null,
  ci: null,
  idleS: 0,
  ...overrides,
});

export const digestOf = (panes: PaneDigest[], budget: Partial<FleetDigest["budget"]> = {}, at = T0): FleetDigest => ({
  at,
  panes,
  budget: { percent: null, resetsAt: null, ...budget },
});

export const observation = (n: number, overrides: Partial<PaneObservation> = {}): PaneObservation => ({
  paneId: pid(n),
  session: "work",
  windowIndex: n,
  windowName: `w${n}`,
  title: "working",
  command: "claude",
  pid: 1000 + n,
  dead: false,
  lastActivityAt: T0,
  ...overrides,
});

export const THRESHOLDS = { idleThresholdMs: 300_000, budgetStepPoints: 5 } as const;
