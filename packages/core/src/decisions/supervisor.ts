/**
 * decideSupervisor: keep exactly one live first mate, level-triggered.
 *
 * Pure: executes nothing. Looks at the whole picture each time (marker, live
 * panes, spawn in flight, restart ledger, kill switch, lease, give-up flag)
 * and returns the commands that bring it to one live first mate; when they
 * already agree it returns none (Kubernetes-style reconcile).
 *
 * Rules:
 * - a live marked pane, or a spawn in flight, means no new spawn (invariant 7);
 * - a marker is stamped only with a pane id matching /^%\d+$/; a spawn whose
 *   pane id is malformed leaves no marker and its window is killed (invariant 1);
 * - a first mate that dies before `minUptimeMs` is a failed start; after a
 *   failed start the next waits `backoffBaseMs · 2^(n-1)` (capped), and never
 *   more than `maxStarts` starts fall in any `startWindowMs` (invariant 8);
 *   `maxStarts` failed starts inside the window → give up and alert the human,
 *   until reset;
 * - no spawn while the kill switch is set; without the lease, no decision
 *   at all (a standby host follows the holder's marker through the store);
 * - a host that takes the lease decides nothing until it has re-read the
 *   store's supervisor state (marker, ledger, give-up) under that lease;
 * - holder-only writes carry the lease epoch, so the store refuses them
 *   once another host has taken the lease;
 * - a spawn that returns after its lease was lost is killed, never stamped;
 * - the marker names a pane by id, pid and tmux server, recorded from the
 *   spawn result (what the create call printed); the first observation that
 *   shows the marked pane fills in whatever the spawn could not read. A pane
 *   that later shows the marked id with another pid or server is another
 *   pane (a tmux server restarted): the first mate is gone, and that pane is
 *   left alone;
 * - a stale spawn's pane is killed with its pid when the spawn printed one,
 *   so its process tree is ended like `terminate` ends a worker.
 */

import type { Command } from "../commands.js";
import type { CoreConfig } from "../config.js";
import { isFailedStart, type Marker, type StartRecord } from "../domain/marker.js";
import { isPaneId } from "../domain/paneId.js";
import { samePane, type TmuxServerIdentity } from "../domain/paneIdentity.js";

/** A first-mate spawn asked for and not yet answered. */
export interface SpawnInFlight {
  readonly requestId: string;
  readonly attempt: number;
  readonly since: number;
  /** The lease epoch it was decided under: a result under another epoch is never stamped. */
  readonly epoch: number;
}

/** The supervisor's state: marker, spawn in flight, restart ledger, last attempt, give-up and reset, kill switch and lease. */
export interface SupervisorState {
  readonly marker: Marker | null;
  readonly spawnInFlight: SpawnInFlight | null;
  /** Recent starts, oldest first. */
  readonly ledger: readonly StartRecord[];
  readonly lastAttempt: number;
  readonly gaveUp: boolean;
  /** Failed starts before this time no longer count (the human reset). */
  readonly resetAt: number | null;
  readonly killSwitch: boolean;
  readonly leaseHeld: boolean;
  /** The epoch the lease was taken at (0 without it); every holder-only write carries it. */
  readonly leaseEpoch: number;
  /**
   * True once the store's supervisor state was read under the current
   * lease. Until then the holder decides nothing: what it remembers may
   * predate another host's starts, give-up or marker.
   */
  readonly synced: boolean;
  /** The last write of the marker failed (not for the lease): it is written again at the next tick. */
  readonly markerUnwritten?: boolean;
}

/** The supervisor before the store is read. */
export const INITIAL_SUPERVISOR: SupervisorState = {
  marker: null,
  spawnInFlight: null,
  ledger: [],
  lastAttempt: 0,
  gaveUp: false,
  resetAt: null,
  killSwitch: false,
  leaseHeld: false,
  leaseEpoch: 0,
  synced: false,
};

/** Pure: whether this host may decide (and write) for the supervisor now. */
export const maySupervise = (state: SupervisorState): boolean => state.leaseHeld && state.synced;

