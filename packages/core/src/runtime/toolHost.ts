/**
 * The runtime's ToolHost: what the channel server's tools call.
 *
 * Identity has been checked by the server. Every tool that acts on the
 * fleet (and `peek`), and every agent's `notify` and `report`, is decided
 * by `step` from an event naming a request id, and answered by the core's
 * `tool.reply` (authorityTools.ts, toolStep.ts); the others are events
 * through `step` too, or reads of the runtime's state and the store. This
 * file holds no policy: it turns calls into events and replies into tool
 * results.
 */

import * as E from "fp-ts/lib/Either.js";
import { pendingInterrupts } from "../channelStep.js";
import { hookEvidence } from "../decisions/hookEvidence.js";
import { renderInterrupt } from "../decisions/interrupts.js";
import { renderDelta } from "../decisions/renderDelta.js";
import { LogReadQuerySchema, LogTextSchema } from "../domain/logEntry.js";
import type { PaneId } from "../domain/paneId.js";
import type { ToolReply, ToolRequest } from "../domain/toolCall.js";
import type { Event } from "../events.js";
import { PushRefSchema } from "../events.js";
import { describeError, type ToolError } from "../ports/errors.js";
import type { StorePort } from "../ports/storePort.js";
import type { ToolHost } from "../ports/toolHost.js";
import type { CoreState } from "../state.js";
import { currentDigest } from "../step.js";
import { type AuthorityTools, createAuthorityTools } from "./authorityTools.js";

/** What the tool host needs from the runtime: its state, the store, a way to feed events and to await a tool's reply. */
export interface ToolHostDeps {
  readonly getState: () => CoreState;
  readonly store: StorePort;
  readonly now: () => number;
  readonly dispatch: (event: Event) => Promise<void>;
  /** Hand a tool request to the core as an event and resolve with the core's `tool.reply` for it. */
  readonly callTool: (from: PaneId, request: ToolRequest) => Promise<ToolReply>;
}

const resultOf = (reply: ToolReply): E.Either<ToolError, string> =>
  reply.ok ? E.right(reply.text) : E.left(reply.error);
const failedWith = (message: string): ToolError => ({ _tag: "ToolFailed", message });

/** The runtime's tool host: every optional tool of the port is there. */
export type RuntimeToolHost = ToolHost & AuthorityTools & Required<Pick<ToolHost, "inbox">>;

/**
 * Build the {@link ToolHost} the channel server calls: every tool becomes an event through `step`, or a read of
 * the runtime's state.
 */
