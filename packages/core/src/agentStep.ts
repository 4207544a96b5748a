/**
 * stepAgentStates: the part of `step` that keeps agent states with
 * provenance (docs/design.md, Observation, digest and delta). `step` runs it before the event's own handling, so
 * the digest and nudge policy that follow already see the new state.
 *
 * Pure: executes nothing. Feeds the agent-state decisions from hook
 * evidence, captured screens, `notify`/`report` calls (source `tool`) and
 * fleet observations; admits one `need_human` interrupt per permission
 * episode through the ordinary admission (dedupe, rate limit, outbox).
 * Delivery and the heartbeat are left to the event's own handler.
 */
import type { Command } from "./commands.js";
import type { CoreConfig } from "./config.js";
import {
  type AgentStateConfig,
  type AgentStatesUpdate,
  applyAgentEvidence,
  applyScreenCapture,
  observeAgentStates,
} from "./decisions/agentStates.js";
import { admitUnderLease } from "./decisions/interrupts.js";
import type { AgentEvidence, EvidenceState } from "./domain/agentState.js";
import type { NotifyKind } from "./domain/alert.js";
import type { Event } from "./events.js";
import { type CoreState, updateState } from "./state.js";

const NOTIFY_STATES: Readonly<Record<NotifyKind, EvidenceState>> = {
  info: "busy",
  done: "idle",
  need_human: "waiting_input",
};

const toolEvidence = (state: EvidenceState, at: number, detail: string): AgentEvidence => ({
  source: "tool",
  state,
  at,
  detail: detail.length > 500 ? `${detail.slice(0, 499)}…` : detail,
});

/**
 * What the agent-state decisions read of the configuration, with no screen
 * captures: a standby's. Only those fields (the configuration has dozens,
 * and an observation on a standby would copy them all).
 */
const standbyConfig = (config: CoreConfig): AgentStateConfig => ({
  agentEvidenceMaxAgeMs: config.agentEvidenceMaxAgeMs,
  screenCaptureIntervalMs: config.screenCaptureIntervalMs,
  screenCapturesPerTick: 0,
  screenCaptureLines: config.screenCaptureLines,
  session: config.session,
  window: config.window,
});

const updateFor = (state: CoreState, event: Event): AgentStatesUpdate | null => {
  const agents = state.agents;
  switch (event.type) {
    case "AgentEvidenceReceived":
      // Evidence from the future (a skewed clock) is taken as of now: it ages like
      // any other and never outranks newer evidence from the same source.
      return applyAgentEvidence(
        agents,
        event.paneId,
        event.evidence.at > state.now ? { ...event.evidence, at: state.now } : event.evidence,
        state.now,
        state.config,
      );
    case "ScreenCaptured":
      // A peek's capture is the first mate's read, not the observer's sample of the pane.
      if (event.requestId !== undefined) return null;
      return applyScreenCapture(agents, event.paneId, event.text, state.now, state.config);
    case "NotifyReceived":
      return applyAgentEvidence(
        agents,
        event.paneId,
        toolEvidence(NOTIFY_STATES[event.kind], event.now, `notify ${event.kind}`),
        state.now,
        state.config,
      );
    case "ReportReceived":
      return applyAgentEvidence(
        agents,
        event.paneId,
        toolEvidence("busy", event.now, "report"),
        state.now,
        state.config,
      );
    case "FleetObserved":
      // A stale observation (not the one in flight) is ignored here as it is by the reducer.
      if (state.observe.inFlight?.id !== event.observeId) return null;
      // Only the lease holder reads screens; a standby tracks state from what it sees for free.
      return observeAgentStates(
        agents,
        event.panes,
        state.now,
        state.supervisor.leaseHeld ? state.config : standbyConfig(state.config),
        state.supervisor.marker?.paneId ?? null,
        { agentSignatures: state.config.agentSignatures },
      );
    default:
      return null;
  }
};

/** Pure: the agent-state part of one step (see the module header). */
export const stepAgentStates = (state: CoreState, event: Event): readonly [CoreState, readonly Command[]] => {
  const update = updateFor(state, event);
  if (update === null) return [state, []];
  let next: CoreState = update.agents === state.agents ? state : updateState(state, { agents: update.agents });
  // Most updates raise nothing: their commands as they are.
  if (update.raised.length === 0) return [next, update.commands];
  const commands: Command[] = [...update.commands];
  for (const raised of update.raised) {
    // Like every interrupt: not filed (nor pushed) by a host that does not hold the lease.
    const decision = admitUnderLease(next.interrupts, raised, next.supervisor.marker?.paneId ?? null, next.config, {
      held: next.supervisor.leaseHeld,
      epoch: next.supervisor.leaseEpoch,
    });
    next = updateState(next, { interrupts: decision.state });
    commands.push(...decision.commands);
  }
  return [next, commands];
};
