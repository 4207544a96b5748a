/**
 * fast-check arbitraries for first-mate's domain, for the core's property
 * suites and for embedders who property-test their own integration.
 */
import fc from "fast-check";
import { AUTHORITY_EVENT_SCHEMAS, type AuthorityEvent } from "../authority/authorityEvents.js";
import type { AgentKind } from "../domain/agentKind.js";
import type { FleetDigest, PaneDigest } from "../domain/digest.js";
import type { CiState, PaneObservation, UsageSnapshot } from "../domain/observation.js";
import type { PaneId } from "../domain/paneId.js";
import type { FakeStoreWrite } from "./fakeStore.js";
import { schemaArbitrary } from "./schemaArbitrary.js";

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

/** Every field of a pane observation but its id, with activity around `now`. */
const observationFields = (now: number) => ({
  session: fc.constantFrom("work", "api", "web"),
  windowIndex: fc.nat(50),
  windowName: fc.string({ minLength: 1, maxLength: 12 }),
  title: fc.string({ maxLength: 40 }),
  command: fc.oneof(agentCommandArb, nonAgentCommandArb),
  pid: fc.option(fc.integer({ min: 1, max: 4_000_000 }), { nil: null }),
  dead: fc.boolean(),
  lastActivityAt: fc.integer({ min: now - 3_600_000, max: now + 5_000 }),
});

/** A schema-valid pane observation (optionally with a given pane id and time). */
export const observationArb = (
  options: { paneId?: fc.Arbitrary<PaneId>; now?: number } = {},
): fc.Arbitrary<PaneObservation> =>
  fc.record({ paneId: options.paneId ?? paneIdArb, ...observationFields(options.now ?? T0) });

/**
 * `row` with `key` first, as `fc.record` would build it with `key` a
 * constant: a constant draws nothing, so the rest of a row is drawn alike
 * (and keeps the prototype the record chose for it).
 */
const withFirst = <K extends string, V, R extends object>(key: K, value: V, row: R): Record<K, V> & R => {
  const first = (Object.getPrototypeOf(row) === null ? Object.create(null) : {}) as Record<K, V>;
  first[key] = value;
  return Object.assign(first, row);
};

/**
 * A fleet with unique pane ids. Each pane is drawn by one arbitrary built
 * once, not by one built for each pane of each fleet (the values are those
 * of `observationArb` with the pane's id as a constant).
 */
export const fleetArb = (options: { maxPanes?: number; now?: number } = {}): fc.Arbitrary<PaneObservation[]> => {
  const fields = fc.record(observationFields(options.now ? options.now : T0));
  return fc
    .uniqueArray(fc.integer({ min: 0, max: 9999 }), { maxLength: options.maxPanes ?? 20 })
    .chain((ids) =>
      ids.length === 0
        ? fc.constant([])
        : fc
            .tuple(...ids.map(() => fields))
            .map((rows) => rows.map((row, index) => withFirst("paneId", `%${ids[index]}` as PaneId, row))),
    );
};

/** A usage snapshot: percent and reset time, each possibly unknown. */
export const usageArb: fc.Arbitrary<UsageSnapshot> = fc.record({
  percent: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
  resetsAt: fc.option(fc.integer({ min: T0, max: T0 + 86_400_000 }), { nil: null }),
});

/** Every field of a pane's digest entry but its handle. */
const paneDigestFields = () => ({
  name: fc.string({ minLength: 1, maxLength: 16 }),
  session: fc.constantFrom("work", "api"),
  agent: agentKindArb,
  status: fc.string({ maxLength: 60 }),
  blocked: fc.boolean(),
  pr: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }),
  ci: ciArb,
  idleS: fc.nat(3600),
});

/** A pane's digest entry (optionally with a given handle). */
export const paneDigestArb = (handle: fc.Arbitrary<PaneId> = paneIdArb): fc.Arbitrary<PaneDigest> =>
  fc.record({ handle, ...paneDigestFields() });

