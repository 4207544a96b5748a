/**
 * The core's whole state: plain data, serialisable, owned by `step`.
 */
import { type AuthorityState, INITIAL_AUTHORITY } from "./authority/authorityState.js";
import type { CoreConfig } from "./config.js";
import { type AgentStates, EMPTY_AGENT_STATES } from "./decisions/agentStates.js";
import { type ChannelDeliveryState, INITIAL_CHANNEL_DELIVERY } from "./decisions/channelDelivery.js";
import { type HeartbeatState, INITIAL_HEARTBEAT } from "./decisions/heartbeat.js";
import { INITIAL_INTERRUPTS, type InterruptState } from "./decisions/interrupts.js";
import { INITIAL_STARTUP_DIALOG, type StartupDialogState } from "./decisions/startupDialogs.js";
import { INITIAL_SUPERVISOR, type SupervisorState } from "./decisions/supervisor.js";
import type { Alert } from "./domain/alert.js";
import { fieldUpdater } from "./domain/fieldUpdater.js";
import { EMPTY_INPUTS, type FleetInputs, type PaneObservation } from "./domain/observation.js";
import type { PaneInputOwners } from "./domain/paneInputOwners.js";
import { NO_TOOL_CALLS, type ToolCallsState } from "./toolStep.js";

/** The observation loop's state: the next observe id and the one in flight. */
export interface ObserveState {
  readonly nextId: number;
  readonly inFlight: { readonly id: number; readonly requestedAt: number } | null;
  /** Something happened while observing: observe once more when it returns. */
  readonly again: boolean;
}

/**
 * The core's whole state: configuration, owner, fleet, inputs, heartbeat, interrupts, supervisor, agents and
 * authority. Plain data.
 */
export interface CoreState {
  readonly config: CoreConfig;
  /** Set by Started; events before it are rejected. */
  readonly owner: string | null;
  readonly now: number;
  readonly supervisor: SupervisorState;
  /** Observations with an id below this were requested before the marker existed. */
  readonly markerObserveFloor: number;
  /**
   * Observations with an id below this were requested before this host last
   * changed the give-up flag itself: their copy of the store's flag may not
   * show that write yet, so it is not followed.
   */
  readonly gaveUpObserveFloor: number;
  /** The re-read of the store's supervisor state after taking the lease. */
  readonly supervisorRead: { readonly nextId: number; readonly inFlight: number | null };
  readonly firstMateAttached: boolean;
  /**
   * The pane whose channel session the server verified as the first mate's
   * (pane and spawn token), kept even while this host does not know the
   * marker yet: a shim that reconnected to a host restarted during a store
   * outage is attached once the marker, read later, names its pane.
   */
  readonly firstMateSession: string | null;
  /**
   * Whether the fleet was observed since this host started: until it is,
   * the picture is empty, and pushing it as the whole picture would hold
   * the real one back behind the push interval.
   */
  readonly fleetSeen: boolean;
  readonly heartbeat: HeartbeatState;
  readonly interrupts: InterruptState;
  readonly fleet: readonly PaneObservation[];
  readonly observe: ObserveState;
  readonly inputs: FleetInputs;
  /**
   * The pane (pid and tmux server, each possibly unknown) each pane id's
   * inputs were given for: a listing drops them once the id names another
   * pane (see domain/paneInputOwners.ts).
   */
  readonly inputOwners?: PaneInputOwners;
  /** Newest alert per pane. */
  readonly alerts: Readonly<Record<string, Alert>>;
  /**
   * Panes whose alert (raised or cleared) is not on file: this host did not
   * hold the lease, or the write failed. Written again once it holds the
   * lease and has read the store under it.
   */
  readonly unfiledAlerts: readonly string[];
  /** When the next regular tick is due. */
  readonly nextTickAt: number | null;
  /** The conn, deferred spawns and identity facts (authority/authorityState.ts). */
  readonly authority: AuthorityState;
  /** Agent state with provenance, per pane (see decisions/agentStates.ts). */
  readonly agents: AgentStates;
  /** Whether the current first mate hears its channel (see decisions/channelDelivery.ts). */
  readonly channel: ChannelDeliveryState;
  /** The start-up dialog the current first mate waits at, and what was answered (decisions/startupDialogs.ts). */
  readonly startupDialog: StartupDialogState;
  /** Tool calls whose effect is running, by request id (toolStep.ts). */
  readonly tools: ToolCallsState;
}

