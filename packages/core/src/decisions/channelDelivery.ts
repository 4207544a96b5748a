/**
 * Channel delivery: does the first mate actually hear its pushes?
 *
 * A channel write is *accepted* when it reaches the first mate's session;
 * that is no proof the agent saw it (Claude Code drops channel
 * notifications silently when channels are off for the session). So each
 * first mate's channel is in one of three modes:
 *
 * | mode          | entered when                                              |
 * |---------------|-----------------------------------------------------------|
 * | `unconfirmed` | a first mate starts (a new marker)                        |
 * | `confirmed`   | it acts after a push was accepted (see evidence below)    |
 * | `unavailable` | no confirmation within `channelConfirmMs` of a push, or   |
 * |               | its screen says the channel was ignored                   |
 *
 * Rules:
 * - `confirmed` and `unavailable` hold until the next first mate (the
 *   channel is retried at the next start); evidence after that changes nothing.
 * - Evidence, strongest first: a first-mate tool call naming an accepted
 *   push (`ack`); else hook evidence of a new turn, or an unnamed first-mate
 *   tool call, but only when it was known to be idle when the push came (or
 *   its turn has ended since) and no prompt reached it since. Idle is known
 *   from its hooks or, for an agent without hooks, from a fresh screen
 *   showing its input prompt (channelStep's quietWhenPushed). With neither,
 *   an unnamed tool call proves nothing: an agent may act on its own (a
 *   start-up routine, a long turn). A prompt (hook `UserPromptSubmit`)
 *   explains what follows it, so it confirms nothing until the turn ends;
 *   without hooks a prompt the human types between the push and the call
 *   cannot be seen: that is why a named push is preferred, and the
 *   instructions ask for `ack`.
 *   A wrong `confirmed` loses changes silently; a wrong `unavailable` only
 *   costs a duplicate wake-up: the rules lean towards the latter.
 * - While `unconfirmed`, an accepted interrupt is *held* (not yet marked
 *   delivered) and `delivered` remembers the newest picture known to have
 *   reached the first mate. Confirmation marks the held interrupts delivered;
 *   `unavailable` puts them back in the outbox and rolls `lastSent` back to
 *   `delivered`, so nothing accepted-but-unheard is counted as delivered.
 * - While `unavailable`, pushes become one-line wake-ups typed into the
 *   first mate's pane (counts only, never fleet content) at the digest's
 *   coalesced cadence, and what the first mate pulls (`fleet_digest`,
 *   `inbox`) is what counts as delivered (see decideWake and the pull handlers).
 *   A wake-up it leaves unanswered (nothing pulled) is typed again after
 *   the interval, then twice and four times the interval, at most
 *   `wakeResendLimit` times: a typed line can be lost (the human cleared
 *   the input, the agent was mid-turn), and an unanswered one must not
 *   leave the picture undelivered until the fleet happens to change again.
 *
 * Pure: executes nothing.
 */
import { z } from "zod";
import type { Command } from "../commands.js";
import type { FleetDigest } from "../domain/digest.js";
import type { OutboxEntry } from "../domain/interrupt.js";
import type { PaneId } from "../domain/paneId.js";
import { type DivergeThresholds, diverge, ridesAlong } from "./diverge.js";

/** The three channel modes, as a schema (status documents parse it). */
export const ChannelModeSchema = z.enum(["unconfirmed", "confirmed", "unavailable"]);
/** Whether a first mate hears its channel (see the table above). */
export type ChannelMode = z.infer<typeof ChannelModeSchema>;

/** A push accepted by the first mate's session and not yet confirmed. */
export interface AcceptedPush {
  /** The push's id, as sent in `meta.push`. */
  readonly ref: string;
  readonly at: number;
}

/** The wake-ups typed while the channel is unavailable: the one in flight and what the last announced. */
export interface WakeUpState {
  /** The request id of the wake-up being typed, if any. */
  readonly inFlight: string | null;
  /** What the wake-up in flight announces (the digest and the newest interrupt). */
  readonly pending: { readonly digest: FleetDigest; readonly seq: number; readonly resend: boolean } | null;
  readonly count: number;
  readonly lastAt: number | null;
  /** The picture the last wake-up announced: a new one waits for changes beyond it. */
  readonly announced: FleetDigest | null;
  /** The newest interrupt the last wake-up announced. */
  readonly announcedSeq: number;
  /** A coalesced wake-up is already scheduled for this time. */
  readonly wakeRequestedFor: number | null;
  /** How many times the last announcement was typed again, unanswered (back to 0 on a new one). */
  readonly resends: number;
  /** The re-sends ran out and the log says so: no more reminders until something new. */
  readonly resendsExhausted: boolean;
  /** When the last wake-up could not be typed (tmux down, pane gone): the next try waits an interval. */
  readonly failedAt: number | null;
}

