/**
 * The channel-delivery part of `step` (decisions/channelDelivery.ts holds
 * the rules) and the first mate's start-up watch (decisions/startupDialogs.ts):
 * small hooks the reducer calls where pushes are settled, ticks and screens
 * arrive, the first mate acts or pulls, and a new first mate starts.
 *
 * Pure: executes nothing. Guarantees: `lastSent` only ever moves to a
 * picture the first mate was given — the digest of an accepted push, the
 * digest it pulled — or back to the newest one known to have reached it;
 * an interrupt leaves the outbox only once it was heard (a confirmed push)
 * or pulled (`inbox`).
 */

import type { Command } from "./commands.js";
import {
  type ChannelSwitch,
  channelUnavailable,
  confirmChannel,
  deadlinePassed,
  decideWake,
  type FirstMateEvidence,
  INITIAL_CHANNEL_DELIVERY,
  noteAccepted,
  screenShowsChannelIgnored,
  settleWake,
  weighEvidence,
} from "./decisions/channelDelivery.js";
import { decideStartupDialog, INITIAL_STARTUP_DIALOG } from "./decisions/startupDialogs.js";
import type { FleetDigest } from "./domain/digest.js";
import type { OutboxEntry } from "./domain/interrupt.js";
import type { PaneId } from "./domain/paneId.js";
import { type CoreState, updateState } from "./state.js";

type StepResult = readonly [CoreState, readonly Command[]];

const firstMateOf = (state: CoreState): PaneId | null => state.supervisor.marker?.paneId ?? null;

const bySeq = (a: OutboxEntry, b: OutboxEntry) => a.seq - b.seq;

/** Fold a confirm/unavailable switch into the core state (heartbeat roll-back, outbox re-queue). */
const applySwitch = (state: CoreState, change: ChannelSwitch): StepResult => {
  let next: CoreState = updateState(state, { channel: change.state });
  if (change.rollBackTo) {
    next = updateState(next, {
      heartbeat: { ...next.heartbeat, lastSent: change.rollBackTo.lastSent, inFlight: null, wakeRequestedFor: null },
    });
  }
  if (change.requeue) {
    const known = new Set(next.interrupts.outbox.map((entry) => entry.seq));
    const back = change.requeue.filter((entry) => !known.has(entry.seq));
    next = updateState(next, {
      interrupts: {
        ...next.interrupts,
        // A push in flight now is never counted: its entry stays queued for `inbox`.
        delivering: null,
        outbox: [...back, ...next.interrupts.outbox].sort(bySeq),
      },
    });
  }
  return [next, change.commands];
};

/** Lines read from the bottom of the first mate's screen: start-up notices sit near the top of a fresh pane. */
export const FIRST_MATE_SCREEN_LINES = 80;

/** How long after its spawn a first mate that has not attached is looked at every `firstMateScreenIntervalMs`. */
export const STARTUP_PROBE_WINDOW_MS = 10 * 60_000;

/**
 * Pure: read the first mate's screen while it has not attached or its
 * channel is unconfirmed (answered by ScreenCaptured), at most once per
 * `firstMateScreenIntervalMs`. Only the lease holder reads screens. In its
 * first minutes, a first mate that has not attached is looked at again at
 * that interval rather than the tick's, so a start-up dialog is seen (and
 * the development-channel consent answered) within seconds.
 */
export const watchFirstMateScreen = (state: CoreState, livePaneIds: ReadonlySet<string>): StepResult => {
  const marker = state.supervisor.marker;
  if (marker === null || !state.supervisor.leaseHeld || !livePaneIds.has(marker.paneId)) return [state, []];
  if (state.firstMateAttached && state.channel.mode !== "unconfirmed") return [state, []];
  const last = state.channel.screenAt;
  const interval = state.config.firstMateScreenIntervalMs;
  if (last !== null && state.now - last < interval) return [state, []];
  const commands: Command[] = [{ type: "tmux.capture", paneId: marker.paneId, lines: FIRST_MATE_SCREEN_LINES }];
  if (!state.firstMateAttached && state.now - marker.spawnedAt < STARTUP_PROBE_WINDOW_MS) {
    commands.push({ type: "timer.wakeAt", at: state.now + interval });
  }
  return [updateState(state, { channel: { ...state.channel, screenAt: state.now } }), commands];
};

