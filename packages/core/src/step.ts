/**
 * step: the reducer that ties the decisions together.
 *
 * Pure: executes nothing. `step(state, event)` returns the next state and
 * the commands to run, as data. Driver results come back as events.
 * Within one result, store commands come first so state is durable before
 * any effect (the runtime keeps that order).
 *
 * Rules:
 * - nothing but `Started` is accepted before `Started` (typed rejection);
 * - every tick renews the lease, observes the fleet, expires the outbox and
 *   asks for the next tick;
 * - every observation reconciles the supervisor, then the heartbeat;
 * - a pane exit observes at once (respawn does not wait for the tick);
 * - a new marker resets the heartbeat (the new first mate gets the whole
 *   picture) and detaches the channel until the new first mate attaches.
 * - agent states (hooks, tool calls, observations, screens) are folded first
 *   (agentStep.ts), so the digest of the same step already shows them;
 * - what a step changed in the tables a restart must keep (interrupt
 *   dedupe, rate and folded repeats; deferred spawns) is written with it
 *   (durableTables.ts).
 */
import * as E from "fp-ts/lib/Either.js";
import { stepAgentStates } from "./agentStep.js";
import {
  authorityHeartbeatInputs,
  authorityTick,
  dropConnIfMarkerChanged,
  restoreAuthority,
  stepAuthority,
} from "./authority/authorityStep.js";
import {
  channelAccepted,
  channelCarriesPushes,
  channelEvidence,
  channelScreen,
  channelTick,
  digestPulled,
  hookTurn,
  inboxPulled,
  resetChannelForNewFirstMate,
  startupDialogScreen,
  wakeHeartbeat,
  wakeSettled,
  watchFirstMateScreen,
} from "./channelStep.js";
import type { Command } from "./commands.js";
import { buildDigest } from "./decisions/buildDigest.js";
import { wakeDecides } from "./decisions/channelDelivery.js";
import { decideHeartbeat, heartbeatDecides, resetForNewFirstMate, settlePush } from "./decisions/heartbeat.js";
import {
  admitUnderLease,
  deliverNext,
  expireOutbox,
  fileUnfiled,
  type InterruptVerdict,
  joinStoredOutbox,
  parseInterruptEmitId,
  type RaisedInterrupt,
  settleDelivery,
  unfileEntry,
} from "./decisions/interrupts.js";
import { judgePaneEnd } from "./decisions/paneEnding.js";
import {
  decideSupervisor,
  maySupervise,
  normaliseLedger,
  type SupervisorDecision,
  type SupervisorView,
  settleSpawn,
} from "./decisions/supervisor.js";
import type { Alert } from "./domain/alert.js";
import type { FleetDigest } from "./domain/digest.js";
import { type FieldCopy, fieldUpdater } from "./domain/fieldUpdater.js";
import { goneAlertPaneIds } from "./domain/goneAlerts.js";
import { listedPaneIds, liveInWindow } from "./domain/listedPaneIds.js";
import type { CiState, PaneObservation } from "./domain/observation.js";
import { isPaneId, type PaneId } from "./domain/paneId.js";
import { identityOf } from "./domain/paneIdentity.js";
import { inputOwner, keepInputsOfListedPanes } from "./domain/paneInputOwners.js";
import { sameListing } from "./domain/sameListing.js";
import { mergeStoredTables, persistTables, withHydratedTables, withStoredTables } from "./durableTables.js";
import { EMPTY_HYDRATION, type Event, type EventOf, EventSchema } from "./events.js";
import { holdUnheldWrites, markAlertsUnfiled } from "./holderWrites.js";
import { type CoreState, type ObserveState, updateState } from "./state.js";
import {
  agentToolAnswer,
  agentToolRefusal,
  expireToolCalls,
  lateToolOutcome,
  NO_TOOL_CALLS,
  onToolCalled,
  toolPaneCloseSettled,
  toolProposalSettled,
  toolRequestIdOf,
  toolRoleChangeSettled,
  toolScreenSettled,
  toolSpawnSettled,
  toolStoreSettled,
  toolTextSettled,
} from "./toolStep.js";

/** What `step` returns: the next state and the commands to execute. */
export type StepResult = readonly [CoreState, readonly Command[]];

/** An event `step` refused (invalid, or before `Started`); the state is unchanged and the reason says why. */
export interface EventRejected {
  readonly _tag: "EventRejected";
  readonly reason: string;
}

/** Pure: the current fleet digest (what `fleet_digest` returns). */
export const currentDigest = (state: CoreState): FleetDigest =>
  buildDigest(state.fleet, {
    now: state.now,
    firstMatePaneId: state.supervisor.marker?.paneId ?? null,
    firstMateWindow: { session: state.config.session, window: state.config.window },
    inputs: state.inputs,
    alerts: state.alerts,
    agents: state.agents,
    agentSignatures: state.config.agentSignatures,
  });

/** The window name of the pane the outbox's head comes from (the only name a delivery renders), as last listed. */
const headPaneName = (state: CoreState): Record<string, string> => {
  const names: Record<string, string> = {};
  const head = state.interrupts.outbox[0];
  if (head === undefined) return names;
  for (const pane of state.fleet) if (pane.paneId === head.source) names[pane.paneId] = pane.windowName;
  return names;
};

const firstMatePane = (state: CoreState): PaneId | null => state.supervisor.marker?.paneId ?? null;

/** Start an observation, or remember to run one more when the current one returns. */
const observe = (state: CoreState): StepResult => {
  const { nextId, inFlight } = state.observe;
  if (inFlight !== null) return [updateState(state, { observe: { nextId, inFlight, again: true } }), []];
  const observing = { id: nextId, requestedAt: state.now };
  return [
    updateState(state, { observe: { nextId: nextId + 1, inFlight: observing, again: false } }),
    [{ type: "fleet.observe", observeId: nextId }],
  ];
};

// Most steps leave a part as it was: keep the same state then, rather than copy the whole state to change nothing.
const withHeartbeat = (state: CoreState, heartbeat: CoreState["heartbeat"]): CoreState =>
  heartbeat === state.heartbeat ? state : updateState(state, { heartbeat });