/** One first mate's channel: its mode and what confirming or giving up on it needs. */
export interface ChannelDeliveryState {
  readonly mode: ChannelMode;
  /** Pushes accepted while unconfirmed, oldest first (bounded). */
  readonly accepted: readonly AcceptedPush[];
  /** When the oldest accepted push's confirmation runs out. */
  readonly deadline: number | null;
  /**
   * It was known to be idle (hooks, or a fresh screen) when the first
   * unconfirmed push was accepted, or a turn has ended since: a turn that
   * starts now was not already under way.
   */
  readonly quietSinceAccept: boolean;
  /** A prompt reached the first mate since that push: what follows may answer it, not the push. */
  readonly prompted: boolean;
  /** The newest picture known to have reached the first mate (confirmed push or pull). */
  readonly delivered: FleetDigest | null;
  /** Interrupts accepted while unconfirmed: not yet marked delivered. */
  readonly held: readonly OutboxEntry[];
  /** The one alert for this first mate has been raised. */
  readonly alerted: boolean;
  readonly wake: WakeUpState;
  /** When the first mate's screen was last captured (start-up dialogs, an ignored channel). */
  readonly screenAt: number | null;
}

/** No wake-up typed yet. */
export const INITIAL_WAKE_UP: WakeUpState = {
  inFlight: null,
  pending: null,
  count: 0,
  lastAt: null,
  announced: null,
  announcedSeq: 0,
  wakeRequestedFor: null,
  resends: 0,
  resendsExhausted: false,
  failedAt: null,
};

/** A first mate's channel at its start: unconfirmed, nothing accepted, nothing held. */
export const INITIAL_CHANNEL_DELIVERY: ChannelDeliveryState = {
  mode: "unconfirmed",
  accepted: [],
  deadline: null,
  quietSinceAccept: false,
  prompted: false,
  delivered: null,
  held: [],
  alerted: false,
  wake: INITIAL_WAKE_UP,
  screenAt: null,
};

/** Accepted pushes remembered for `ack` matching; older ones drop off (the deadline still stands). */
const ACCEPTED_KEEP = 64;

/** What the first mate did, as channel evidence. */
export type FirstMateEvidence =
  /** A first-mate tool call; `ack` names the push it answers, when it says. */
  | { readonly kind: "tool"; readonly ack: string | null }
  /** Hook evidence from its pane: a prompt submitted, a turn at work, or a turn over. */
  | { readonly kind: "hook"; readonly turn: "prompt" | "busy" | "ended" };

/** A channel decision: the next state and the commands to run. */
export interface ChannelDecision {
  readonly state: ChannelDeliveryState;
  readonly commands: readonly Command[];
}

const kitLog = (now: number, text: string): Command => ({
  type: "store.appendLog",
  entry: { kind: "narrative", text: text.slice(0, 2000), at: now, author: "kit" },
});

/**
 * Pure: note a push the first mate's session accepted. While unconfirmed,
 * the first accepted push starts the confirmation deadline (a wake-up is
 * requested for it); an accepted interrupt is held, not yet delivered.
 */
export const noteAccepted = (
  state: ChannelDeliveryState,
  push: { readonly ref: string; readonly at: number; readonly interrupt: OutboxEntry | null; readonly idle: boolean },
  confirmMs: number,
): ChannelDecision => {
  if (state.mode !== "unconfirmed") return { state, commands: [] };
  const first = state.accepted.length === 0 && state.deadline === null;
  const deadline = first ? push.at + confirmMs : state.deadline;
  const held = push.interrupt ? [...state.held, push.interrupt] : state.held;
  return {
    state: {
      ...state,
      accepted: [...state.accepted, { ref: push.ref, at: push.at }].slice(-ACCEPTED_KEEP),
      deadline,
      quietSinceAccept: first ? push.idle : state.quietSinceAccept,
      prompted: first ? false : state.prompted,
      held,
    },
    commands: first && deadline !== null ? [{ type: "timer.wakeAt", at: deadline }] : [],
  };
};

/** What confirming or giving up on the channel hands back to the heartbeat and the outbox. */
export interface ChannelSwitch {
  readonly state: ChannelDeliveryState;
  readonly commands: readonly Command[];
  /** Set when the channel turned out unavailable: roll `lastSent` back to this picture. */
  readonly rollBackTo?: { readonly lastSent: FleetDigest | null };
  /** Set when the channel turned out unavailable: these go back to the outbox. */
  readonly requeue?: readonly OutboxEntry[];
}

