/**
 * The heartbeat: push the fleet picture to the first mate only when it
 * changed materially, coalesced, and never lose a change (docs/design.md, Heartbeat).
 *
 * Pure: executes nothing. Rules:
 * - `lastSent` advances only when the emit of that same push succeeds
 *   (invariant 2); a failed emit leaves it, so the next decision re-pushes
 *   the still-diverged picture (invariant 3);
 * - one push in flight at a time;
 * - at most one push per `intervalMs`; a divergence that arrives sooner
 *   waits (a wake-up is requested) and is pushed complete when it may be;
 *   first sight (`lastSent` none, e.g. a respawned first mate) goes at once;
 * - no divergence, no folded repeats, no expiries → no push (invariant 5).
 */
import type { Command } from "../commands.js";
import type { FleetDigest } from "../domain/digest.js";
import type { PaneId } from "../domain/paneId.js";
import { type Change, type DivergeThresholds, diverge, ridesAlong } from "./diverge.js";
import { type FoldedRepeat, renderDeltaShown } from "./renderDelta.js";

/** A digest push written but not yet answered: its emit id, the digest it carries, and the repeats and expiries it reports. */
export interface PushInFlight {
  readonly emitId: string;
  readonly digest: FleetDigest;
  /** Dedupe keys of the folded repeats this push carries. */
  readonly repeatKeys: readonly string[];
  /** The count of each folded repeat as this push tells it: later repeats stay for the next push. */
  readonly repeatCounts?: Readonly<Record<string, number>>;
  readonly expiredReported: number;
}

/**
 * The heartbeat's state: the picture the first mate has (`lastSent`), a push in flight, when the last push went
 * and how many there were, and a wake-up asked for.
 */
export interface HeartbeatState {
  /** The picture the first mate has: the digest of the last successful push. */
  readonly lastSent: FleetDigest | null;
  readonly inFlight: PushInFlight | null;
  readonly lastPushAt: number | null;
  readonly pushCount: number;
  /** A wake-up already requested for a coalesced push. */
  readonly wakeRequestedFor: number | null;
}

/** The heartbeat before the first push. */
export const INITIAL_HEARTBEAT: HeartbeatState = {
  lastSent: null,
  inFlight: null,
  lastPushAt: null,
  pushCount: 0,
  wakeRequestedFor: null,
};

/** What the heartbeat decides on: the time, the current digest, the first mate and whether it is attached, and the cadence, thresholds and cap. */
export interface HeartbeatInput {
  readonly now: number;
  readonly digest: FleetDigest;
  readonly firstMatePaneId: PaneId | null;
  /** The first mate's start attempt, part of every emit id. */
  readonly firstMateAttempt?: number;
  readonly attached: boolean;
  readonly repeats: Readonly<Record<string, FoldedRepeat>>;
  readonly expiredUnreported: number;
  readonly intervalMs: number;
  readonly thresholds: DivergeThresholds;
  readonly capBytes: number;
  /** Low-priority lines that ride along when a push happens (never trigger one). */
  readonly notes?: readonly string[];
}

/** The heartbeat's decision: its next state and the commands (a push, a timer). */
export interface HeartbeatDecision {
  readonly state: HeartbeatState;
  readonly commands: readonly Command[];
  /** The changes pushed, when a push was started. */
  readonly pushed: readonly Change[] | null;
}

/** No commands: shared by every decision that does nothing (frozen, so nothing appends to it). */
const NO_COMMANDS: readonly Command[] = Object.freeze([]);

/** The emit id of the `count`-th digest push, to the first mate of start `attempt` (unique across first mates). */
export const digestEmitId = (count: number, attempt = 0): string => `digest-${attempt}-${count}`;

/**
 * Pure: whether the heartbeat has anything to decide: a first mate, attached,
 * and no push in flight. Otherwise it does nothing, whatever the picture
 * (the caller need not build one).
 */
export const heartbeatDecides = (state: HeartbeatState, firstMatePaneId: PaneId | null, attached: boolean): boolean =>
  firstMatePaneId !== null && attached && state.inFlight === null;

/**
 * The last decision that did nothing although the heartbeat decides (no
 * change to push, or a wake-up already asked for), with what it was decided
 * from. While the first mate is attached every observation and screen asks,
 * and the steps of one tick ask again with the same state and digest
 * (immutable: the same objects mean the same answer), so the digests need
 * not be compared again.
 */
let lastIdle: {
  readonly state: HeartbeatState;
  readonly input: HeartbeatInput;
  readonly decision: HeartbeatDecision;
} | null = null;

/**
 * Whether `b` asks what `a` asked, as far as a decision to do nothing goes:
 * the same digest, time, repeats, expiries, interval and thresholds
 * (objects by identity: the core's state is immutable). The first mate's
 * pane and attempt, the cap and the notes only shape a push; without a first
 * mate, attached, nothing is decided either way.
 */