/** Pure: a captured screen of the first mate: a start-up dialog to answer or to raise. */
export const startupDialogScreen = (state: CoreState, paneId: PaneId, text: string): StepResult => {
  if (paneId !== firstMateOf(state)) return [state, []];
  const decision = decideStartupDialog(state.startupDialog, text, {
    now: state.now,
    paneId,
    answer: state.config.answerStartupDialogs,
  });
  return [
    decision.state === state.startupDialog ? state : updateState(state, { startupDialog: decision.state }),
    decision.commands,
  ];
};

/** Pure: whether pushes go to the channel (false while it is unavailable: wake-ups instead). */
export const channelCarriesPushes = (state: CoreState): boolean => state.channel.mode !== "unavailable";

/**
 * Pure: whether the first mate was known to be idle (waiting at its prompt)
 * when a push came: its hooks said so, or, for an agent without hooks, a
 * screen captured within two of its screen intervals showed its input
 * prompt (its screen is read every `firstMateScreenIntervalMs` while the
 * channel is unconfirmed). The title never says idle; a tool call of its own
 * says nothing about a turn; anything else leaves it unknown (not quiet).
 */
export const quietWhenPushed = (state: CoreState): boolean => {
  const paneId = firstMateOf(state);
  const resolved = paneId === null ? undefined : state.agents[paneId]?.resolved;
  if (resolved === undefined || (resolved.state !== "idle" && resolved.state !== "waiting_input")) return false;
  if (resolved.source === "hook") return true;
  return (
    resolved.source === "screen" &&
    resolved.at !== null &&
    state.now - resolved.at <= 2 * state.config.firstMateScreenIntervalMs
  );
};

/**
 * Pure: a push to the first mate was accepted by its session. Returns
 * whether an interrupt's delivery must wait for confirmation (then the
 * caller must not mark it delivered).
 */
export const channelAccepted = (
  state: CoreState,
  ref: string,
  interrupt: OutboxEntry | null,
): readonly [CoreState, readonly Command[], boolean] => {
  if (state.channel.mode !== "unconfirmed") return [state, [], false];
  const idle = quietWhenPushed(state);
  const decision = noteAccepted(state.channel, { ref, at: state.now, interrupt, idle }, state.config.channelConfirmMs);
  return [updateState(state, { channel: decision.state }), decision.commands, interrupt !== null];
};

/** Pure: on a tick, a confirmation deadline that has passed makes the channel unavailable. */
export const channelTick = (state: CoreState): StepResult => {
  const paneId = firstMateOf(state);
  if (paneId === null || !deadlinePassed(state.channel, state.now)) return [state, []];
  return applySwitch(
    state,
    channelUnavailable(state.channel, {
      now: state.now,
      paneId,
      reason: "deadline",
      confirmMs: state.config.channelConfirmMs,
    }),
  );
};

/** Pure: a captured screen of the first mate that shows the channel was ignored makes it unavailable. */
export const channelScreen = (state: CoreState, paneId: PaneId, text: string): StepResult => {
  if (paneId !== firstMateOf(state) || !screenShowsChannelIgnored(text)) return [state, []];
  return applySwitch(
    state,
    channelUnavailable(state.channel, {
      now: state.now,
      paneId,
      reason: "screen",
      confirmMs: state.config.channelConfirmMs,
    }),
  );
};

/** Pure: weigh what the first mate did; confirm the channel when it shows the push was heard. */
export const channelEvidence = (state: CoreState, paneId: PaneId, evidence: FirstMateEvidence): StepResult => {
  if (paneId !== firstMateOf(state)) return [state, []];
  const weighed = weighEvidence(state.channel, evidence);
  const next: CoreState = weighed.state === state.channel ? state : updateState(state, { channel: weighed.state });
  if (weighed.confirms === null) return [next, []];
  return applySwitch(
    next,
    confirmChannel(next.channel, {
      now: next.now,
      paneId,
      lastSent: next.heartbeat.lastSent,
      how: weighed.confirms,
      epoch: next.supervisor.leaseEpoch,
    }),
  );
};

/** Pure: hook evidence from the first mate's pane, as channel evidence (null when it says nothing about turns). */
export const hookTurn = (detail: string | undefined, state: string): FirstMateEvidence | null => {
  if (detail?.startsWith("UserPromptSubmit")) return { kind: "hook", turn: "prompt" };
  if (state === "busy") return { kind: "hook", turn: "busy" };
  if (state === "idle" || state === "waiting_input" || state === "ended") return { kind: "hook", turn: "ended" };
  return null;
};