/** Pure: the channel works; what was accepted was heard. */
export const confirmChannel = (
  state: ChannelDeliveryState,
  context: {
    readonly now: number;
    readonly paneId: PaneId;
    readonly lastSent: FleetDigest | null;
    readonly how: string;
    /** The lease epoch the held entries' delivery is written under. */
    readonly epoch: number;
  },
): ChannelSwitch => {
  if (state.mode !== "unconfirmed") return { state, commands: [] };
  return {
    state: {
      ...state,
      mode: "confirmed",
      accepted: [],
      deadline: null,
      held: [],
      delivered: context.lastSent,
    },
    commands: [
      ...state.held.map((entry): Command => ({ type: "store.markDelivered", seq: entry.seq, epoch: context.epoch })),
      kitLog(context.now, `channel confirmed for first mate ${context.paneId} (${context.how})`),
    ],
  };
};

/** Why the channel was judged unavailable. */
export type UnavailableReason = "deadline" | "screen";

/** Pure: the channel does not reach the first mate; fall back to typed wake-ups and pulls. */
export const channelUnavailable = (
  state: ChannelDeliveryState,
  context: {
    readonly now: number;
    readonly paneId: PaneId;
    readonly reason: UnavailableReason;
    readonly confirmMs: number;
  },
): ChannelSwitch => {
  if (state.mode !== "unconfirmed") return { state, commands: [] };
  const why =
    context.reason === "screen"
      ? "its screen says the development channel was ignored"
      : `no sign within ${Math.round(context.confirmMs / 1000)} s that it saw a push`;
  const message = `first mate ${context.paneId} does not receive channel pushes (${why}); first-mate types a one-line wake-up into its pane instead, and it pulls fleet_digest / inbox. Channels are retried at its next start.`;
  const commands: Command[] = [kitLog(context.now, message)];
  if (!state.alerted) commands.push({ type: "alert.raise", level: "warning", code: "channel_unavailable", message });
  return {
    state: { ...state, mode: "unavailable", accepted: [], deadline: null, held: [], alerted: true },
    commands,
    rollBackTo: { lastSent: state.delivered },
    requeue: state.held,
  };
};

/**
 * Pure: weigh one piece of first-mate evidence (see the module header).
 * Returns whether it confirms the channel, and the bookkeeping of turns.
 */
export const weighEvidence = (
  state: ChannelDeliveryState,
  evidence: FirstMateEvidence,
): { readonly state: ChannelDeliveryState; readonly confirms: string | null } => {
  if (state.mode !== "unconfirmed" || state.accepted.length === 0) return { state, confirms: null };
  if (evidence.kind === "tool") {
    if (evidence.ack !== null && state.accepted.some((push) => push.ref === evidence.ack)) {
      return { state, confirms: `a tool call named push ${evidence.ack}` };
    }
    return {
      state,
      confirms: state.quietSinceAccept && !state.prompted ? "a first-mate tool call after a push" : null,
    };
  }
  switch (evidence.turn) {
    case "prompt":
      return { state: { ...state, prompted: true }, confirms: null };
    case "ended":
      return { state: { ...state, prompted: false, quietSinceAccept: true }, confirms: null };
    case "busy":
      return {
        state,
        confirms: state.quietSinceAccept && !state.prompted ? "its hooks show a turn started by a push" : null,
      };
  }
};

/** Pure: the deadline has passed without confirmation. */
export const deadlinePassed = (state: ChannelDeliveryState, now: number): boolean =>
  state.mode === "unconfirmed" && state.deadline !== null && now >= state.deadline;

/**
 * Screen lines that show the channel was ignored (Claude Code prints them at
 * start when channels are off for the session).
 */
export const CHANNEL_IGNORED_PATTERNS: readonly RegExp[] = [
  /--dangerously-load-development-channels ignored \(server:first-mate\)/,
  /Channels are not currently available/,
];

/** Pure: whether a captured screen of the first mate says its channel was ignored. */
export const screenShowsChannelIgnored = (screen: string): boolean =>
  CHANNEL_IGNORED_PATTERNS.some((pattern) => pattern.test(screen));

// ---- wake-ups (while unavailable) ----

/** What `decideWake` looks at. */
export interface WakeInput {
  readonly now: number;
  readonly firstMatePaneId: PaneId | null;
  /** Its tools are connected: a wake-up it cannot answer by pulling waits until they are. */
  readonly attached: boolean;
  readonly digest: FleetDigest;
  /** The picture the first mate has (what it last pulled). */
  readonly lastSent: FleetDigest | null;
  readonly outbox: readonly OutboxEntry[];
  readonly intervalMs: number;
  /** How many times an unanswered wake-up is typed again (backoff: 1, 2, 4… intervals). */
  readonly resendLimit: number;
  readonly thresholds: DivergeThresholds;
}

