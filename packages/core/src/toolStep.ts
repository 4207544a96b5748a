/**
 * The tool-call part of `step`: the first mate's tools that act on the
 * fleet (`spawn_worker`, `assign_task`, `terminate`, `nudge`) or read a
 * worker's screen (`peek`) are decided here, on the state `step` holds when
 * the call arrives — never on a snapshot the tool host took earlier.
 *
 * Pure: executes nothing. Rules, in order, for a `ToolCalled`:
 * - only the current first mate's pane may call (the marker may have moved
 *   since the channel server checked it) → refused;
 * - at most MAX_PENDING_TOOL_CALLS effects run at once → refused beyond;
 * - a pane the action names must be a live pane of the fleet → refused;
 * - `authorize` judges the action (conn, scope, budget, prohibitions): deny
 *   → logged, raised, `ToolForbidden`; propose → `store.addProposal`, and
 *   the reply waits for the stored id (ActionProposed), which hands the
 *   conn back when the verdict said so; calls decided meanwhile already
 *   find the conn with the human (no action on a conn being handed back);
 * - an action that acts needs this host to hold the supervisor lease →
 *   refused, nothing run;
 * - defer (budget) → the spawn joins the queue, the reply says when;
 * - allow → the action is logged before it runs (a failed log write stops
 *   it: the runtime never runs an effect whose batch's write failed), then
 *   one effect command carrying the request id; its answer (TextSent,
 *   DeferredSpawnSettled, PaneCloseSettled, ScreenCaptured…) is logged as
 *   the conn action's outcome and becomes the reply.
 * Every `ToolCalled` is answered by exactly one `tool.reply`.
 */
import { type AuthorityAction, describeAction } from "./authority/authorityAction.js";
import { budgetPolicyOf } from "./authority/authorityState.js";
import { stepAuthority } from "./authority/authorityStep.js";
import { type AuthorityVerdict, authorize } from "./authority/authorize.js";
import { type Conn, HUMAN_CONN } from "./authority/conn.js";
import type { WorkerLaunch } from "./authority/deferredSpawns.js";
import type { Command } from "./commands.js";
import { classifyAgent } from "./decisions/classifyAgent.js";
import { judgePaneEnd } from "./decisions/paneEnding.js";
import { decideNudge, decidePeek } from "./decisions/toolPolicy.js";
import type { FleetDigest } from "./domain/digest.js";
import { formatInstant } from "./domain/instant.js";
import type { PaneId } from "./domain/paneId.js";
import type { ActingTool, ToolCall, ToolReply, ToolRequest } from "./domain/toolCall.js";
import type { Event, EventOf } from "./events.js";
import { type CoreState, updateState } from "./state.js";

type StepResult = readonly [CoreState, readonly Command[]];

/** A tool call whose effect is running: what to log and reply when its answer arrives. */
export interface PendingToolCall {
  readonly tool: ActingTool;
  /** The action logged as a conn action when the effect settles; null for `peek`, which only reads. */
  readonly action: AuthorityAction | null;
  readonly requestedAt: number;
  /**
   * A proposal that hands the conn back once stored: the conn it hands back
   * (by its version: `since` alone is shared by two conns given within the
   * same millisecond). Until then, calls behind it are decided as if the
   * human held the conn already.
   */
  readonly handsBack?: { readonly connVersion: number } | null;
}

/** The tool calls whose effect (or proposal) is running, by request id. */
export interface ToolCallsState {
  readonly pending: Readonly<Record<string, PendingToolCall>>;
  /**
   * Calls answered as timed out whose effect may still answer, oldest first
   * (at most MAX_TIMED_OUT_TOOL_CALLS): a late outcome is logged, never
   * replied to again.
   */
  readonly timedOut: readonly string[];
}

/** No tool call in flight. */
export const NO_TOOL_CALLS: ToolCallsState = { pending: {}, timedOut: [] };

/** How many timed-out calls are remembered for their late outcome (older ones' outcomes are handled as unknown). */
export const MAX_TIMED_OUT_TOOL_CALLS = 64;

/** At most this many tool effects run at once; beyond, a call is refused (the table stays bounded). */
export const MAX_PENDING_TOOL_CALLS = 64;