const withInterrupts = (state: CoreState, interrupts: CoreState["interrupts"]): CoreState =>
  interrupts === state.interrupts ? state : updateState(state, { interrupts });

const heartbeat = (state: CoreState): StepResult => {
  if (!state.fleetSeen) return [state, []];
  const attached = state.firstMateAttached;
  // While the channel does not reach the first mate, a push becomes a typed wake-up.
  if (!channelCarriesPushes(state)) {
    // With no first mate to wake, or a wake-up being typed, nothing is decided: the digest is not built.
    if (!wakeDecides(state.channel.wake, firstMatePane(state), attached)) return [state, []];
    return wakeHeartbeat(state, currentDigest(state), authorityHeartbeatInputs(state).intervalMs);
  }
  // The same without a first mate to push to, or with a push in flight.
  if (!heartbeatDecides(state.heartbeat, firstMatePane(state), attached)) return [state, []];
  // Budget pressure slows the digest (never interrupts) and adds the posture line.
  const { intervalMs, notes } = authorityHeartbeatInputs(state);
  const decision = decideHeartbeat(state.heartbeat, {
    now: state.now,
    digest: currentDigest(state),
    firstMatePaneId: firstMatePane(state),
    firstMateAttempt: state.supervisor.marker?.attempt ?? 0,
    attached: state.firstMateAttached,
    repeats: state.interrupts.repeats,
    expiredUnreported: state.interrupts.expiredUnreported,
    intervalMs,
    notes,
    thresholds: state.config,
    capBytes: state.config.renderCapBytes,
  });
  return [withHeartbeat(state, decision.state), decision.commands];
};

const deliver = (state: CoreState): StepResult => {
  if (!channelCarriesPushes(state)) return heartbeat(state);
  const decision = deliverNext(
    state.interrupts,
    firstMatePane(state),
    state.firstMateAttached,
    headPaneName(state),
    state.supervisor.marker?.attempt ?? 0,
  );
  return [withInterrupts(state, decision.state), decision.commands];
};

/** Apply a supervisor decision; a changed marker resets what the first mate knows. */
const applySupervisor = (state: CoreState, decision: SupervisorDecision): StepResult => {
  const before = state.supervisor.marker;
  const after = decision.state.marker;
  let next: CoreState =
    decision.state === state.supervisor ? state : updateState(state, { supervisor: decision.state });
  if (state.supervisor.gaveUp !== decision.state.gaveUp)
    next = updateState(next, { gaveUpObserveFloor: next.observe.nextId });
  // The usual decision keeps the first mate: nothing to reset, no conn to drop, no probe.
  if (before?.paneId === after?.paneId && before?.attempt === after?.attempt) return [next, decision.commands];
  const probe: Command[] = [];
  // A new first mate is looked at soon, not at the next tick: a start-up dialog shows within seconds.
  if (after !== null) probe.push({ type: "timer.wakeAt", at: next.now + next.config.firstMateScreenIntervalMs });
  // Interrupts held for the old first mate (never confirmed heard) go back to the outbox first.
  next = resetChannelForNewFirstMate(next);
  next = updateState(next, {
    heartbeat: resetForNewFirstMate(next.heartbeat),
    // Attached already when its verified session came first (the marker read after it).
    firstMateAttached: after !== null && next.firstMateSession === after.paneId,
    markerObserveFloor: next.observe.nextId,
    interrupts: { ...next.interrupts, delivering: null },
  });
  const [dropped, connCommands] = dropConnIfMarkerChanged(next, before);
  return [dropped, [...decision.commands, ...connCommands, ...probe]];
};

/**
 * No commands. Most steps ask for nothing: they share this one (frozen, so
 * nothing ever appends to it) instead of each building an empty list.
 */
const NO_COMMANDS: readonly Command[] = Object.freeze([]);

/** `first`'s commands, then `second`'s: either list itself when the other is empty. */
const concatCommands = (first: readonly Command[], second: readonly Command[]): readonly Command[] =>
  second.length === 0 ? first : first.length === 0 ? second : [...first, ...second];

/**
 * Run steps in sequence, concatenating commands. The store commands go
 * first once, at the end of `step`: a stable partition of the whole list
 * gives the same order as one of each part first.
 */
const chain = (state: CoreState, ...steps: ((s: CoreState) => StepResult)[]): StepResult => {
  let current = state;
  let commands = NO_COMMANDS;
  for (let index = 0; index < steps.length; index++) {
    const result = steps[index]!(current);
    current = result[0];
    commands = concatCommands(commands, result[1]);
  }
  return [current, commands];
};

const isStore = (command: Command): boolean => command.type.startsWith("store.");

/** `commands` with the store commands first, each kind in its order (the same list when it is in order already). */
const orderStoreFirst = (commands: readonly Command[]): readonly Command[] => {
  // Most lists are in order already (no store command after another kind): kept as they are, not copied.
  let otherSeen = false;
  for (const command of commands) {
    if (!isStore(command)) otherSeen = true;
    else if (otherSeen) return [...commands.filter(isStore), ...commands.filter((other) => !isStore(other))];
  }
  return commands;
};

const admit = (state: CoreState, raised: RaisedInterrupt): [CoreState, readonly Command[], InterruptVerdict] => {
  // Not holding the lease, a queued entry cannot be filed: it waits apart, never pushed, until this host can file it.
  const decision = admitUnderLease(state.interrupts, raised, firstMatePane(state), state.config, {
    held: state.supervisor.leaseHeld,
    epoch: state.supervisor.leaseEpoch,
  });
  return [updateState(state, { interrupts: decision.state }), decision.commands, decision.verdict];
};