/** The request id of the `count`-th wake-up (answered by TextSent / TextSendFailed). */
export const wakeRequestId = (count: number): string => `wake-${count}`;

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? "" : "s"}`;

/** Pure: the one-line wake-up: counts only, never fleet content. */
export const renderWakeUp = (changes: number, firstSight: boolean, interrupts: number): string => {
  const fleet = firstSight ? "fleet picture waiting" : plural(changes, "fleet change");
  return `${fleet}, ${plural(interrupts, "interrupt")} waiting — call fleet_digest / inbox`;
};

/**
 * Pure: whether a wake-up has anything to decide: a first mate, attached,
 * and no wake-up being typed. Otherwise nothing is sent, whatever the
 * picture (the caller need not build one).
 */
export const wakeDecides = (state: WakeUpState, firstMatePaneId: PaneId | null, attached: boolean): boolean =>
  firstMatePaneId !== null && attached && state.inFlight === null;

/**
 * Pure: type a wake-up into the first mate's pane, wait, or do nothing.
 * New interrupts wake at once; fleet changes beyond what the last wake-up
 * announced wake at most once per `intervalMs` (the first at once). An
 * announced change or interrupt the first mate has not pulled is announced
 * again, alone, after `intervalMs`, then 2×, 4×… that (never sooner than
 * the cadence), at most `resendLimit` times; then one log line, and quiet
 * until something new. No wake-up while the first mate's tools are
 * disconnected: it could not answer it.
 */
export const decideWake = (state: WakeUpState, input: WakeInput): { state: WakeUpState; commands: Command[] } => {
  const idle = { state, commands: [] };
  if (input.firstMatePaneId === null || !wakeDecides(state, input.firstMatePaneId, input.attached)) return idle;
  const changes = diverge(input.lastSent, input.digest, input.thresholds);
  // As for pushes: evidence ageing rides along with the next wake-up, it never starts one.
  const triggers = (list: readonly { readonly type: string }[]) =>
    list.some((change) => !ridesAlong(change as Parameters<typeof ridesAlong>[0]));
  const newestSeq = input.outbox.reduce((max, entry) => Math.max(max, entry.seq), 0);
  const newInterrupts = newestSeq > state.announcedSeq;
  const unpulled = triggers(changes);
  const newChanges =
    unpulled && (state.announced === null || triggers(diverge(state.announced, input.digest, input.thresholds)));
  const waitUntil = (at: number) =>
    state.wakeRequestedFor === at
      ? idle
      : { state: { ...state, wakeRequestedFor: at }, commands: [{ type: "timer.wakeAt", at } satisfies Command] };
  // A wake-up that could not be typed is tried again an interval later, not at once in a loop.
  if (state.failedAt !== null && input.now < state.failedAt + input.intervalMs)
    return waitUntil(state.failedAt + input.intervalMs);
  let resend = false;
  if (!newInterrupts && !newChanges) {
    // Nothing new: remind of what was announced and is still not pulled, bounded.
    if (state.lastAt === null || (!unpulled && input.outbox.length === 0)) return idle;
    if (state.resends >= input.resendLimit) {
      if (state.resendsExhausted) return idle;
      return {
        state: { ...state, resendsExhausted: true, wakeRequestedFor: null },
        commands: [
          kitLog(
            input.now,
            `first mate ${input.firstMatePaneId} has not pulled fleet_digest / inbox after ${plural(state.resends + 1, "wake-up")}; no more reminders until the fleet changes or an interrupt arrives`,
          ),
        ],
      };
    }
    const resendAt = state.lastAt + input.intervalMs * 2 ** state.resends;
    if (input.now < resendAt) return waitUntil(resendAt);
    resend = true;
  } else if (!newInterrupts) {
    const allowedAt = state.lastAt === null ? input.now : state.lastAt + input.intervalMs;
    if (input.now < allowedAt) return waitUntil(allowedAt);
  }
  const firstSight = input.lastSent === null;
  const requestId = wakeRequestId(state.count + 1);
  return {
    state: {
      ...state,
      count: state.count + 1,
      inFlight: requestId,
      pending: { digest: input.digest, seq: Math.max(newestSeq, state.announcedSeq), resend },
      wakeRequestedFor: null,
    },
    commands: [
      {
        type: "tmux.sendText",
        requestId,
        paneId: input.firstMatePaneId,
        text: renderWakeUp(firstSight ? 0 : changes.length, firstSight, input.outbox.length),
      },
    ],
  };
};

/** Pure: fold the result of typing a wake-up. A failed one is tried again at the next decision. */
export const settleWake = (state: WakeUpState, requestId: string, typed: boolean, now: number): WakeUpState => {
  if (state.inFlight !== requestId) return state;
  if (!typed) return { ...state, inFlight: null, pending: null, failedAt: now };
  if (state.pending === null) return { ...state, inFlight: null, pending: null };
  return {
    ...state,
    inFlight: null,
    pending: null,
    lastAt: now,
    announced: state.pending.digest,
    announcedSeq: state.pending.seq,
    resends: state.pending.resend ? state.resends + 1 : 0,
    resendsExhausted: state.pending.resend ? state.resendsExhausted : false,
    failedAt: null,
  };
};