const answer = (requestId: string, reply: ToolReply): Command => ({ type: "tool.reply", requestId, reply });
const ok = (text: string): ToolReply => ({ ok: true, text });
const refused = (message: string): ToolReply => ({ ok: false, error: { _tag: "ToolRefused", message } });
const failed = (message: string): ToolReply => ({ ok: false, error: { _tag: "ToolFailed", message } });

const log = (state: CoreState, text: string): Command => ({
  type: "store.appendLog",
  entry: { kind: "narrative", text: text.slice(0, 2000), at: state.now, author: "kit" },
});

const track = (state: CoreState, requestId: string, pending: PendingToolCall): CoreState =>
  updateState(state, {
    tools: { ...state.tools, pending: { ...state.tools.pending, [requestId]: pending } },
  });

const untrack = (state: CoreState, requestId: string): CoreState => {
  const { [requestId]: _settled, ...pending } = state.tools.pending;
  return updateState(state, { tools: { ...state.tools, pending } });
};

/** The pane as the fleet knows it now; tools only touch live, known panes. */
const knownPane = (state: CoreState, pane: PaneId): { readonly name: string; readonly pid: number | null } | null => {
  const found = state.fleet.find((observed) => observed.paneId === pane && !observed.dead);
  return found ? { name: found.windowName, pid: found.pid } : null;
};

/** The conn a call is decided under: the human's while a decided hand-back waits for its proposal to be stored. */
const effectiveConn = (state: CoreState): Conn => {
  const conn = state.authority.conn;
  if (conn.holder !== "first_mate") return conn;
  const version = state.authority.connVersion;
  const handingBack = Object.values(state.tools.pending).some((pending) => pending.handsBack?.connVersion === version);
  return handingBack ? HUMAN_CONN : conn;
};

const verdictFor = (state: CoreState, action: AuthorityAction): AuthorityVerdict =>
  authorize(action, {
    now: state.now,
    conn: effectiveConn(state),
    usage: state.inputs.usage,
    budget: budgetPolicyOf(state.config),
    prohibitions: state.config.prohibitions,
    firstMatePaneId: state.supervisor.marker?.paneId ?? null,
  });

const actionOf = (call: ToolCall, paneName: string | null): AuthorityAction => {
  const target = (pane: PaneId) => ({ paneId: pane, ...(paneName !== null ? { name: paneName } : {}) });
  switch (call.tool) {
    case "spawn_worker": {
      const args: Record<string, string> = {};
      if (call.command) args.command = call.command;
      if (call.cwd) args.cwd = call.cwd;
      if (call.task) args.task = call.task;
      return { kind: "spawn_worker", target: { name: call.name }, args };
    }
    case "assign_task":
      return { kind: "assign_task", target: target(call.pane), args: { task: call.task } };
    case "terminate":
      return { kind: "terminate", target: target(call.pane), args: {} };
    case "nudge":
      return { kind: "nudge", target: target(call.pane), args: { message: call.message } };
    case "peek":
      return { kind: "peek", target: target(call.pane), args: {} };
    case "captains_log_append":
    case "propose_role_change":
      return { kind: call.tool, target: {}, args: { text: call.text } };
  }
};

/** How the worker starts: the call's command line as the pane's own process, or the configured default. */
const launchFor = (state: CoreState, call: Extract<ToolCall, { tool: "spawn_worker" }>): WorkerLaunch | null => {
  const defaults = state.config.workerDefaults;
  const argv = call.command ? ["/bin/sh", "-c", `exec ${call.command}`] : defaults.argv ? [...defaults.argv] : null;
  if (argv === null || argv.length === 0) return null;
  const cwd = call.cwd ?? defaults.cwd;
  // What the kit starts it knows: the pane carries the kind from its first tick.
  const agent = classifyAgent({ command: "", processes: [argv] }, state.config.agentSignatures);
  return {
    name: call.name,
    session: state.config.workerSession,
    argv,
    ...(cwd ? { cwd } : {}),
    ...(defaults.env ? { env: { ...defaults.env } } : {}),
    ...(call.task ? { task: call.task } : {}),
    ...(agent !== null ? { agent } : {}),
  };
};