const onStarted = (state: CoreState, event: EventOf<"Started">): StepResult => {
  if (event.hydration === null) return onStartedUnhydrated(state, event);
  const { hydration } = event;
  const lastAttempt = Math.max(0, hydration.marker?.attempt ?? 0, ...hydration.ledger.map((record) => record.attempt));
  const alerts: Record<string, Alert> = {};
  for (const alert of hydration.alerts) alerts[alert.paneId] = alert;
  const outbox = [...hydration.outbox].sort((a, b) => a.seq - b.seq);
  const lastSeq = Math.max(hydration.lastOutboxSeq, ...outbox.map((entry) => entry.seq), 0);
  const next: CoreState = updateState(state, {
    owner: event.owner,
    fleetSeen: false,
    supervisor: {
      ...state.supervisor,
      marker: hydration.marker,
      ledger: normaliseLedger(hydration.ledger, state.config),
      lastAttempt,
      gaveUp: hydration.gaveUp,
      resetAt: hydration.resetAt,
      killSwitch: hydration.killSwitch,
      leaseHeld: false,
      leaseEpoch: 0,
      synced: false,
    },
    interrupts: { ...state.interrupts, outbox, lastSeq },
    alerts,
  });
  return chain(next, (s) => restoreAuthority(s, hydration), onTickedInner);
};

/**
 * Started without the store's contents (the read failed). The supervisor
 * decides nothing until it has read the store under the lease anyway; the
 * outbox's high-water mark is unknown, so new entries are numbered from the
 * current time in ms: above any number an earlier run can have issued (it
 * would take more than one interrupt per millisecond to catch up), so a new
 * entry never collides with a pending one and an acknowledgement never
 * retires the wrong entry. The pending entries and alerts on file are read
 * with the supervisor state once this host holds the lease
 * (onSupervisorStateRead).
 */
const onStartedUnhydrated = (state: CoreState, event: EventOf<"Started">): StepResult => {
  const next: CoreState = updateState(state, {
    owner: event.owner,
    fleetSeen: false,
    supervisor: { ...state.supervisor, leaseHeld: false, leaseEpoch: 0, synced: false },
    interrupts: { ...state.interrupts, lastSeq: Math.max(state.interrupts.lastSeq, event.now) },
  });
  return chain(next, (s) => restoreAuthority(s, EMPTY_HYDRATION), onTickedInner);
};

const renewLease = (state: CoreState): StepResult => [
  state,
  [{ type: "store.renewLease", owner: state.owner ?? "", now: state.now, ttlMs: state.config.leaseTtlMs }],
];

const expire = (state: CoreState): StepResult => {
  const decision = expireOutbox(state.interrupts, state.now, state.config, state.supervisor.leaseEpoch);
  return [withInterrupts(state, decision.state), decision.commands];
};

const scheduleTick = (state: CoreState): StepResult => {
  if (state.nextTickAt !== null && state.nextTickAt > state.now) return [state, []];
  const at = state.now + state.config.tickMs;
  return [updateState(state, { nextTickAt: at }), [{ type: "timer.wakeAt", at }]];
};

/** Ask the store for its supervisor state, unless a read is already on its way. */
const readSupervisor = (state: CoreState): StepResult => {
  if (state.supervisorRead.inFlight !== null) return [state, []];
  const readId = state.supervisorRead.nextId;
  return [
    updateState(state, { supervisorRead: { nextId: readId + 1, inFlight: readId } }),
    [{ type: "store.readSupervisor", readId }],
  ];
};

/** A holder that has not read the store since taking the lease (or whose read failed) tries again. */
const resync = (state: CoreState): StepResult =>
  state.supervisor.leaseHeld && !state.supervisor.synced ? readSupervisor(state) : [state, []];

/**
 * Pure: file what this host admitted but could not file (interrupts and
 * alerts held while it did not hold the lease, or whose write failed), once
 * it holds the lease and has read the store under it: after the read, so
 * new sequence numbers start above the store's.
 */
const fileWhatWaits = (state: CoreState): StepResult => {
  const { supervisor } = state;
  if (!supervisor.leaseHeld || !supervisor.synced) return [state, []];
  if (state.interrupts.unfiled.length === 0 && state.unfiledAlerts.length === 0) return [state, []];
  const filed = fileUnfiled(state.interrupts, state.config, supervisor.leaseEpoch);
  const alertWrites = state.unfiledAlerts.filter(isPaneId).map((paneId): Command => {
    const alert = state.alerts[paneId];
    return alert === undefined
      ? { type: "store.clearAlert", paneId, epoch: supervisor.leaseEpoch }
      : { type: "store.setAlert", alert, epoch: supervisor.leaseEpoch };
  });
  return chain(
    updateState(state, { interrupts: filed.state, unfiledAlerts: [] }),
    (s) => [s, [...filed.commands, ...alertWrites]],
    deliver,
  );
};

/** Pure: write the marker again after a failed write, once per tick while the lease is held (never in a loop). */
const rewriteMarker = (state: CoreState): StepResult => {
  const { supervisor } = state;
  if (!supervisor.markerUnwritten || !maySupervise(supervisor)) return [state, []];
  const next: CoreState = updateState(state, { supervisor: { ...supervisor, markerUnwritten: false } });
  if (supervisor.marker === null) return [next, []];
  return [next, [{ type: "store.setMarker", marker: supervisor.marker, epoch: supervisor.leaseEpoch }]];
};

/**
 * `result`, then `next` on its state: its commands followed by `next`'s, and
 * `result` itself when `next` changed nothing. For sequences written out
 * step by step, where each call names its step: a loop over a list of steps
 * calls every one from the same place, which cannot be specialised for any.
 */
const andThen = (result: StepResult, next: (state: CoreState) => StepResult): StepResult =>
  joined(result, next(result[0]));

/** `before`, then `after` (run on `before`'s state): `after`'s state and both their commands; `before` when `after` changed nothing. */
const joined = (before: StepResult, after: StepResult): StepResult => {
  if (after[1].length === 0) return after[0] === before[0] ? before : [after[0], before[1]];
  return [after[0], concatCommands(before[1], after[1])];
};

/** Every tick: the lease, the outbox, the conn and channel, the next tick, the store's state, the tools, an observation, a delivery. */
const onTickedInner = (state: CoreState): StepResult => {
  let result = renewLease(state);
  result = andThen(result, expire);
  result = andThen(result, authorityTick);
  result = andThen(result, channelTick);
  result = andThen(result, scheduleTick);
  result = andThen(result, resync);
  result = andThen(result, rewriteMarker);
  result = andThen(result, fileWhatWaits);
  result = andThen(result, expireToolCalls);
  result = andThen(result, observe);
  return andThen(result, deliver);
};