/** What the supervisor sees of tmux in one observation. */
export interface SupervisorView {
  readonly now: number;
  /** Panes that exist and are not dead. */
  readonly livePaneIds: ReadonlySet<string>;
  /** Panes that exist but whose process has exited (remain-on-exit). */
  readonly deadPaneIds: ReadonlySet<string>;
  /**
   * False when the observation was requested before the current marker was
   * stamped: such a picture cannot show the new pane, so it proves no death.
   */
  readonly coversMarker: boolean;
  /** The marked first mate was waiting at a start-up dialog: its end is not a failed start. */
  readonly atDialog?: boolean;
  /**
   * The observed pane that carries the marker's pane id, if any: its pid and
   * tmux server tell the first mate from another pane given the same id
   * (a tmux server restarted; see paneIdentity.ts).
   */
  readonly markedPane?: {
    readonly pid: number | null;
    readonly dead: boolean;
    readonly tmuxServer?: TmuxServerIdentity | undefined;
  };
  /**
   * The live panes in the first mate's window. One that is not the marked
   * first mate is a stray (left by a host that crashed mid-spawn, or whose
   * marker write failed): nothing is started beside it; the holder closes
   * it, and the next observation starts one if still needed.
   */
  readonly liveInWindow?: readonly string[];
}

/** The supervisor's decision: its next state and the commands that bring the fleet to one live first mate. */
export interface SupervisorDecision {
  readonly state: SupervisorState;
  readonly commands: readonly Command[];
}

type SupervisorConfig = Pick<
  CoreConfig,
  "minUptimeMs" | "maxStarts" | "startWindowMs" | "backoffBaseMs" | "backoffMaxMs" | "session" | "window"
>;

/** Ledger rows kept in memory; never fewer than `maxStarts` needs (see `ledgerKeep`). */
const LEDGER_KEEP = 32;

const ledgerKeep = (config: Pick<CoreConfig, "maxStarts">): number => Math.max(LEDGER_KEEP, config.maxStarts + 1);

const replaceRecord = (
  ledger: readonly StartRecord[],
  record: StartRecord,
  config: Pick<CoreConfig, "maxStarts">,
): StartRecord[] => {
  const rest = ledger.filter((entry) => entry.attempt !== record.attempt);
  return [...rest, record].sort((a, b) => a.attempt - b.attempt).slice(-ledgerKeep(config));
};

/** Pure: a ledger read from the store, in attempt order, trimmed like the one in memory. */
export const normaliseLedger = (ledger: readonly StartRecord[], config: Pick<CoreConfig, "maxStarts">): StartRecord[] =>
  [...ledger].sort((a, b) => a.attempt - b.attempt).slice(-ledgerKeep(config));

const kitLog = (now: number, text: string): Command => ({
  type: "store.appendLog",
  entry: { kind: "narrative", text, at: now, author: "kit" },
});

/** Pure: the backoff before the start after `failures` consecutive failed starts. */
export const backoffDelay = (failures: number, config: Pick<CoreConfig, "backoffBaseMs" | "backoffMaxMs">): number =>
  failures <= 0 ? 0 : Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** Math.min(failures - 1, 30));

/** Starts that count for crash-loop protection: after the last reset. */
const countedStarts = (state: SupervisorState): StartRecord[] =>
  state.ledger.filter((record) => state.resetAt === null || record.startedAt >= state.resetAt);

const trailingFailures = (records: readonly StartRecord[]): number => {
  let count = 0;
  for (let i = records.length - 1; i >= 0 && isFailedStart(records[i]!); i--) count++;
  return count;
};

/**
 * Pure: the marker with the identity of the pane it names filled in where it
 * is still unknown (a spawn whose create call printed no pid or server: a
 * port that cannot read them, a read after the respawn that failed; the
 * first observation that shows the pane pins it).
 */
const pinMarker = (marker: Marker, observed: NonNullable<SupervisorView["markedPane"]>): Marker | null => {
  const pid = marker.panePid ?? observed.pid;
  const tmuxServer = marker.tmuxServer ?? observed.tmuxServer ?? null;
  if (pid === (marker.panePid ?? null) && tmuxServer === (marker.tmuxServer ?? null)) return null;
  return { ...marker, panePid: pid, tmuxServer };
};