/** Deny and propose, shared by every tool that passes `authorize`; null means "go on". */
const settleRefusal = (
  state: CoreState,
  event: EventOf<"ToolCalled">,
  action: AuthorityAction,
  verdict: AuthorityVerdict,
): StepResult | null => {
  if (verdict.decision === "deny") {
    const [next, commands] = stepAuthority(state, {
      type: "ActionDenied",
      now: state.now,
      action,
      reason: verdict.reason,
      prohibition: verdict.prohibition,
    });
    const denied: ToolReply = { ok: false, error: { _tag: "ToolForbidden", message: `denied: ${verdict.reason}` } };
    return [next, [...commands, answer(event.requestId, denied)]];
  }
  if (verdict.decision !== "propose") return null;
  const conn = state.authority.conn;
  const handsBack =
    verdict.handBack !== null && conn.holder === "first_mate" ? { connVersion: state.authority.connVersion } : null;
  return [
    track(state, event.requestId, { tool: event.call.tool, action, requestedAt: state.now, handsBack }),
    [
      {
        type: "store.addProposal",
        requestId: event.requestId,
        action,
        reason: verdict.reason,
        handBack: verdict.handBack,
        at: state.now,
      },
    ],
  ];
};

/** A host that lost the supervisor lease runs no action: another host may supervise the fleet now. */
const notHolder = (state: CoreState, requestId: string): StepResult => [
  state,
  [
    answer(
      requestId,
      refused("not run: this host does not hold the supervisor lease (another host may supervise the fleet)"),
    ),
  ],
];

/** Run one effect for an allowed action: logged first, answered by an event naming the request. */
const act = (state: CoreState, event: EventOf<"ToolCalled">, action: AuthorityAction, effect: Command): StepResult => {
  if (!state.supervisor.leaseHeld) return notHolder(state, event.requestId);
  return [
    track(state, event.requestId, { tool: event.call.tool, action, requestedAt: state.now }),
    [log(state, `conn action starting: ${describeAction(action)}`), effect],
  ];
};

/**
 * Pure: decide one tool call on the current state (see the module header),
 * and when its effect starts, wake at its deadline: a call is answered
 * within `toolCallTimeoutMs` even if its effect never is (`expireToolCalls`).
 * `digest` is the current digest.
 */
export const onToolCalled = (state: CoreState, event: EventOf<"ToolCalled">, digest: () => FleetDigest): StepResult => {
  const [next, commands] = decideToolCall(state, event, digest);
  if (pendingFor(next, event.requestId) === null || pendingFor(state, event.requestId) !== null)
    return [next, commands];
  return [next, [...commands, { type: "timer.wakeAt", at: next.now + next.config.toolCallTimeoutMs }]];
};