/** A digest with unique, sorted pane handles (each entry drawn as by `paneDigestArb`, by one arbitrary built once). */
export const fleetDigestArb = (options: { maxPanes?: number } = {}): fc.Arbitrary<FleetDigest> => {
  const fields = fc.record(paneDigestFields());
  const at = fc.integer({ min: T0, max: T0 + 86_400_000 });
  return fc.uniqueArray(fc.integer({ min: 0, max: 9999 }), { maxLength: options.maxPanes ?? 12 }).chain((ids) => {
    const sorted = [...ids].sort((a, b) => a - b);
    return fc.record({
      at,
      panes:
        sorted.length === 0
          ? fc.constant([])
          : fc
              .tuple(...sorted.map(() => fields))
              .map((rows) => rows.map((row, index) => withFirst("handle", `%${sorted[index]}` as PaneId, row))),
      budget: usageArb,
    });
  });
};

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
  /** The next `count` durable writes (of one kind, or any when null) fail, like a disk error. */
  | { readonly type: "storeWriteFails"; readonly write: FakeStoreWrite | null; readonly count: number }
  /** The next `count` whole-state reads (a hydrate, the re-read after taking the lease) fail. */
  | { readonly type: "storeReadFails"; readonly count: number }
  /**
   * How the next first mate spawned treats its channel: hears and says so,
   * hears but never says so, or is deaf to it (channels silently off).
   */
  | { readonly type: "firstMateChannel"; readonly hears: boolean; readonly acknowledges: boolean }
  /** The lease is lost to another host for `ms` (it takes the lease and does nothing else). */
  | { readonly type: "leaseTakenOver"; readonly ms: number }
  /**
   * A second host takes the lease for `ms` and supervises as a holder does:
   * it adopts the store's first mate when that pane lives, else starts its
   * own and writes the marker under its epoch.
   */
  | { readonly type: "secondHostTakesOver"; readonly ms: number }
  /** This host restarts: a fresh core hydrated from the same store (or told the read failed). */
  | { readonly type: "restartHost"; readonly hydrateFails?: boolean }
  /** A pane appears in the first mate's window unmarked (a host died between creating it and writing the marker). */
  | { readonly type: "orphanInFirstMateWindow" }
  /** The tmux server restarts: every pane is gone, and `workers` new ones take the old pane ids. */
  | { readonly type: "tmuxServerRestart"; readonly workers: number }
  /** tmux cannot be reached (no server, a broken socket) until it comes back. */
  | { readonly type: "tmuxOutage"; readonly on: boolean }
  /** What a worker's screen shows (the agent-state fallback reads it). */
  | { readonly type: "screen"; readonly index: number; readonly screen: WorkerScreen }
  /** What the first mate's screen shows: a start-up dialog, or its ready prompt. */
  | { readonly type: "firstMateScreen"; readonly screen: FirstMateScreen }
  /** The human flips the kill switch. */
  | { readonly type: "killSwitch"; readonly on: boolean }
  /** The human resets crash-loop protection. */
  | { readonly type: "supervisorReset" }
  /** The first mate pulls its digest (`fleet_digest`) and, with `inbox`, its interrupts. */
  | { readonly type: "firstMatePulls"; readonly inbox: boolean }
  /** A worker's own channel session attaches (a worker is never taken for the first mate). */
  | { readonly type: "workerAttaches"; readonly index: number }
  /** The first mate calls a tool that acts (through `step`, like the runtime's `callTool`), on a worker. */
  | {
      readonly type: "toolCall";
      readonly tool:
        | "spawn_worker"
        | "assign_task"
        | "terminate"
        | "nudge"
        | "peek"
        | "captains_log_append"
        | "propose_role_change";
      readonly index: number;
      /** The target's process exits just before the call (tmux reports the closed window after it). */
      readonly targetGone: boolean;
    }
  /** The human hands the conn to the first mate, every conn-gated action in scope, for an hour. */
  | { readonly type: "handConn" }
  /** An authority event from the embedder's surface or the tool host (conn, actions, proposals, identity). */
  | { readonly type: "authority"; readonly event: AuthorityEvent };