const onFleetObserved = (state: CoreState, event: EventOf<"FleetObserved">): StepResult => {
  const inFlight = state.observe.inFlight;
  if (inFlight === null || inFlight.id !== event.observeId) return [state, []];
  const again = state.observe.again;
  const flags = event.flags;
  // A host without the lease follows the store's marker (the holder writes
  // it; a host that takes the lease re-reads it instead, see
  // onSupervisorStateRead). Never from a read older than this host's own
  // latest marker change, nor while its spawn is in flight.
  const follow =
    flags?.marker !== undefined &&
    !state.supervisor.leaseHeld &&
    event.observeId >= state.markerObserveFloor &&
    state.supervisor.spawnInFlight === null;
  const supervisor = flags ? followFlags(state, flags, event.observeId) : state.supervisor;
  const { inputs, owners: inputOwners } = inputsOfListedPanes(state, event.panes);
  const observe: ObserveState = { nextId: state.observe.nextId, inFlight: null, again: false };
  if (follow && flags?.marker !== undefined) {
    const next: CoreState = updateState(state, { fleet: event.panes, inputs, inputOwners, fleetSeen: true, observe });
    const marker = flags.marker;
    const followed = {
      ...supervisor,
      marker,
      lastAttempt: Math.max(supervisor.lastAttempt, marker?.attempt ?? 0),
    };
    // Following is a marker change like any other: the heartbeat starts over.
    return chain(
      next,
      (s) => applySupervisor(s, { state: followed, commands: [] }),
      (s) => reconcileObserved(s, event, again),
    );
  }
  return reconcileObserved(
    updateState(state, { fleet: event.panes, inputs, inputOwners, fleetSeen: true, observe, supervisor }),
    event,
    again,
  );
};

/**
 * The supervisor following the store's flags read with an observation: the
 * same object when they change nothing (the usual observation), so the
 * steps after it keep the state instead of copying it.
 */
const followFlags = (
  state: CoreState,
  flags: NonNullable<EventOf<"FleetObserved">["flags"]>,
  observeId: number,
): CoreState["supervisor"] => {
  const before = state.supervisor;
  // The store's give-up flag is followed both ways (another holder's
  // give-up, the human's reset), except from a read that predates
  // this host's own latest change of it.
  const gaveUp = observeId >= state.gaveUpObserveFloor ? flags.gaveUp : before.gaveUp;
  const resetAt = flags.resetAt ?? before.resetAt;
  if (flags.killSwitch === before.killSwitch && gaveUp === before.gaveUp && resetAt === before.resetAt) return before;
  return { ...before, killSwitch: flags.killSwitch, gaveUp, resetAt };
};

/**
 * Pure: the embedder's inputs kept by a new listing — only those of the pane
 * they were given for, so a CI state given for `%1` never passes to another
 * process on `%1` after a tmux server restart (rules in paneInputOwners.ts).
 */
const inputsOfListedPanes = (state: CoreState, panes: readonly PaneObservation[]) =>
  keepInputsOfListedPanes(state.inputs, state.inputOwners ?? {}, state.fleet, panes);

/** Drop the alerts of `paneIds`, in memory and in the store. */
const clearAlerts = (state: CoreState, paneIds: readonly string[]): StepResult => {
  const present = paneIds.filter((paneId) => state.alerts[paneId] !== undefined && isPaneId(paneId));
  if (present.length === 0) return [state, []];
  const alerts = { ...state.alerts };
  for (const paneId of present) delete alerts[paneId];
  return [
    updateState(state, { alerts }),
    present.map(
      (paneId) => ({ type: "store.clearAlert", paneId: paneId as PaneId, epoch: state.supervisor.leaseEpoch }) as const,
    ),
  ];
};

/** A pane's alerts go with it (domain/goneAlerts.ts), in memory and in the store. */
const clearGoneAlerts = (state: CoreState, panes: readonly PaneObservation[]): StepResult => {
  const gone = goneAlertPaneIds(state.alerts, panes);
  return gone.length === 0 ? [state, NO_COMMANDS] : clearAlerts(state, gone);
};

/**
 * A `need_human` alert is answered once the pane's agent leaves the waiting
 * it asked from, on evidence newer than the alert: busy again (the human
 * typed, the agent went on) or ended.
 */
const clearAnsweredAlert = (state: CoreState, event: EventOf<"AgentEvidenceReceived">): StepResult => {
  const alert = state.alerts[event.paneId];
  const movedOn =
    alert?.kind === "need_human" &&
    (event.evidence.state === "busy" || event.evidence.state === "ended") &&
    event.evidence.at > alert.raisedAt;
  return movedOn ? clearAlerts(state, [event.paneId]) : [state, []];
};

/** The identity an alert for `paneId` records: the pane as last observed (unknown when not observed). */
const alertIdentity = (state: CoreState, paneId: string): Pick<Alert, "panePid" | "tmuxServer"> => {
  const pane = state.fleet.find((candidate) => candidate.paneId === paneId);
  return pane === undefined ? {} : identityOf(pane);
};

/** The observed pane carrying the marker's pane id, for the supervisor to tell it from a reused id. */
const markedPaneOf = (state: CoreState, panes: readonly PaneObservation[]): SupervisorView["markedPane"] => {
  const markerPaneId = state.supervisor.marker?.paneId;
  return markerPaneId === undefined ? undefined : panes.find((candidate) => candidate.paneId === markerPaneId);
};

/** Judge the supervisor and run the heartbeat on an observation already folded into state. */
const reconcileObserved = (state: CoreState, event: EventOf<"FleetObserved">, again: boolean): StepResult => {
  const { live, dead } = listedPaneIds(event.panes);
  const view = {
    now: state.now,
    livePaneIds: live,
    deadPaneIds: dead,
    coversMarker: event.observeId >= state.markerObserveFloor,
    atDialog: state.startupDialog.waiting !== null,
    markedPane: markedPaneOf(state, event.panes),
    liveInWindow: liveInWindow(event.panes, state.config.session, state.config.window),
  };
  const decision = decideSupervisor(state.supervisor, view, state.config);
  const strays = strayFirstMates(state, decision.state.marker?.paneId ?? null, decision.state.spawnInFlight !== null);
  // Step by step rather than through `chain`: every observation runs this, and a closure per step was most of its cost.
  const [supervised, supervising] = applySupervisor(state, decision);
  const [cleared, clearing] = clearGoneAlerts(supervised, event.panes);
  const [watched, watching] = watchFirstMateScreen(cleared, live);
  const [told, telling] = heartbeat(watched);
  const [delivered, delivering] = deliver(told);
  const [observed, observing] = again ? observe(delivered) : [delivered, NO_COMMANDS];
  const supervisorCommands = concatCommands(concatCommands(supervising, strays), clearing);
  const channelCommands = concatCommands(concatCommands(watching, telling), concatCommands(delivering, observing));
  return [observed, concatCommands(supervisorCommands, channelCommands)];
};