/**
 * Pure: the first mate pulled the digest: in every mode, `lastSent` becomes
 * what it pulled (it now has that picture: a change after it, e.g. a pane
 * gone that it pulled while alive, must be pushed even when the last push
 * never showed that pane), and it is known to have reached it. While the
 * channel is unavailable the folded repeats and expiry count the pulled
 * text carried are done with too. A push in flight that settles later sets
 * `lastSent` back to its own, older picture: a re-push, never a loss.
 */
export const digestPulled = (
  state: CoreState,
  pull: {
    readonly paneId: PaneId;
    readonly digest: FleetDigest;
    readonly repeatKeys: readonly string[];
    readonly expiredReported: number;
  },
): StepResult => {
  if (pull.paneId !== firstMateOf(state)) return [state, []];
  let next: CoreState = updateState(state, {
    channel: { ...state.channel, delivered: pull.digest },
    heartbeat: { ...state.heartbeat, lastSent: pull.digest },
  });
  if (state.channel.mode === "unavailable") {
    const repeats = { ...next.interrupts.repeats };
    for (const key of pull.repeatKeys) delete repeats[key];
    next = updateState(next, {
      interrupts: {
        ...next.interrupts,
        repeats,
        expiredUnreported: Math.max(0, next.interrupts.expiredUnreported - pull.expiredReported),
      },
    });
  }
  return [next, []];
};

/** Pure: the interrupts `inbox` returned are delivered, in any mode. */
export const inboxPulled = (state: CoreState, paneId: PaneId, seqs: readonly number[]): StepResult => {
  if (paneId !== firstMateOf(state) || seqs.length === 0) return [state, []];
  const pulled = new Set(seqs);
  const next: CoreState = updateState(state, {
    channel: { ...state.channel, held: state.channel.held.filter((entry) => !pulled.has(entry.seq)) },
    interrupts: { ...state.interrupts, outbox: state.interrupts.outbox.filter((entry) => !pulled.has(entry.seq)) },
  });
  return [next, seqs.map((seq): Command => ({ type: "store.markDelivered", seq, epoch: state.supervisor.leaseEpoch }))];
};

/** Pure: the interrupts `inbox` would return now, in sequence order (held ones included). */
export const pendingInterrupts = (state: CoreState): readonly OutboxEntry[] => {
  const seen = new Set<number>();
  const all: OutboxEntry[] = [];
  for (const entry of [...state.channel.held, ...state.interrupts.outbox]) {
    if (seen.has(entry.seq)) continue;
    seen.add(entry.seq);
    all.push(entry);
  }
  return all.sort(bySeq);
};

/** Pure: the heartbeat while the channel is unavailable: a wake-up instead of a push. */
export const wakeHeartbeat = (state: CoreState, digest: FleetDigest, intervalMs: number): StepResult => {
  const decision = decideWake(state.channel.wake, {
    now: state.now,
    firstMatePaneId: firstMateOf(state),
    attached: state.firstMateAttached,
    digest,
    lastSent: state.heartbeat.lastSent,
    outbox: state.interrupts.outbox,
    intervalMs,
    resendLimit: state.config.wakeResendLimit,
    thresholds: state.config,
  });
  // Most heartbeats wake nobody: the same state then.
  if (decision.state === state.channel.wake) return [state, decision.commands];
  return [updateState(state, { channel: { ...state.channel, wake: decision.state } }), decision.commands];
};

/** Pure: a wake-up was typed (or not). */
export const wakeSettled = (state: CoreState, requestId: string, typed: boolean): CoreState =>
  updateState(state, {
    channel: { ...state.channel, wake: settleWake(state.channel.wake, requestId, typed, state.now) },
  });

/**
 * Pure: a new first mate (or none): its channel starts unconfirmed, and the
 * interrupts held for the old one go back to the outbox, unheard.
 */
export const resetChannelForNewFirstMate = (state: CoreState): CoreState => {
  const held = state.channel.held;
  const known = new Set(state.interrupts.outbox.map((entry) => entry.seq));
  const back = held.filter((entry) => !known.has(entry.seq));
  return updateState(state, {
    channel: INITIAL_CHANNEL_DELIVERY,
    startupDialog: INITIAL_STARTUP_DIALOG,
    interrupts:
      back.length === 0
        ? state.interrupts
        : { ...state.interrupts, outbox: [...back, ...state.interrupts.outbox].sort(bySeq) },
  });
};