const sameIdleInput = (a: HeartbeatInput, b: HeartbeatInput): boolean =>
  a.digest === b.digest &&
  a.now === b.now &&
  a.repeats === b.repeats &&
  a.expiredUnreported === b.expiredUnreported &&
  a.intervalMs === b.intervalMs &&
  a.thresholds === b.thresholds;

/** Pure: push, wait, or do nothing (the same decision as `decideHeartbeatAfresh`, remembered while it does nothing). */
export const decideHeartbeat = (state: HeartbeatState, input: HeartbeatInput): HeartbeatDecision => {
  if (lastIdle !== null && lastIdle.state === state && sameIdleInput(lastIdle.input, input)) return lastIdle.decision;
  const decision = decideHeartbeatAfresh(state, input);
  // Only a decision that did nothing is remembered: a push or a wake-up changes the state, never asked again.
  if (
    decision.state === state &&
    decision.commands.length === 0 &&
    heartbeatDecides(state, input.firstMatePaneId, input.attached)
  )
    lastIdle = { state, input, decision };
  return decision;
};

/** Pure: push, wait, or do nothing, decided from the digests themselves (what `decideHeartbeat` remembers). */
export const decideHeartbeatAfresh = (state: HeartbeatState, input: HeartbeatInput): HeartbeatDecision => {
  const idle: HeartbeatDecision = { state, commands: NO_COMMANDS, pushed: null };
  if (input.firstMatePaneId === null || !heartbeatDecides(state, input.firstMatePaneId, input.attached)) return idle;
  const changes = diverge(state.lastSent, input.digest, input.thresholds);
  const repeatKeys = Object.keys(input.repeats).sort();
  // Evidence ageing rides along with the next push; alone it never starts one (an idle fleet stays quiet).
  const triggers = changes.some((change) => !ridesAlong(change));
  if (!triggers && repeatKeys.length === 0 && input.expiredUnreported === 0) return idle;

  const firstSight = state.lastSent === null;
  const allowedAt = state.lastPushAt === null ? input.now : state.lastPushAt + input.intervalMs;
  if (!firstSight && input.now < allowedAt) {
    if (state.wakeRequestedFor === allowedAt) return idle;
    return {
      state: { ...state, wakeRequestedFor: allowedAt },
      commands: [{ type: "timer.wakeAt", at: allowedAt }],
      pushed: null,
    };
  }

  const notes = [...(input.notes ?? [])];
  if (input.expiredUnreported > 0) {
    notes.unshift(`${input.expiredUnreported} undelivered interrupts expired unread`);
  }
  const repeats = repeatKeys.map((key) => input.repeats[key]!);
  const rendered = renderDeltaShown(changes, input.digest, { capBytes: input.capBytes, repeats, notes });
  const content = rendered.text;
  // Only what the text carries is settled by its success: a line the cap cut waits for the next push.
  const shownKeys = rendered.repeatsShown.map((index) => repeatKeys[index]!);
  const repeatCounts: Record<string, number> = {};
  for (const key of shownKeys) repeatCounts[key] = input.repeats[key]!.count;
  const expiredShown = input.expiredUnreported > 0 && rendered.notesShown.includes(0);
  const pushCount = state.pushCount + 1;
  const emitId = digestEmitId(pushCount, input.firstMateAttempt ?? 0);
  return {
    state: {
      ...state,
      pushCount,
      wakeRequestedFor: null,
      inFlight: {
        emitId,
        digest: input.digest,
        repeatKeys: shownKeys,
        repeatCounts,
        expiredReported: expiredShown ? input.expiredUnreported : 0,
      },
    },
    commands: [
      {
        type: "channel.emit",
        emitId,
        purpose: "digest",
        paneId: input.firstMatePaneId,
        content,
        meta: {
          kind: firstSight ? "digest_full" : "digest_delta",
          changes: String(changes.length),
          panes: String(input.digest.panes.length),
        },
      },
    ],
    pushed: changes,
  };
};

/**
 * Pure: fold an emit result. Only the success of this very push advances
 * `lastSent` (invariant 2).
 */
export const settlePush = (
  state: HeartbeatState,
  emitId: string,
  delivered: boolean,
  now: number,
): { readonly state: HeartbeatState; readonly settled: PushInFlight | null } => {
  const inFlight = state.inFlight;
  if (inFlight === null || inFlight.emitId !== emitId) return { state, settled: null };
  if (!delivered) return { state: { ...state, inFlight: null }, settled: null };
  return { state: { ...state, inFlight: null, lastSent: inFlight.digest, lastPushAt: now }, settled: inFlight };
};

/** A new first mate knows nothing: it gets the whole picture at once. */
export const resetForNewFirstMate = (state: HeartbeatState): HeartbeatState => ({
  ...state,
  lastSent: null,
  inFlight: null,
  lastPushAt: null,
  wakeRequestedFor: null,
});