/**
 * Panes in the first mate's window that are not the marked pane — e.g. left
 * by a host that crashed mid-spawn — are killed: two first mates never run.
 * Only the lease holder judges: a standby host's marker may predate the
 * holder's spawn, and it would otherwise kill the holder's first mate.
 */
const strayFirstMates = (state: CoreState, markerPaneId: string | null, spawning: boolean): readonly Command[] => {
  if (spawning || !maySupervise(state.supervisor)) return NO_COMMANDS;
  // Usually there is none: no list is made then.
  let kills: Command[] | null = null;
  for (const pane of state.fleet) {
    if (pane.session !== state.config.session || pane.windowName !== state.config.window) continue;
    if (pane.paneId === markerPaneId) continue;
    kills ??= [];
    kills.push({
      type: "tmux.kill",
      paneId: pane.paneId,
      ...(pane.pid !== null ? { pid: pane.pid } : {}),
      reason: "stray first mate",
    });
  }
  return kills ?? NO_COMMANDS;
};

const onObserveFailed = (state: CoreState, event: EventOf<"ObserveFailed">): StepResult => {
  if (state.observe.inFlight?.id !== event.observeId) return [state, []];
  const again = state.observe.again;
  const next = updateState(state, { observe: { nextId: state.observe.nextId, inFlight: null, again: false } });
  return again ? observe(next) : [next, []];
};

const becameRed = (before: CiState | null | undefined, after: CiState | null | undefined): boolean =>
  after === "red" && before !== "red";

const onInputsUpdated = (state: CoreState, event: EventOf<"InputsUpdated">): StepResult => {
  // Each named pane's inputs belong to the pane the last listing shows under its id (paneInputOwners.ts).
  const owners = { ...(state.inputOwners ?? {}) };
  for (const paneId of Object.keys(event.panes ?? {})) owners[paneId] = inputOwner(state.fleet, paneId);
  let next: CoreState = updateState(state, {
    inputOwners: owners,
    inputs: {
      panes: { ...state.inputs.panes, ...(event.panes ?? {}) },
      usage: event.usage ?? state.inputs.usage,
    },
  });
  const commands: Command[] = [];
  for (const [paneId, input] of Object.entries(event.panes ?? {})) {
    const before = state.inputs.panes[paneId as PaneId];
    if (!input.watched || !becameRed(before?.ci, input.ci) || !isPaneId(paneId)) continue;
    const pr = input.pr ?? before?.pr;
    const [admitted, produced] = admit(next, {
      now: state.now,
      source: paneId,
      kind: "ci_red",
      message: pr ? `CI turned red on PR #${pr}` : "CI turned red",
    });
    next = admitted;
    commands.push(...produced);
  }
  return chain(next, (s) => [s, commands], deliver, heartbeat);
};

const onSpawnSettled = (state: CoreState, event: EventOf<"SpawnSucceeded"> | EventOf<"SpawnFailed">): StepResult => {
  const outcome =
    event.type === "SpawnSucceeded"
      ? {
          ok: true as const,
          requestId: event.requestId,
          paneId: event.paneId,
          windowId: event.windowId,
          tokenHash: event.tokenHash,
          panePid: event.panePid ?? null,
          tmuxServer: event.tmuxServer ?? null,
        }
      : { ok: false as const, requestId: event.requestId, reason: event.reason };
  // What the launcher had to tell the human (e.g. the IDENTITY over its hard cap) is raised and logged.
  const launchAlerts: Command[] = (event.alerts ?? []).flatMap((alert): Command[] => [
    { type: "alert.raise", level: "warning", code: alert.code, message: alert.message },
    { type: "store.appendLog", entry: { kind: "narrative", text: alert.message, at: state.now, author: "kit" } },
  ]);
  return chain(
    state,
    (s) => applySupervisor(s, settleSpawn(s.supervisor, outcome, s.now, s.config)),
    (s) => [s, launchAlerts],
  );
};

const onEmitSettled = (state: CoreState, emitId: string, delivered: boolean): StepResult => {
  const interrupt = parseInterruptEmitId(emitId);
  if (interrupt !== null || emitId.startsWith("interrupt-")) {
    // Only an answer from the current first mate settles a delivery.
    if (interrupt === null || interrupt.attempt !== (state.supervisor.marker?.attempt ?? 0)) return [state, []];
    const seq = interrupt.seq;
    const entry = state.interrupts.delivering === seq ? state.interrupts.outbox.find((e) => e.seq === seq) : undefined;
    const decision = settleDelivery(state.interrupts, seq, delivered, state.supervisor.leaseEpoch);
    // Accepted is not heard: until the channel is confirmed the entry is held, not marked delivered.
    const [accepted, acceptCommands, held] =
      delivered && entry ? channelAccepted(state, emitId, entry) : ([state, [], false] as const);
    const commands = held ? decision.commands.filter((c) => c.type !== "store.markDelivered") : decision.commands;
    const settled: StepResult = [
      updateState(accepted, { interrupts: decision.state }),
      [...commands, ...acceptCommands],
    ];
    return delivered ? andThen(settled, deliver) : settled;
  }
  // A digest push to an earlier first mate says nothing about this one's channel.
  const current =
    !emitId.startsWith("digest-") || emitId.startsWith(`digest-${state.supervisor.marker?.attempt ?? 0}-`);
  const [accepted, acceptCommands] = delivered && current ? channelAccepted(state, emitId, null) : [state, []];
  const settled = settlePush(accepted.heartbeat, emitId, delivered, accepted.now);
  let next: CoreState = updateState(accepted, { heartbeat: settled.state });
  if (settled.settled) {
    const repeats = { ...next.interrupts.repeats };
    for (const key of settled.settled.repeatKeys) {
      // Repeats folded in while the push was in flight stay for the next one.
      const told = settled.settled.repeatCounts?.[key];
      const current = repeats[key];
      if (current !== undefined && told !== undefined && current.count > told)
        repeats[key] = { ...current, count: current.count - told };
      else delete repeats[key];
    }
    next = updateState(next, {
      interrupts: {
        ...next.interrupts,
        repeats,
        expiredUnreported: Math.max(0, next.interrupts.expiredUnreported - settled.settled.expiredReported),
      },
    });
  }
  return [next, acceptCommands];
};

