/**
 * fast-check arbitraries for first-mate's domain, for the core's property
 * suites and for embedders who property-test their own integration.
 */
import fc from "fast-check";
import type { AgentKind } from "../domain/agentKind.js";
import type { FleetDigest, PaneDigest } from "../domain/digest.js";
import type { CiState, PaneObservation, UsageSnapshot } from "../domain/observation.js";
import type { PaneId } from "../domain/paneId.js";

/** The start time every arbitrary is anchored to (epoch ms). */
export const T0 = 1_700_000_000_000;

/** Well-formed pane ids, `%0` to `%9999`. */
export const paneIdArb: fc.Arbitrary<PaneId> = fc.integer({ min: 0, max: 9999 }).map((n) => `%${n}` as PaneId);

/** Strings that are not pane ids: empty, garbage, near misses. */
export const malformedPaneIdArb: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc.constant("%"),
  fc.constant("%-1"),
  fc.constant("12"),
  fc.constant("% 3"),
  fc.constant("%3\n"),
  fc.string().filter((s) => !/^%\d+$/.test(s)),
);

/** A known agent kind. */
export const agentKindArb: fc.Arbitrary<AgentKind> = fc.constantFrom("claude", "codex", "gemini", "aider");
/** A pane command that is an agent. */
export const agentCommandArb: fc.Arbitrary<string> = fc.constantFrom("claude", "codex", "gemini", "aider");
/** A pane command that is not an agent (shells, editors, tools). */
export const nonAgentCommandArb: fc.Arbitrary<string> = fc.constantFrom(
  "bash",
  "zsh",
  "vim",
  "node",
  "python3",
  "less",
);
/** A CI state, or none. */
export const ciArb: fc.Arbitrary<CiState | null> = fc.constantFrom<CiState | null>("red", "pending", "green", null);

/** Names with the characters that break naive parsers: tabs, newlines, quotes, #, unicode. */
export const hostileNameArb: fc.Arbitrary<string> = fc.string({
  unit: fc.oneof(
    fc.constantFrom("\t", "\n", '"', "'", "#", "|", ":", "%", "{", "}", "\\", "é", "✓", "日", "🚀", " "),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  minLength: 1,
  maxLength: 24,
});

/** A schema-valid pane observation (optionally with a given pane id and time). */
export const observationArb = (
  options: { paneId?: fc.Arbitrary<PaneId>; now?: number } = {},
): fc.Arbitrary<PaneObservation> =>
  fc.record({
    paneId: options.paneId ?? paneIdArb,
    session: fc.constantFrom("work", "api", "web"),
    windowIndex: fc.nat(50),
    windowName: fc.string({ minLength: 1, maxLength: 12 }),
    title: fc.string({ maxLength: 40 }),
    command: fc.oneof(agentCommandArb, nonAgentCommandArb),
    pid: fc.option(fc.integer({ min: 1, max: 4_000_000 }), { nil: null }),
    dead: fc.boolean(),
    lastActivityAt: fc.integer({ min: (options.now ?? T0) - 3_600_000, max: (options.now ?? T0) + 5_000 }),
  });

/** A fleet with unique pane ids. */
export const fleetArb = (options: { maxPanes?: number; now?: number } = {}): fc.Arbitrary<PaneObservation[]> =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 9999 }), { maxLength: options.maxPanes ?? 20 })
    .chain((ids) =>
      ids.length === 0
        ? fc.constant([])
        : fc.tuple(
            ...ids.map((id) =>
              observationArb({ paneId: fc.constant(`%${id}` as PaneId), ...(options.now ? { now: options.now } : {}) }),
            ),
          ),
    );

/** A usage snapshot: percent and reset time, each possibly unknown. */
export const usageArb: fc.Arbitrary<UsageSnapshot> = fc.record({
  percent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  resetsAt: fc.option(fc.integer({ min: T0, max: T0 + 86_400_000 }), { nil: null }),
});

/** A pane's digest entry (optionally with a given handle). */
export const paneDigestArb = (handle: fc.Arbitrary<PaneId> = paneIdArb): fc.Arbitrary<PaneDigest> =>
  fc.record({
    handle,
    name: fc.string({ minLength: 1, maxLength: 16 }),
    session: fc.constantFrom("work", "api"),
    agent: agentKindArb,
    status: fc.string({ maxLength: 60 }),
    blocked: fc.boolean(),
    pr: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }),
    ci: ciArb,
    idleS: fc.nat(3600),
  });