/** Pure: judge the marked pane against the observation. */
const judgeMarker = (state: SupervisorState, view: SupervisorView, config: SupervisorConfig): SupervisorDecision => {
  const marker = state.marker;
  if (marker === null || !view.coversMarker) return { state, commands: [] };
  const observed = view.markedPane;
  // The pane id now names another process, or a pane on another tmux server: the first mate is gone.
  const replaced = observed !== undefined && !samePane(marker, observed);
  if (!replaced && view.livePaneIds.has(marker.paneId)) {
    const pinned = observed === undefined || observed.dead ? null : pinMarker(marker, observed);
    if (pinned === null) return { state, commands: [] };
    return {
      state: { ...state, marker: pinned },
      commands: [{ type: "store.setMarker", marker: pinned, epoch: state.leaseEpoch }],
    };
  }
  const uptimeMs = view.now - marker.spawnedAt;
  const outcome = uptimeMs < config.minUptimeMs && view.atDialog !== true ? "unstable" : "stable";
  const previous = state.ledger.find((record) => record.attempt === marker.attempt);
  const record: StartRecord = {
    attempt: marker.attempt,
    startedAt: previous?.startedAt ?? marker.spawnedAt,
    endedAt: view.now,
    paneId: marker.paneId,
    outcome,
  };
  const commands: Command[] = [
    { type: "store.clearMarker", paneId: marker.paneId, epoch: state.leaseEpoch },
    { type: "store.recordStart", record, epoch: state.leaseEpoch },
    kitLog(
      view.now,
      `first mate ${marker.paneId} ended after ${Math.round(uptimeMs / 1000)}s (${outcome}${view.atDialog ? ": it was waiting at a start-up dialog, not a failed start" : ""}${replaced ? `; ${marker.paneId} now names another pane (pid ${observed?.pid ?? "unknown"}), left alone` : ""})`,
    ),
  ];
  // Only the first mate's own dead pane is removed; a pane that merely reuses its id is someone else's.
  if (!replaced && view.deadPaneIds.has(marker.paneId)) commands.push({ type: "tmux.kill", paneId: marker.paneId });
  return { state: { ...state, marker: null, ledger: replaceRecord(state.ledger, record, config) }, commands };
};

/** Pure: start a first mate if nothing stands in the way, else say when to look again. */
const decideStart = (state: SupervisorState, now: number, config: SupervisorConfig): SupervisorDecision => {
  if (state.marker !== null || state.spawnInFlight !== null) return { state, commands: [] };
  if (state.killSwitch || !maySupervise(state) || state.gaveUp) return { state, commands: [] };

  const counted = countedStarts(state);
  const inWindow = counted.filter((record) => record.startedAt > now - config.startWindowMs);
  const lastInWindow = inWindow.slice(-config.maxStarts);
  if (lastInWindow.length >= config.maxStarts && lastInWindow.every(isFailedStart)) {
    const message = `first mate failed ${config.maxStarts} starts within ${Math.round(config.startWindowMs / 1000)}s; supervisor gave up until reset`;
    return {
      state: { ...state, gaveUp: true },
      commands: [
        { type: "store.setSupervisorGaveUp", gaveUp: true, at: now, epoch: state.leaseEpoch },
        kitLog(now, message),
        { type: "alert.raise", level: "critical", code: "first_mate_crash_loop", message },
      ],
    };
  }

  let notBefore = 0;
  const failures = trailingFailures(counted);
  const last = counted[counted.length - 1];
  if (failures > 0 && last) notBefore = (last.endedAt ?? last.startedAt) + backoffDelay(failures, config);
  if (inWindow.length >= config.maxStarts) {
    const oldestCounted = inWindow[inWindow.length - config.maxStarts]!;
    notBefore = Math.max(notBefore, oldestCounted.startedAt + config.startWindowMs + 1);
  }
  if (now < notBefore) return { state, commands: [{ type: "timer.wakeAt", at: notBefore }] };

  const attempt = state.lastAttempt + 1;
  const requestId = `spawn-${attempt}`;
  const record: StartRecord = { attempt, startedAt: now, endedAt: null, paneId: null, outcome: "starting" };
  return {
    state: {
      ...state,
      lastAttempt: attempt,
      spawnInFlight: { requestId, attempt, since: now, epoch: state.leaseEpoch },
      ledger: replaceRecord(state.ledger, record, config),
    },
    commands: [
      { type: "store.recordStart", record, epoch: state.leaseEpoch },
      { type: "tmux.spawn", requestId, session: config.session, window: config.window, attempt },
    ],
  };
};

/**
 * Pure: reconcile the supervisor with one observation of tmux.
 * Returns the next supervisor state and the commands to run.
 */
export const decideSupervisor = (
  state: SupervisorState,
  view: SupervisorView,
  config: SupervisorConfig,
): SupervisorDecision => {
  // Only the lease holder supervises, once it has re-read the store; a standby follows the store's marker.
  if (!maySupervise(state)) return { state, commands: [] };
  const judged = judgeMarker(state, view, config);
  const marked = judged.state.marker?.paneId;
  if (view.liveInWindow?.some((paneId) => paneId !== marked)) return judged;
  const started = decideStart(judged.state, view.now, config);
  // Most observations start nothing: the judged decision as it is, not a copy of it.
  if (started.commands.length === 0 && started.state === judged.state) return judged;
  return { state: started.state, commands: [...judged.commands, ...started.commands] };
};

/** Pure: re-decide without a new observation (after a failure, reset or lease change). */
export const reconsiderStart = (state: SupervisorState, now: number, config: SupervisorConfig): SupervisorDecision =>
  decideStart(state, now, config);