const decideToolCall = (state: CoreState, event: EventOf<"ToolCalled">, digest: () => FleetDigest): StepResult => {
  const { call, requestId } = event;
  const firstMate = state.supervisor.marker?.paneId ?? null;
  if (event.paneId !== firstMate)
    return [state, [answer(requestId, refused(`${event.paneId} is not the first mate's pane (any longer)`))]];
  if (Object.keys(state.tools.pending).length >= MAX_PENDING_TOOL_CALLS)
    return [state, [answer(requestId, refused("too many tool calls in flight; try again shortly"))]];

  switch (call.tool) {
    // The first mate's own writes: no conn, no prohibitions (its notes are not actions), stored through the runtime.
    case "captains_log_append":
      return [
        track(state, requestId, { tool: call.tool, action: null, requestedAt: state.now }),
        [
          {
            type: "store.appendFirstMateLog",
            requestId,
            entry: { kind: call.kind, text: call.text, at: state.now, author: "first_mate" },
          },
        ],
      ];
    case "propose_role_change":
      return [
        track(state, requestId, { tool: call.tool, action: null, requestedAt: state.now }),
        [{ type: "store.proposeRoleExtension", requestId, text: call.text, at: state.now }],
      ];
    case "peek": {
      const verdict = decidePeek(digest(), firstMate, call.pane);
      if (!verdict.allowed) return [state, [answer(requestId, refused(verdict.reason))]];
      return [
        track(state, requestId, { tool: "peek", action: null, requestedAt: state.now }),
        [{ type: "tmux.capture", paneId: call.pane, lines: call.lines, requestId }],
      ];
    }
    case "nudge": {
      const policy = decideNudge(digest(), firstMate, call.pane, state.config.idleThresholdMs);
      if (!policy.allowed && call.pane === firstMate) return [state, [answer(requestId, refused(policy.reason))]];
      // The text is judged before the worker's state: prohibited text is denied and logged even to a busy worker.
      const action = actionOf(call, knownPane(state, call.pane)?.name ?? null);
      const refusal = settleRefusal(state, event, action, verdictFor(state, action));
      if (refusal) return refusal;
      if (!policy.allowed) return [state, [answer(requestId, refused(policy.reason))]];
      return act(state, event, action, { type: "tmux.sendText", requestId, paneId: call.pane, text: call.message });
    }
    case "spawn_worker": {
      const action = actionOf(call, null);
      const verdict = verdictFor(state, action);
      const refusal = settleRefusal(state, event, action, verdict);
      if (refusal) return refusal;
      const launch = launchFor(state, call);
      if (launch === null)
        return [
          state,
          [
            answer(requestId, {
              ok: false,
              error: { _tag: "ToolInvalidInput", message: "no default worker command is configured: pass command" },
            }),
          ],
        ];
      if (verdict.decision === "defer") {
        if (!state.supervisor.leaseHeld) return notHolder(state, requestId);
        const [next, commands] = stepAuthority(state, {
          type: "SpawnDeferred",
          now: state.now,
          spawn: {
            id: `deferred-${state.now}-${requestId}`,
            launch,
            requestedAt: state.now,
            releaseAt: verdict.until,
          },
        });
        // A full queue (DEFERRED_SPAWN_CAP) keeps nothing: the caller is told so, not that it waits.
        if (next.authority.deferred.length === state.authority.deferred.length)
          return [
            next,
            [...commands, answer(requestId, refused(`not deferred: too many spawns already wait for the budget`))],
          ];
        const text = `deferred: ${verdict.reason}; ${call.name} starts at the reset (${formatInstant(verdict.until)})`;
        return [next, [...commands, answer(requestId, ok(text))]];
      }
      return act(state, event, action, { type: "tmux.spawnWorker", spawnId: requestId, launch });
    }
    case "assign_task":
    case "terminate": {
      const pane = knownPane(state, call.pane);
      if (pane === null) return [state, [answer(requestId, refused(`${call.pane} is not a live pane of the fleet`))]];
      const action = actionOf(call, pane.name);
      const refusal = settleRefusal(state, event, action, verdictFor(state, action));
      if (refusal) return refusal;
      if (call.tool === "assign_task")
        return act(state, event, action, { type: "tmux.sendText", requestId, paneId: call.pane, text: call.task });
      // The pane's processes are recorded before the close and ended after it: an agent that catches SIGHUP dies too.
      return act(state, event, action, {
        type: "tmux.kill",
        paneId: call.pane,
        ...(pane.pid !== null ? { pid: pane.pid } : {}),
        reason: "terminate",
        requestId,
      });
    }
  }
};

/** The outcome of an allowed action: logged as the conn action's result, and the reply. */
const settleAction = (
  state: CoreState,
  requestId: string,
  pending: PendingToolCall,
  outcome: { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: string },
): StepResult => {
  const settled = untrack(state, requestId);
  const reply = outcome.ok ? ok(outcome.text) : failed(`${pending.tool} failed: ${outcome.reason}`);
  if (pending.action === null) return [settled, [answer(requestId, reply)]];
  const [next, commands] = stepAuthority(settled, {
    type: "ActionExecuted",
    now: state.now,
    action: pending.action,
    ok: outcome.ok,
    detail: (outcome.ok ? outcome.text : outcome.reason).slice(0, 500),
  });
  return [next, [...commands, answer(requestId, reply)]];
};

/** Own entries only: an id from an event (`toString`, `__proto__`) never finds the object's prototype. */
const pendingFor = (state: CoreState, requestId: string | undefined): PendingToolCall | null =>
  requestId === undefined || !Object.hasOwn(state.tools.pending, requestId)
    ? null
    : (state.tools.pending[requestId] ?? null);

const paneLabel = (action: AuthorityAction | null): string => {
  const pane = action?.target.paneId ?? "";
  return action?.target.name ? `${pane} (${action.target.name})` : pane;
};