const onChannelAttached = (state: CoreState, event: EventOf<"ChannelAttached">): StepResult => {
  if (!event.firstMate) return [state, []];
  const remembered: CoreState = updateState(state, { firstMateSession: event.paneId });
  if (event.paneId !== firstMatePane(state)) return [remembered, []];
  return andThen(deliver(updateState(remembered, { firstMateAttached: true })), heartbeat);
};

const onChannelDetached = (state: CoreState, event: EventOf<"ChannelDetached">): StepResult => {
  const next: CoreState =
    state.firstMateSession === event.paneId ? updateState(state, { firstMateSession: null }) : state;
  return event.paneId === firstMatePane(state) ? [updateState(next, { firstMateAttached: false }), []] : [next, []];
};

const onNotify = (state: CoreState, event: EventOf<"NotifyReceived">): StepResult => {
  const alert: Alert = {
    paneId: event.paneId,
    kind: event.kind,
    message: event.message,
    raisedAt: event.now,
    ...(event.severity ? { severity: event.severity } : {}),
    ...alertIdentity(state, event.paneId),
  };
  const next: CoreState = updateState(state, { alerts: { ...state.alerts, [event.paneId]: alert } });
  const commands: Command[] = [{ type: "store.setAlert", alert, epoch: state.supervisor.leaseEpoch }];
  if (event.kind !== "need_human") return andThen([next, commands], heartbeat);
  const [admitted, produced] = admit(next, {
    now: event.now,
    source: event.paneId,
    kind: "need_human",
    message: event.message,
  });
  return andThen(andThen([admitted, [...commands, ...produced]], deliver), heartbeat);
};

const onReport = (state: CoreState, event: EventOf<"ReportReceived">): StepResult => {
  const [admitted, produced] = admit(state, {
    now: event.now,
    source: event.paneId,
    kind: "report",
    message: event.message,
  });
  return andThen([admitted, produced], deliver);
};

const onLeaseRenewed = (state: CoreState, event: EventOf<"LeaseRenewed">): StepResult => {
  const before = state.supervisor;
  const taken = event.held && (!before.leaseHeld || event.epoch !== before.leaseEpoch);
  const leaseEpoch = event.held ? event.epoch : 0;
  const synced = event.held && !taken && before.synced;
  // The usual renewal (held, same epoch) changes nothing.
  if (!taken && before.leaseHeld === event.held && before.leaseEpoch === leaseEpoch && before.synced === synced)
    return [state, []];
  const next: CoreState = updateState(state, {
    supervisor: {
      ...before,
      leaseHeld: event.held,
      leaseEpoch,
      synced,
    },
  });
  // Taken the lease (or taken it anew): decide nothing until the store's
  // supervisor state is read again under it.
  return taken
    ? readSupervisor(updateState(next, { supervisorRead: { ...next.supervisorRead, inFlight: null } }))
    : [next, []];
};

/** The store's supervisor state, read under the lease: it replaces what this host remembered. */
const onSupervisorStateRead = (state: CoreState, event: EventOf<"SupervisorStateRead">): StepResult => {
  if (state.supervisorRead.inFlight !== event.readId) return [state, []];
  const read: CoreState = updateState(state, { supervisorRead: { ...state.supervisorRead, inFlight: null } });
  if (!read.supervisor.leaseHeld) return [read, []];
  const ledger = normaliseLedger(event.ledger, state.config);
  const supervisor = {
    ...read.supervisor,
    marker: event.marker,
    ledger,
    lastAttempt: Math.max(
      read.supervisor.lastAttempt,
      event.marker?.attempt ?? 0,
      ...ledger.map((record) => record.attempt),
    ),
    gaveUp: event.gaveUp,
    resetAt: event.resetAt,
    killSwitch: event.killSwitch,
    synced: true,
  };
  // What another holder wrote into the interrupt tables and deferred spawns joins this host's own.
  const merged = joinStoredInterrupts(mergeStoredTables(read, event.interruptTables, event.deferred), event);
  return chain(merged, (s) => applySupervisor(s, { state: supervisor, commands: [] }), fileWhatWaits, observe);
};

/**
 * The pending outbox and alerts on file join this host's own (a host that
 * started without reading the store learns them here): every pending entry
 * either holds, the newer alert of a pane wins, and a pane whose alert this
 * host could not file keeps this host's (it is filed next).
 */
const joinStoredInterrupts = (state: CoreState, event: EventOf<"SupervisorStateRead">): CoreState => {
  // Entries pushed and held for an unconfirmed channel are pending on file, not waiting: not pushed again.
  const held = new Set(state.channel.held.map((entry) => entry.seq));
  const interrupts =
    event.outbox === undefined
      ? state.interrupts
      : joinStoredOutbox(
          state.interrupts,
          event.outbox.filter((entry) => !held.has(entry.seq)),
          event.lastOutboxSeq ?? 0,
        );
  if (event.alerts === undefined) return updateState(state, { interrupts });
  const alerts: Record<string, Alert> = { ...state.alerts };
  const unfiled = new Set(state.unfiledAlerts);
  for (const stored of event.alerts) {
    const own = alerts[stored.paneId];
    if (unfiled.has(stored.paneId) || (own !== undefined && own.raisedAt >= stored.raisedAt)) continue;
    alerts[stored.paneId] = stored;
  }
  return updateState(state, { interrupts, alerts });
};