export const createToolHost = (deps: ToolHostDeps): RuntimeToolHost => {
  const digestNow = () => {
    const state = deps.getState();
    return currentDigest({ ...state, now: Math.max(state.now, deps.now()) });
  };
  /** A push id the first mate named, when it is well formed (anything else names nothing). */
  const ackOf = (input: { readonly ack?: string } | undefined): { ack?: string } => {
    const parsed = PushRefSchema.safeParse(input?.ack);
    return parsed.success ? { ack: parsed.data } : {};
  };
  /** Every first-mate tool call is evidence that the first mate acts (see decisions/channelDelivery.ts). */
  const acted = (from: PaneId, tool: string) =>
    deps.dispatch({ type: "FirstMateToolCalled", now: deps.now(), paneId: from, tool });
  const withEvidence = <I, R>(tool: string, run: ((from: PaneId, input: I) => Promise<R>) | undefined) =>
    run === undefined
      ? undefined
      : async (from: PaneId, input: I): Promise<R> => {
          await acted(from, tool);
          return run(from, input);
        };

  const authorityTools = createAuthorityTools({ callTool: deps.callTool });

  const tools: Omit<RuntimeToolHost, keyof AuthorityTools> = {
    firstMateMarker: async () => deps.getState().supervisor.marker,

    // Decided by the core (a pane not live in the latest observation is refused there).
    notify: async (from, input) =>
      resultOf(
        await deps.callTool(from, {
          tool: "notify",
          kind: input.kind,
          message: input.message,
          ...(input.severity === undefined ? {} : { severity: input.severity }),
        }),
      ),

    async identityConflict(from, detail) {
      await deps.dispatch({
        type: "IdentityConflictDetected",
        now: deps.now(),
        paneId: from,
        detail: detail.slice(0, 500),
      });
    },

    report: async (from, input) => resultOf(await deps.callTool(from, { tool: "report", message: input.message })),

    async agentHook(from, payload) {
      const evidence = hookEvidence(payload, deps.now());
      if (evidence === null) return E.right(`ignored: ${payload.hook_event_name} says nothing about the state`);
      await deps.dispatch({ type: "AgentEvidenceReceived", now: evidence.at, paneId: from, evidence });
      const resolved = deps.getState().agents[from]?.resolved;
      if (!resolved || resolved.source === null) return E.right(resolved?.state ?? "unknown");
      return E.right(`${resolved.state} via ${resolved.source}`);
    },

    async fleetDigest(from, input) {
      const digest = digestNow();
      const state = deps.getState();
      // While pulls are the delivery path, the folded repeats and expiries ride on the pull as they would on a push.
      const pullDelivers = state.channel.mode === "unavailable";
      const repeatKeys = pullDelivers ? Object.keys(state.interrupts.repeats).sort() : [];
      const expiredReported = pullDelivers ? state.interrupts.expiredUnreported : 0;
      const text = renderDelta([{ type: "first_sight" }], digest, {
        capBytes: state.config.renderCapBytes * 4,
        repeats: repeatKeys.map((key) => state.interrupts.repeats[key]!),
        notes: expiredReported > 0 ? [`${expiredReported} undelivered interrupts expired unread`] : [],
      });
      await deps.dispatch({
        type: "DigestPulled",
        now: deps.now(),
        paneId: from,
        digest,
        repeatKeys,
        expiredReported,
        ...ackOf(input),
      });
      return E.right({ digest, text });
    },

    async inbox(from, input) {
      const state = deps.getState();
      const entries = pendingInterrupts(state);
      const names: Record<string, string> = {};
      for (const pane of state.fleet) names[pane.paneId] = pane.windowName;
      await deps.dispatch({
        type: "InboxPulled",
        now: deps.now(),
        paneId: from,
        seqs: entries.map((entry) => entry.seq),
        ...ackOf(input),
      });
      const text =
        entries.length === 0
          ? "No interrupts waiting."
          : entries.map((entry) => renderInterrupt(entry, names[entry.source])).join("\n");
      return E.right({ entries, text });
    },

    async readLog(_from, input) {
      const query = LogReadQuerySchema.safeParse(input);
      if (!query.success)
        return E.left({ _tag: "ToolInvalidInput", message: query.error.issues[0]?.message ?? "invalid query" });
      const result = await deps.store.readLog(query.data);
      return E.isRight(result) ? E.right(result.right) : E.left(failedWith(describeError(result.left)));
    },

    async appendLog(from, input) {
      const text = LogTextSchema.safeParse(input.text);
      if (!text.success) return E.left({ _tag: "ToolInvalidInput", message: "text must be 1–2000 characters" });
      // Stored through the runtime like every write (store.appendFirstMateLog), answered with the entry.
      const reply = await deps.callTool(from, { tool: "captains_log_append", kind: input.kind, text: text.data });
      if (!reply.ok) return E.left(reply.error);
      return reply.logEntry ? E.right(reply.logEntry) : E.left(failedWith("the log entry was not returned"));
    },
  };
  // Every tool named, in one literal without a spread: a literal that opens with a spread of this many
  // methods cost tens of microseconds per runtime.
  return {
    spawnWorker: withEvidence("spawn_worker", authorityTools.spawnWorker)!,
    assignTask: withEvidence("assign_task", authorityTools.assignTask)!,
    terminate: withEvidence("terminate", authorityTools.terminate)!,
    nudge: withEvidence("nudge", authorityTools.nudge)!,
    peek: withEvidence("peek", authorityTools.peek)!,
    proposeRoleChange: withEvidence("propose_role_change", authorityTools.proposeRoleChange)!,
    firstMateMarker: tools.firstMateMarker,
    notify: tools.notify,
    identityConflict: tools.identityConflict,
    report: tools.report,
    agentHook: tools.agentHook,
    fleetDigest: tools.fleetDigest,
    inbox: tools.inbox,
    readLog: withEvidence("captains_log_read", tools.readLog)!,
    appendLog: withEvidence("captains_log_append", tools.appendLog)!,
  };
};