/** Pure: a typed text answering a tool's `tmux.sendText`, or null when it answers something else (a wake-up). */
export const toolTextSettled = (
  state: CoreState,
  event: EventOf<"TextSent"> | EventOf<"TextSendFailed">,
): StepResult | null => {
  const pending = pendingFor(state, event.requestId);
  if (pending === null) return null;
  if (event.type === "TextSendFailed")
    return settleAction(state, event.requestId, pending, { ok: false, reason: event.reason });
  const pane = pending.action?.target.paneId ?? "";
  const text = pending.tool === "nudge" ? `nudged ${pane}` : `assigned the task to ${paneLabel(pending.action)}`;
  return settleAction(state, event.requestId, pending, { ok: true, text });
};

/** Pure: a worker spawn answering `spawn_worker`, or null when it is a released deferred spawn. */
export const toolSpawnSettled = (state: CoreState, event: EventOf<"DeferredSpawnSettled">): StepResult | null => {
  const pending = pendingFor(state, event.spawnId);
  if (pending === null) return null;
  if (event.paneId === null)
    return settleAction(state, event.spawnId, pending, { ok: false, reason: event.reason ?? "unknown reason" });
  const name = pending.action?.target.name ?? "";
  const task = pending.action?.args.task ? " and gave it its task" : "";
  return settleAction(state, event.spawnId, pending, {
    ok: true,
    text: `spawned worker ${name} in ${event.paneId}${task}`,
  });
};

/** Pure: a `terminate`'s pane closed (or not); what became of its processes is judged as any pane end. */
export const toolPaneCloseSettled = (state: CoreState, event: EventOf<"PaneCloseSettled">): StepResult => {
  const judged = event.report === null ? [] : judgePaneEnd(event.paneId, "terminate", event.report, state.now);
  const pending = pendingFor(state, event.requestId);
  if (pending === null) return [state, judged];
  const survived = event.report?.survivors.length ?? 0;
  const [next, commands] =
    event.error !== null
      ? settleAction(state, event.requestId, pending, { ok: false, reason: event.error })
      : settleAction(state, event.requestId, pending, {
          ok: true,
          text: `terminated ${paneLabel(pending.action)}${survived > 0 ? `; ${survived} of its processes survived (the human is alerted)` : ""}`,
        });
  return [next, [...judged, ...commands]];
};

/** Pure: the screen a `peek` asked for (or why it could not be read). */
export const toolScreenSettled = (
  state: CoreState,
  event: EventOf<"ScreenCaptured"> | EventOf<"ScreenCaptureFailed">,
): StepResult => {
  const pending = pendingFor(state, event.requestId);
  if (pending === null || event.requestId === undefined) return [state, []];
  const reply = event.type === "ScreenCaptured" ? ok(event.text) : failed(event.reason);
  return [untrack(state, event.requestId), [answer(event.requestId, reply)]];
};

/** Pure: the first mate's log line was stored, or a tool's store write failed: the reply says so. */
export const toolStoreSettled = (
  state: CoreState,
  event: EventOf<"LogEntryAppended"> | EventOf<"ToolStoreWriteFailed">,
): StepResult => {
  const pending = pendingFor(state, event.requestId);
  if (pending === null) return [state, []];
  const reply: ToolReply =
    event.type === "LogEntryAppended"
      ? { ok: true, text: `Logged #${event.entry.id} (${event.entry.kind}).`, logEntry: event.entry }
      : failed(event.reason);
  return [untrack(state, event.requestId), [answer(event.requestId, reply)]];
};

/**
 * Pure: a ROLE-EXT proposal stored for `propose_role_change`: logged and
 * raised (stepAuthority), and the reply. Null when it answers no call.
 */
export const toolRoleChangeSettled = (state: CoreState, event: EventOf<"RoleChangeProposed">): StepResult | null => {
  const pending = pendingFor(state, event.requestId);
  if (pending === null || event.requestId === undefined) return null;
  const [next, commands] = stepAuthority(untrack(state, event.requestId), event);
  const text = `proposed as role extension #${event.extensionId}; it joins your prompt only if the human approves it`;
  return [next, [...commands, answer(event.requestId, ok(text))]];
};