/** A failed read decides nothing: the holder stays unsynced and reads again on the next tick. */
const onSupervisorReadFailed = (state: CoreState, event: EventOf<"SupervisorReadFailed">): StepResult =>
  state.supervisorRead.inFlight === event.readId
    ? [updateState(state, { supervisorRead: { ...state.supervisorRead, inFlight: null } }), []]
    : [state, []];

/**
 * A durable write failed and its batch's effects did not run (their own
 * failures arrive as events: a spawn fails and backs off, an emit is
 * retried). The human is told; a write refused for a stale lease epoch
 * means the lease is lost: decide nothing until it is taken and re-read.
 */
const onStoreWriteFailed = (state: CoreState, event: EventOf<"StoreWriteFailed">): StepResult => {
  const alert: Command = {
    type: "alert.raise",
    level: "warning",
    code: event.staleEpoch ? "lease_lost" : "store_write_failed",
    message: `${event.command}${failedEntryLabel(event)}: ${event.reason}`,
  };
  const unfiled = unfileFailedWrite(state, event);
  if (!event.staleEpoch) {
    // The store must name the first mate (another host adopts what it names): a failed marker write is redone.
    if (event.command === "store.setMarker")
      return [updateState(unfiled, { supervisor: { ...unfiled.supervisor, markerUnwritten: true } }), [alert]];
    return [unfiled, [alert]];
  }
  return [
    updateState(unfiled, { supervisor: { ...unfiled.supervisor, leaseHeld: false, leaseEpoch: 0, synced: false } }),
    [alert],
  ];
};

/** The entry a failed write was for, as the alert names it. */
const failedEntryLabel = (event: EventOf<"StoreWriteFailed">): string =>
  event.seq !== undefined
    ? ` (interrupt #${event.seq})`
    : event.paneId !== undefined
      ? ` (alert of ${event.paneId})`
      : "";

/**
 * An interrupt whose outbox row was not written leaves the outbox (it is
 * never pushed without its row) and waits to be filed again; an alert not
 * written waits the same way. The runtime tells the core of a failed write
 * before any other waiting event, so nothing decides on the entry first.
 */
const unfileFailedWrite = (state: CoreState, event: EventOf<"StoreWriteFailed">): CoreState => {
  if (event.command === "store.enqueueOutbox" && event.seq !== undefined)
    return updateState(state, { interrupts: unfileEntry(state.interrupts, event.seq) });
  if ((event.command === "store.setAlert" || event.command === "store.clearAlert") && event.paneId !== undefined)
    return markAlertsUnfiled(state, [event.paneId]);
  return state;
};

const onKillSwitch = (state: CoreState, event: EventOf<"KillSwitchSet">): StepResult => {
  const next = updateState(state, { supervisor: { ...state.supervisor, killSwitch: event.on } });
  return event.on ? [next, []] : observe(next);
};

const onSupervisorReset = (state: CoreState): StepResult => {
  const next: CoreState = updateState(state, {
    supervisor: { ...state.supervisor, gaveUp: false, resetAt: state.now },
  });
  return chain(
    updateState(next, { gaveUpObserveFloor: next.observe.nextId }),
    (s) => [s, [{ type: "store.setSupervisorGaveUp", gaveUp: false, at: s.now, epoch: null }]],
    observe,
  );
};

/** A sample of a pane's screen: a start-up dialog, a channel the first mate ignores, then delivery and the heartbeat. */
const onScreenCaptured = (state: CoreState, paneId: PaneId, text: string): StepResult => {
  const dialog = startupDialogScreen(state, paneId, text);
  const screened = joined(dialog, channelScreen(dialog[0], paneId, text));
  return andThen(andThen(screened, deliver), heartbeat);
};

const dispatch = (state: CoreState, event: Event): StepResult => {
  // An effect answering a tool call that already timed out: logged, never replied to again.
  const late = lateToolOutcome(state, event);
  if (late !== null) return late;
  switch (event.type) {
    case "ConnHandedOff":
    case "ConnTakenBack":
    case "ActionExecuted":
    case "ActionDenied":
    case "SpawnDeferred":
    case "IdentityEdited":
    case "IdentityConflictDetected":
      return stepAuthority(state, event);
    case "RoleChangeProposed":
      return toolRoleChangeSettled(state, event) ?? stepAuthority(state, event);
    case "ActionProposed":
      return toolProposalSettled(state, event) ?? stepAuthority(state, event);
    case "DeferredSpawnSettled":
      return toolSpawnSettled(state, event) ?? stepAuthority(state, event);
    case "ToolCalled":
      return onToolCalled(state, event, () => currentDigest(state));
    case "PaneCloseSettled":
      return toolPaneCloseSettled(state, event);
    case "LogEntryAppended":
    case "ToolStoreWriteFailed":
      return toolStoreSettled(state, event);
    case "ScreenCaptureFailed":
      return toolScreenSettled(state, event);
    case "Started":
      // Tool calls in flight belonged to the host that stopped; their callers were answered then.
      return onStarted(updateState(state, { tools: NO_TOOL_CALLS }), event);
    case "Ticked":
      return onTickedInner(state);
    case "FleetObserved":
      return onFleetObserved(state, event);
    case "ObserveFailed":
      return onObserveFailed(state, event);
    case "PaneExited":
      return observe(state);
    case "InputsUpdated":
      return onInputsUpdated(state, event);
    case "SpawnSucceeded":
    case "SpawnFailed":
      return onSpawnSettled(state, event);
    case "EmitSucceeded":
      return onEmitSettled(state, event.emitId, true);
    case "EmitFailed":
      return onEmitSettled(state, event.emitId, false);
    case "ChannelAttached":
      return onChannelAttached(state, event);
    case "ChannelDetached":
      return onChannelDetached(state, event);
    case "NotifyReceived":
      return onNotify(state, event);
    case "ReportReceived":
      return onReport(state, event);
    case "LeaseRenewed":
      return onLeaseRenewed(state, event);
    case "SupervisorStateRead":
      return onSupervisorStateRead(state, event);
    case "SupervisorReadFailed":
      return onSupervisorReadFailed(state, event);
    case "KillSwitchSet":
      return onKillSwitch(state, event);
    case "StoreWriteFailed":
      return onStoreWriteFailed(state, event);
    case "SupervisorReset":
      return onSupervisorReset(state);
    case "PaneEnded":
      return [state, judgePaneEnd(event.paneId, event.reason, event.report, state.now)];
    case "AgentEvidenceReceived": {
      // The state itself was folded by stepAgentStates; deliver its interrupt and let the heartbeat see it.
      const turn = event.evidence.source === "hook" ? hookTurn(event.evidence.detail, event.evidence.state) : null;
      const cleared = clearAnsweredAlert(state, event);
      const weighed = turn ? joined(cleared, channelEvidence(cleared[0], event.paneId, turn)) : cleared;
      return andThen(andThen(weighed, deliver), heartbeat);
    }
    case "ScreenCaptured":
      // A peek's screen answers the first mate; it is not a sample of the observer's.
      if (event.requestId !== undefined) return toolScreenSettled(state, event);
      return onScreenCaptured(state, event.paneId, event.text);
    case "FirstMateToolCalled":
      return channelEvidence(state, event.paneId, { kind: "tool", ack: event.ack ?? null });
    case "DigestPulled": {
      const weighed = channelEvidence(state, event.paneId, { kind: "tool", ack: event.ack ?? null });
      return andThen(joined(weighed, digestPulled(weighed[0], event)), heartbeat);
    }
    case "InboxPulled": {
      const weighed = channelEvidence(state, event.paneId, { kind: "tool", ack: event.ack ?? null });
      return andThen(joined(weighed, inboxPulled(weighed[0], event.paneId, event.seqs)), deliver);
    }
    case "TextSent":
    case "TextSendFailed":
      return toolTextSettled(state, event) ?? heartbeat(wakeSettled(state, event.requestId, event.type === "TextSent"));
  }
};