/** Pure: the state before `Started`. */
export const initialState = (config: CoreConfig): CoreState => ({
  config,
  owner: null,
  now: 0,
  supervisor: INITIAL_SUPERVISOR,
  markerObserveFloor: 0,
  gaveUpObserveFloor: 0,
  supervisorRead: { nextId: 1, inFlight: null },
  firstMateAttached: false,
  firstMateSession: null,
  fleetSeen: false,
  heartbeat: INITIAL_HEARTBEAT,
  interrupts: INITIAL_INTERRUPTS,
  fleet: [],
  observe: { nextId: 1, inFlight: null, again: false },
  inputs: EMPTY_INPUTS,
  alerts: {},
  unfiledAlerts: [],
  nextTickAt: null,
  authority: INITIAL_AUTHORITY,
  agents: EMPTY_AGENT_STATES,
  channel: INITIAL_CHANNEL_DELIVERY,
  startupDialog: INITIAL_STARTUP_DIALOG,
  tools: NO_TOOL_CALLS,
});

/** The keys of `T` that may be absent. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/** A state being built: every field it must have, and those it may. */
type StateCopy = { -readonly [K in Exclude<keyof CoreState, OptionalKeys<CoreState>>]: CoreState[K] } & {
  -readonly [K in OptionalKeys<CoreState>]?: CoreState[K];
};

/** The optional fields `fieldsOf` copies, each by name. */
const COPIED_BY_NAME = { inputOwners: true } as const;

/** The fields a state may lack (a field made optional fails to compile until listed, and copied, above). */
const OPTIONAL_FIELDS: Readonly<Record<OptionalKeys<CoreState>, true>> = COPIED_BY_NAME;

/** The fields every state has, copied (a required field left out fails to compile). */
const requiredFieldsOf = (state: CoreState): StateCopy => ({
  config: state.config,
  owner: state.owner,
  now: state.now,
  supervisor: state.supervisor,
  markerObserveFloor: state.markerObserveFloor,
  gaveUpObserveFloor: state.gaveUpObserveFloor,
  supervisorRead: state.supervisorRead,
  firstMateAttached: state.firstMateAttached,
  firstMateSession: state.firstMateSession,
  fleetSeen: state.fleetSeen,
  heartbeat: state.heartbeat,
  interrupts: state.interrupts,
  fleet: state.fleet,
  observe: state.observe,
  inputs: state.inputs,
  alerts: state.alerts,
  unfiledAlerts: state.unfiledAlerts,
  nextTickAt: state.nextTickAt,
  authority: state.authority,
  agents: state.agents,
  channel: state.channel,
  startupDialog: state.startupDialog,
  tools: state.tools,
});

/** Every field a state has, copied: the required ones, then each optional one it holds (by name). */
const fieldsOf = (state: CoreState): StateCopy => {
  const copy = requiredFieldsOf(state);
  if (Object.hasOwn(state, "inputOwners")) copy.inputOwners = state.inputOwners;
  return copy;
};

/**
 * Pure: `state` with `changes`, what `{ ...state, ...changes }` gives,
 * copied field by field (domain/fieldUpdater.ts): `step` copies the state a
 * few times per event.
 */
export const updateState: (state: CoreState, changes: Partial<CoreState>) => CoreState = fieldUpdater(
  fieldsOf,
  Object.keys(OPTIONAL_FIELDS) as OptionalKeys<CoreState>[],
  true,
);