/**
 * Pure: a proposal was stored (or not) for a tool call: logged and raised
 * (stepAuthority), the conn handed back when the verdict said so and it is
 * still the conn the call was decided under, and the reply says so. Null
 * when the proposal answers no pending call.
 */
export const toolProposalSettled = (state: CoreState, event: EventOf<"ActionProposed">): StepResult | null => {
  const pending = pendingFor(state, event.requestId);
  if (pending === null || event.requestId === undefined) return null;
  const conn = state.authority.conn;
  const stillHeld = conn.holder === "first_mate" && pending.handsBack?.connVersion === state.authority.connVersion;
  const [next, commands] = stepAuthority(
    untrack(state, event.requestId),
    stillHeld ? event : { ...event, handBack: null },
  );
  const recorded =
    event.proposalId === null
      ? `the proposal could not be stored (${event.storeError ?? "unknown reason"}); the human has been alerted`
      : `recorded as proposal #${event.proposalId} for the human`;
  const back = event.handBack ? "; the conn has gone back to the human" : "";
  return [next, [...commands, answer(event.requestId, refused(`not run: ${event.reason}; ${recorded}${back}`))]];
};

/** Pure: the event that carries tool request `requestId` from pane `from` into the core. */
export const toolRequestEvent = (requestId: string, now: number, from: PaneId, request: ToolRequest): Event => {
  switch (request.tool) {
    case "notify":
      return {
        type: "NotifyReceived",
        now,
        paneId: from,
        kind: request.kind,
        message: request.message,
        ...(request.severity === undefined ? {} : { severity: request.severity }),
        requestId,
      };
    case "report":
      return { type: "ReportReceived", now, paneId: from, message: request.message, requestId };
    default:
      return { type: "ToolCalled", now, requestId, paneId: from, call: request };
  }
};

/**
 * Pure: an agent's `notify` or `report` from a pane that is not live in the
 * latest observation is refused before anything else sees it: an invented
 * pane id costs no agent state, alert, table entry or outbox row. Null when
 * the event goes on through `step`.
 */
export const agentToolRefusal = (state: CoreState, event: Event): StepResult | null => {
  if ((event.type !== "NotifyReceived" && event.type !== "ReportReceived") || event.requestId === undefined)
    return null;
  if (state.fleet.some((pane) => pane.paneId === event.paneId && !pane.dead)) return null;
  const message = `${event.paneId} is not a live pane of the latest observation; try again after the next tick`;
  return [state, [answer(event.requestId, refused(message))]];
};

/** Pure: the answer to an agent's `notify` or `report`, on the state after it was taken in. */
export const agentToolAnswer = (state: CoreState, event: Event): Command | null => {
  if (event.type === "ReportReceived")
    return event.requestId === undefined ? null : answer(event.requestId, ok("reported"));
  if (event.type !== "NotifyReceived" || event.requestId === undefined) return null;
  if (event.kind !== "need_human") return answer(event.requestId, ok(`noted (${event.kind})`));
  if (event.paneId === state.supervisor.marker?.paneId)
    return answer(event.requestId, ok("noted; the first mate does not wake itself"));
  if (!state.supervisor.leaseHeld)
    return answer(
      event.requestId,
      ok("queued; this host does not hold the supervisor lease: the first mate is told once it files it"),
    );
  return answer(
    event.requestId,
    ok(
      state.firstMateAttached ? "the first mate has been told" : "queued; the first mate will be told when it attaches",
    ),
  );
};

/** Pure: the tool request an event carries (ToolCalled, or an agent's notify / report awaiting its answer). */
export const toolRequestIdOf = (event: Event): string | undefined =>
  event.type === "ToolCalled" || event.type === "NotifyReceived" || event.type === "ReportReceived"
    ? event.requestId
    : undefined;

/**
 * Pure: answer every tool call whose effect has not answered within
 * `toolCallTimeoutMs` with a typed timeout (`ToolTimedOut`), once; an action
 * is logged as of unknown outcome. Its effect may still answer later: that
 * is logged (`lateToolOutcome`), never replied to.
 */