/** The result of a spawn, as the core sees it. */
export type SpawnOutcome =
  | {
      readonly ok: true;
      readonly requestId: string;
      readonly paneId: string;
      readonly windowId: string | null;
      readonly tokenHash: string;
      /** The new pane's pid as the create call printed it; null or absent when unknown. */
      readonly panePid?: number | null;
      /** The tmux server the pane was created on; null or absent when unknown. */
      readonly tmuxServer?: TmuxServerIdentity | null;
    }
  | { readonly ok: false; readonly requestId: string; readonly reason: string };

const isWindowId = (value: string | null): value is string => value !== null && /^@\d+$/.test(value);

/**
 * Pure: fold a spawn result into the supervisor. A result for a request that
 * is not in flight (stale) is killed, so two first mates never coexist.
 */
export const settleSpawn = (
  state: SupervisorState,
  outcome: SpawnOutcome,
  now: number,
  config: SupervisorConfig,
): SupervisorDecision => {
  const inFlight = state.spawnInFlight;
  // A spawn decided under a lease this host no longer holds is stale: another
  // host may have adopted the store's marker and started its own first mate.
  const current = inFlight !== null && inFlight.requestId === outcome.requestId;
  const fenced = current && (!maySupervise(state) || inFlight.epoch !== state.leaseEpoch);
  if (inFlight === null || !current || fenced) {
    const next = fenced ? { ...state, spawnInFlight: null } : state;
    if (!outcome.ok) return { state: next, commands: [] };
    // With the pane's pid the kill ends its process tree too (the same ladder as terminate): an
    // agent that ignores SIGHUP would otherwise outlive its window.
    const kill: Command = isPaneId(outcome.paneId)
      ? {
          type: "tmux.kill",
          paneId: outcome.paneId,
          ...(typeof outcome.panePid === "number" ? { pid: outcome.panePid, reason: "stale spawn" } : {}),
        }
      : {
          type: "tmux.killWindow",
          target: isWindowId(outcome.windowId) ? outcome.windowId : `${config.session}:${config.window}`,
        };
    return { state: next, commands: [kill, kitLog(now, `killed a stale spawn (${outcome.requestId})`)] };
  }
  const startedAt = state.ledger.find((record) => record.attempt === inFlight.attempt)?.startedAt ?? inFlight.since;
  const cleared: SupervisorState = { ...state, spawnInFlight: null };

  if (!outcome.ok || !isPaneId(outcome.paneId)) {
    const record: StartRecord = {
      attempt: inFlight.attempt,
      startedAt,
      endedAt: now,
      paneId: null,
      outcome: "spawn_failed",
    };
    const commands: Command[] = [{ type: "store.recordStart", record, epoch: state.leaseEpoch }];
    if (outcome.ok) {
      // The window exists but its pane id is unreadable: never stamp it, remove it.
      const target = isWindowId(outcome.windowId) ? outcome.windowId : `${config.session}:${config.window}`;
      commands.push({ type: "tmux.killWindow", target });
      commands.push(
        kitLog(now, `spawn returned a malformed pane id ${JSON.stringify(outcome.paneId)}; window removed`),
      );
    } else {
      commands.push(kitLog(now, `first mate spawn failed: ${outcome.reason}`));
    }
    const failed = { ...cleared, ledger: replaceRecord(cleared.ledger, record, config) };
    const next = decideStart(failed, now, config);
    return { state: next.state, commands: [...commands, ...next.commands] };
  }

  // The pane's pid and server as the create call printed them: a tmux server
  // replaced before the first observation cannot pass its pane off as this one.
  const marker: Marker = {
    paneId: outcome.paneId,
    tokenHash: outcome.tokenHash,
    spawnedAt: now,
    attempt: inFlight.attempt,
    ...(typeof outcome.panePid === "number" ? { panePid: outcome.panePid } : {}),
    ...(outcome.tmuxServer ? { tmuxServer: outcome.tmuxServer } : {}),
  };
  const record: StartRecord = {
    attempt: inFlight.attempt,
    startedAt,
    endedAt: null,
    paneId: outcome.paneId,
    outcome: "running",
  };
  return {
    state: { ...cleared, marker, ledger: replaceRecord(cleared.ledger, record, config) },
    commands: [
      { type: "store.setMarker", marker, epoch: state.leaseEpoch },
      { type: "store.recordStart", record, epoch: state.leaseEpoch },
      kitLog(now, `first mate spawned in ${outcome.paneId} (attempt ${inFlight.attempt})`),
    ],
  };
};