/**
 * Pure: the next state and the commands to run for one (already valid) event.
 * Time never runs backwards inside the core: `now` is the later of the
 * event's time and the last one seen.
 */
export const step = (state: CoreState, event: Event): StepResult => {
  if (state.owner === null && event.type !== "Started") {
    // Before Started nothing is decided, but a tool call is still answered.
    const requestId = toolRequestIdOf(event);
    return requestId === undefined
      ? [state, []]
      : [
          state,
          [
            {
              type: "tool.reply",
              requestId,
              reply: { ok: false, error: { _tag: "ToolRefused", message: "first-mate is starting" } },
            },
          ],
        ];
  }
  const now = Math.max(state.now, event.now);
  // A start's baseline is what the store holds: the first diff writes only what changes after it.
  const timed: CoreState =
    event.type === "Started"
      ? withHydratedTables(updateState(state, { now }), event.hydration, now)
      : now === state.now
        ? state
        : updateState(state, { now });
  const refusal = agentToolRefusal(timed, event);
  if (refusal !== null) return refusal;
  const observed = withLastListing(timed, event);
  const [folded, agentCommands] = stepAgentStates(timed, observed);
  const [next, dispatched] = dispatch(folded, observed);
  const commands = concatCommands(agentCommands, dispatched);
  const answered = agentToolAnswer(next, event);
  // A read under a newly taken lease merges the tables on file: they, not memory, are what the store has.
  const filed =
    event.type === "SupervisorStateRead" && timed.supervisorRead.inFlight === event.readId && timed.supervisor.leaseHeld
      ? withStoredTables(timed, event.interruptTables, event.deferred)
      : timed;
  const named = concatCommands(namePushes(commands), persistTables(filed, next));
  const all = answered === null ? named : [...named, answered];
  const [held, kept] = holdUnheldWrites(next, all);
  return [held, orderStoreFirst(kept)];
};

const isUnnamedPush = (command: Command): boolean => command.type === "channel.emit" && command.meta.push === undefined;

/**
 * The observation with the last listing in place of its own when the two are
 * equal (a quiet fleet: the same panes, listed again as new objects): what
 * is remembered per listing (agent records, digest rows) is then found by
 * identity. Equal data, so every decision is the same either way.
 */
const withLastListing = (state: CoreState, event: Event): Event =>
  event.type === "FleetObserved" &&
  event.panes !== state.fleet &&
  state.observe.inFlight?.id === event.observeId &&
  sameListing(state.fleet, event.panes)
    ? // The event's type lists panes as a mutable array; nothing in the core writes to a listing.
      updateObservation(event, { panes: state.fleet as PaneObservation[] })
    : event;

/** The observation's fields, copied one by one (a field left out fails to compile). */
const observationFieldsOf = (event: EventOf<"FleetObserved">): FieldCopy<EventOf<"FleetObserved">> => ({
  type: event.type,
  now: event.now,
  observeId: event.observeId,
  panes: event.panes,
});

/** Pure: `{ ...event, ...changes }` for an observation, copied field by field (domain/fieldUpdater.ts): every quiet observation takes the last listing. */
const updateObservation: (
  event: EventOf<"FleetObserved">,
  changes: Partial<EventOf<"FleetObserved">>,
) => EventOf<"FleetObserved"> = fieldUpdater(observationFieldsOf, ["flags"]);

/** Every push carries its id in `meta.push`, so the first mate can name the push it answers. */
const namePush = (command: Command): Command =>
  command.type === "channel.emit" && command.meta.push === undefined
    ? { ...command, meta: { ...command.meta, push: command.emitId } }
    : command;

/** `commands` with every push named (the same list when none needs it: most steps push nothing). */
const namePushes = (commands: readonly Command[]): readonly Command[] =>
  commands.some(isUnnamedPush) ? commands.map(namePush) : commands;

/**
 * Pure: validate an event from outside, then step. An invalid event, or any
 * event before `Started`, is rejected with a reason and leaves state unchanged.
 */
export const stepChecked = (state: CoreState, input: unknown): E.Either<EventRejected, StepResult> => {
  const parsed = EventSchema.safeParse(input);
  if (!parsed.success) {
    return E.left({
      _tag: "EventRejected",
      reason: parsed.error.issues.map((issue) => `${issue.path.join(".") || "event"}: ${issue.message}`).join("; "),
    });
  }
  if (state.owner === null && parsed.data.type !== "Started") {
    return E.left({ _tag: "EventRejected", reason: `${parsed.data.type} before Started` });
  }
  return E.right(step(state, parsed.data));
};