/** Screens a worker may show, each one the screen classifier reads (or, `plain`, does not). */
export const WORKER_SCREENS = {
  busy: "✻ Compiling… (esc to interrupt)",
  waiting_permission: "Do you want to proceed?\n❯ 1. Yes\n  2. No",
  idle: "> \n  ? for shortcuts",
  plain: "$ make test\nok",
} as const;
/** A key of {@link WORKER_SCREENS}. */
export type WorkerScreen = keyof typeof WORKER_SCREENS;

/** Screens the first mate may show: start-up dialogs (recognised by their recorded text), or ready. */
export const FIRST_MATE_SCREENS = {
  development_channels: "WARNING: Loading development channels\n❯ 1. I am using this for local development",
  folder_trust: "Do you trust the files in this folder?\n❯ 1. No, exit\n  2. Yes, I trust this folder",
  not_logged_in: "Not logged in · run /login",
  ready: "> \n  ? for shortcuts",
} as const;
/** A key of {@link FIRST_MATE_SCREENS}. */
export type FirstMateScreen = keyof typeof FIRST_MATE_SCREENS;

const STORE_WRITES: readonly FakeStoreWrite[] = [
  "setMarker",
  "clearMarker",
  "recordStart",
  "setSupervisorGaveUp",
  "appendLog",
  "setAlert",
  "clearAlert",
  "enqueueOutbox",
  "markDelivered",
  "expireOutbox",
  "setKillSwitch",
  "saveConn",
];

/** Authority events as the embedder's surface and the tool host send them (schema-valid; `now` is set on use). */
export const authorityEventArb: fc.Arbitrary<AuthorityEvent> = fc.oneof(
  ...AUTHORITY_EVENT_SCHEMAS.map((schema) => schemaArbitrary(schema) as fc.Arbitrary<AuthorityEvent>),
);

/**
 * The faults and outside events a world can meet, beyond `worldActionArb`'s
 * fleet life: agent evidence (stale, future, conflicting), inputs with CI
 * and budget (extreme reset times), screens, store outages and failures of
 * any write, a failed hydrate, host restarts, a second host taking the lease,
 * tmux restarting with reused pane ids or gone, the human's switches, the
 * first mate's pulls, and authority events.
 */
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
      type: fc.constant("storeWriteFails" as const),
      write: fc.option(fc.constantFrom(...STORE_WRITES), { nil: null }),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constantFrom("leaseTakenOver" as const, "secondHostTakesOver" as const),
      ms: fc.integer({ min: 1_000, max: 200_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("restartHost" as const), hydrateFails: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("tmuxServerRestart" as const), workers: fc.integer({ min: 0, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("tmuxOutage" as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ type: "orphanInFirstMateWindow" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("screen" as const),
      index: fc.nat(20),
      screen: fc.constantFrom(...(Object.keys(WORKER_SCREENS) as WorkerScreen[])),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("firstMateScreen" as const),
      screen: fc.constantFrom(...(Object.keys(FIRST_MATE_SCREENS) as FirstMateScreen[])),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ type: fc.constant("storeReadFails" as const), count: fc.integer({ min: 1, max: 2 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("firstMateChannel" as const),
      hears: fc.boolean(),
      acknowledges: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("killSwitch" as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ type: "supervisorReset" as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("firstMatePulls" as const), inbox: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("workerAttaches" as const), index: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("authority" as const), event: authorityEventArb }) },
  { weight: 1, arbitrary: fc.constant({ type: "handConn" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("toolCall" as const),
      tool: fc.constantFrom(
        "spawn_worker" as const,
        "assign_task" as const,
        "terminate" as const,
        "nudge" as const,
        "peek" as const,
        "captains_log_append" as const,
        "propose_role_change" as const,
      ),
      index: fc.nat(20),
      targetGone: fc.boolean(),
    }),
  },
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
