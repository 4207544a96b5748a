/**
 * @first-mate/core — the pure core of first-mate.
 *
 * Domain types (zod schemas), pure decisions that return commands as data,
 * the `step` reducer and the ports drivers implement. The runtime that runs
 * commands against those ports lives in `@first-mate/core/runtime`.
 */

export * from "./agentStep.js";
export * from "./authority/authorityAction.js";
export * from "./authority/authorityEvents.js";
export * from "./authority/authorityState.js";
export * from "./authority/authorityStep.js";
export * from "./authority/authorize.js";
export * from "./authority/budgetStewardship.js";
export * from "./authority/conn.js";
export * from "./authority/deferredSpawns.js";
export * from "./authority/layeredPrompt.js";
export * from "./authority/prohibition.js";
export * from "./authority/proposal.js";
export * from "./channelStep.js";
export * from "./commands.js";
export * from "./config.js";
export * from "./decisions/agentStateMachine.js";
export * from "./decisions/agentStates.js";
export * from "./decisions/buildDigest.js";
export * from "./decisions/channelDelivery.js";
export * from "./decisions/classifyAgent.js";
export * from "./decisions/classifyScreen.js";
export * from "./decisions/classifyTitle.js";
export * from "./decisions/curatePane.js";
export * from "./decisions/diverge.js";
export * from "./decisions/heartbeat.js";
export * from "./decisions/hookEvidence.js";
export * from "./decisions/interrupts.js";
export * from "./decisions/paneEnding.js";
export * from "./decisions/renderDelta.js";
export * from "./decisions/startupDialogs.js";
export * from "./decisions/supervisor.js";
export * from "./decisions/toolPolicy.js";
export * from "./domain/agentHookPayload.js";
export * from "./domain/agentKind.js";
export * from "./domain/agentState.js";
export * from "./domain/alert.js";
export * from "./domain/digest.js";
export * from "./domain/instant.js";
export * from "./domain/interrupt.js";
export * from "./domain/interruptTables.js";
export * from "./domain/logEntry.js";
export * from "./domain/marker.js";
export * from "./domain/observation.js";
export * from "./domain/paneId.js";
export * from "./domain/paneIdentity.js";
export * from "./domain/paneProcess.js";
export * from "./domain/toolCall.js";
export * from "./durableTables.js";
export * from "./events.js";
export * from "./holderWrites.js";
export * from "./ports/index.js";
export * from "./state.js";
export * from "./step.js";
export * from "./toolStep.js";