/** A digest with unique, sorted pane handles. */
export const fleetDigestArb = (options: { maxPanes?: number } = {}): fc.Arbitrary<FleetDigest> =>
  fc.uniqueArray(fc.integer({ min: 0, max: 9999 }), { maxLength: options.maxPanes ?? 12 }).chain((ids) => {
    const sorted = [...ids].sort((a, b) => a - b);
    return fc.record({
      at: fc.integer({ min: T0, max: T0 + 86_400_000 }),
      panes:
        sorted.length === 0
          ? fc.constant([])
          : fc.tuple(...sorted.map((id) => paneDigestArb(fc.constant(`%${id}` as PaneId)))),
      budget: usageArb,
    });
  });

/** One thing that can happen to a fake world; see `applyWorldAction`. */
export type WorldAction =
  | { readonly type: "advance"; readonly ms: number }
  | { readonly type: "addWorker" }
  | { readonly type: "retitle"; readonly index: number; readonly title: string }
  | { readonly type: "killWorker"; readonly index: number }
  | { readonly type: "killFirstMate" }
  | {
      readonly type: "notify";
      readonly index: number;
      readonly kind: "need_human" | "info" | "done";
      readonly message: string;
    }
  | { readonly type: "report"; readonly index: number; readonly message: string }
  | { readonly type: "failEmits"; readonly count: number }
  | { readonly type: "detachFirstMate" }
  | { readonly type: "attachFirstMate" }
  | { readonly type: "queueSpawn"; readonly behaviour: "ok" | "exit_at_launch" | "malformed_id" | "fail" }
  /** Agent evidence about a worker, `ageMs` old (negative: dated in the future). */
  | {
      readonly type: "evidence";
      readonly index: number;
      readonly state: "busy" | "waiting_permission" | "waiting_input" | "idle" | "ended";
      readonly source: "hook" | "tool";
      readonly ageMs: number;
    }
  /** The embedder's inputs: a worker's CI and the budget. */
  | {
      readonly type: "inputs";
      readonly index: number;
      readonly ci: CiState | null;
      readonly percent: number | null;
      readonly resetsAt: number | null;
    }
  /** The store fails every call (a locked database) until it comes back. */
  | { readonly type: "storeOutage"; readonly on: boolean }
  /** A second host takes the lease (this host's expired) for `ms`. */
  | { readonly type: "leaseTakenOver"; readonly ms: number }
  /** This host restarts: a fresh core hydrated from the same store. */
  | { readonly type: "restartHost" };

/** The faults a world can suffer, beyond `worldActionArb`'s fleet life. */
export const faultActionArb: fc.Arbitrary<WorldAction> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("evidence" as const),
      index: fc.nat(20),
      state: fc.constantFrom(
        "busy" as const,
        "waiting_permission" as const,
        "waiting_input" as const,
        "idle" as const,
        "ended" as const,
      ),
      source: fc.constantFrom("hook" as const, "tool" as const),
      ageMs: fc.oneof(fc.integer({ min: 0, max: 3_600_000 }), fc.integer({ min: -86_400_000, max: -1 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("inputs" as const),
      index: fc.nat(20),
      ci: ciArb,
      percent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
      resetsAt: fc.option(fc.oneof(fc.integer({ min: T0, max: T0 + 86_400_000 }), fc.constant(8.7e15)), {
        nil: null,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("storeOutage" as const), on: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("leaseTakenOver" as const),
      ms: fc.integer({ min: 1_000, max: 200_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "restartHost" as const }) },
);

/** Any {@link WorldAction}, weighted toward the common ones; for model-based runs of a fake world. */
export const worldActionArb: fc.Arbitrary<WorldAction> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ type: fc.constant("advance" as const), ms: fc.integer({ min: 100, max: 200_000 }) }),
  },
  { weight: 2, arbitrary: fc.constant({ type: "addWorker" as const }) },
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant("retitle" as const),
      index: fc.nat(20),
      title: fc.constantFrom("working", "testing", "waiting", "done", "reviewing"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("killWorker" as const), index: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ type: "killFirstMate" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("notify" as const),
      index: fc.nat(20),
      kind: fc.constantFrom("need_human" as const, "info" as const, "done" as const),
      message: fc.constantFrom("need approval", "tests pass", "stuck on migration"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("report" as const),
      index: fc.nat(20),
      message: fc.constantFrom("PR opened", "finished"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("failEmits" as const), count: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "detachFirstMate" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "attachFirstMate" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("queueSpawn" as const),
      behaviour: fc.constantFrom("ok" as const, "exit_at_launch" as const, "malformed_id" as const, "fail" as const),
    }),
  },
);