export const expireToolCalls = (state: CoreState): StepResult => {
  // Most ticks find no tool call running.
  if (!hasPending(state.tools.pending)) return [state, []];
  const timeoutMs = state.config.toolCallTimeoutMs;
  const expired = Object.entries(state.tools.pending).filter(
    ([, pending]) => state.now - pending.requestedAt >= timeoutMs,
  );
  if (expired.length === 0) return [state, []];
  let next = state;
  const commands: Command[] = [];
  for (const [requestId, pending] of expired) {
    next = untrack(next, requestId);
    const after = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
    const what = pending.action === null ? pending.tool : describeAction(pending.action);
    if (pending.action !== null)
      commands.push(log(state, `conn action TIMED OUT after ${after} (outcome unknown): ${what}`));
    commands.push(
      answer(requestId, {
        ok: false,
        error: {
          _tag: "ToolTimedOut",
          message: `${pending.tool} timed out after ${after}: its outcome is unknown (it may still complete; the captain's log will say)`,
        },
      }),
    );
  }
  const timedOut = [...next.tools.timedOut, ...expired.map(([requestId]) => requestId)].slice(
    -MAX_TIMED_OUT_TOOL_CALLS,
  );
  return [updateState(next, { tools: { ...next.tools, timedOut } }), commands];
};

const hasPending = (pending: ToolCallsState["pending"]): boolean => {
  for (const requestId in pending) if (Object.hasOwn(pending, requestId)) return true;
  return false;
};

/** The request id an effect's answer names, when it may answer a tool call. */
const answeredRequestIdOf = (event: Event): string | undefined => {
  switch (event.type) {
    case "TextSent":
    case "TextSendFailed":
    case "PaneCloseSettled":
    case "ScreenCaptureFailed":
    case "LogEntryAppended":
    case "ToolStoreWriteFailed":
      return event.requestId;
    case "ScreenCaptured":
    case "ActionProposed":
    case "RoleChangeProposed":
      return event.requestId;
    case "DeferredSpawnSettled":
      return event.spawnId;
    default:
      return undefined;
  }
};

/** What a late answer says, in one line for the log. */
const lateOutcomeText = (event: Event): string => {
  switch (event.type) {
    case "TextSent":
      return "the text was typed";
    case "TextSendFailed":
    case "ScreenCaptureFailed":
    case "ToolStoreWriteFailed":
      return `failed: ${event.reason}`;
    case "PaneCloseSettled":
      return event.error === null ? `${event.paneId} was closed` : `closing ${event.paneId} failed: ${event.error}`;
    case "ScreenCaptured":
      return `the screen of ${event.paneId} was read`;
    case "LogEntryAppended":
      return `logged as #${event.entry.id}`;
    case "DeferredSpawnSettled":
      return event.paneId !== null ? `the worker started in ${event.paneId}` : `failed: ${event.reason ?? "unknown"}`;
    case "ActionProposed":
      return event.proposalId === null ? "the proposal could not be stored" : `stored as proposal #${event.proposalId}`;
    case "RoleChangeProposed":
      return `stored as role extension #${event.extensionId}`;
    default:
      return event.type;
  }
};

/**
 * Pure: the answer of an effect whose tool call already timed out: logged,
 * and judged where it means more than its reply (a pane end, a proposal —
 * which no longer hands the conn back: the conn in effect may be another
 * by now). Null when the event answers no timed-out call.
 */
export const lateToolOutcome = (state: CoreState, event: Event): StepResult | null => {
  const requestId = answeredRequestIdOf(event);
  if (requestId === undefined || !state.tools.timedOut.includes(requestId)) return null;
  const forgotten: CoreState = updateState(state, {
    tools: { ...state.tools, timedOut: state.tools.timedOut.filter((id) => id !== requestId) },
  });
  const logged = log(
    state,
    `late outcome of tool call ${requestId} (answered as timed out): ${lateOutcomeText(event)}`,
  );
  if (event.type === "ActionProposed" || event.type === "RoleChangeProposed") {
    const [next, commands] = stepAuthority(
      forgotten,
      event.type === "ActionProposed" ? { ...event, handBack: null } : event,
    );
    return [next, [logged, ...commands]];
  }
  if (event.type === "PaneCloseSettled" && event.report !== null)
    return [forgotten, [logged, ...judgePaneEnd(event.paneId, "terminate", event.report, state.now)]];
  return [forgotten, [logged]];
};
