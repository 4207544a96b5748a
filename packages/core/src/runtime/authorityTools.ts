/**
 * The conn-gated tools (docs/design.md, Authority) of the runtime's ToolHost, `nudge` (it
 * types text into a worker, so it is judged like them) and
 * `propose_role_change`.
 *
 * Every call goes through the core's pure `authorize`; this file only runs
 * the verdict: allow → act on tmux and log; defer → hand the spawn to the
 * core's queue; propose → store a proposal the human sees (handing the conn
 * back when the core says so); deny → refuse, log and tell the human. What
 * is logged and raised is decided by `step` (the events below), so the
 * log is written in the same order as everything else.
 */

import * as E from "fp-ts/lib/Either.js";
import type { AuthorityAction } from "../authority/authorityAction.js";
import { budgetPolicyOf } from "../authority/authorityState.js";
import { type AuthorityVerdict, authorize } from "../authority/authorize.js";
import type { WorkerLaunch } from "../authority/deferredSpawns.js";
import { classifyAgent } from "../decisions/classifyAgent.js";
import { decideNudge } from "../decisions/toolPolicy.js";
import { formatInstant } from "../domain/instant.js";
import { LogTextSchema } from "../domain/logEntry.js";
import type { PaneId } from "../domain/paneId.js";
import type { EndStep } from "../domain/paneProcess.js";
import type { Event } from "../events.js";
import type { AuthorityStorePort } from "../ports/authorityStore.js";
import { describeError, type ToolError } from "../ports/errors.js";
import type { ProcessPort } from "../ports/processPort.js";
import type { TmuxPort } from "../ports/tmuxPort.js";
import type { SpawnWorkerInput, ToolHost } from "../ports/toolHost.js";
import type { CoreState } from "../state.js";
import { currentDigest } from "../step.js";
import { endPane } from "./endPane.js";
import { launchWorker } from "./workerLauncher.js";

/** How a worker is started when `spawn_worker` names no command. */
export interface WorkerDefaults {
  readonly argv?: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * What the conn-gated tools need: the runtime's state, tmux, the stores, a worker launcher and a way to feed
 * events.
 */
export interface AuthorityToolDeps {
  readonly getState: () => CoreState;
  readonly tmux: TmuxPort;
  readonly authorityStore: AuthorityStorePort;
  readonly now: () => number;
  readonly dispatch: (event: Event) => Promise<void>;
  readonly workers?: WorkerDefaults;
  /** Ends a terminated pane's whole process tree; without it the pane is only closed. */
  readonly processes?: ProcessPort;
  readonly endLadder?: readonly EndStep[];
}

/**
 * The conn-gated tools (`spawn_worker`, `assign_task`, `terminate`) and `propose_role_change`, as the tool host
 * serves them.
 */
export type AuthorityTools = Required<
  Pick<ToolHost, "spawnWorker" | "assignTask" | "terminate" | "proposeRoleChange">
> &
  Pick<ToolHost, "nudge">;

const refused = (message: string): ToolError => ({ _tag: "ToolRefused", message });

/**
 * Build the conn-gated tools: each action passes `authorize`; allowed ones run and are logged, others become
 * proposals.
 */
export const createAuthorityTools = (deps: AuthorityToolDeps): AuthorityTools => {
  let deferredCount = 0;

  const verdictFor = (action: AuthorityAction): AuthorityVerdict => {
    const state = deps.getState();
    return authorize(action, {
      now: Math.max(state.now, deps.now()),
      conn: state.authority.conn,
      usage: state.inputs.usage,
      budget: budgetPolicyOf(state.config),
      prohibitions: state.config.prohibitions,
      firstMatePaneId: state.supervisor.marker?.paneId ?? null,
    });
  };

  /** Deny and propose, shared by every conn-gated tool; null means "go on". */
  const settleRefusal = async (
    action: AuthorityAction,
    verdict: AuthorityVerdict,
  ): Promise<E.Either<ToolError, string> | null> => {
    if (verdict.decision === "deny") {
      await deps.dispatch({
        type: "ActionDenied",
        now: deps.now(),
        action,
        reason: verdict.reason,
        prohibition: verdict.prohibition,
      });
      return E.left({ _tag: "ToolForbidden", message: `denied: ${verdict.reason}` });
    }
    if (verdict.decision !== "propose") return null;
    const stored = await deps.authorityStore.addProposal({ action, reason: verdict.reason, at: deps.now() });
    const proposalId = E.isRight(stored) ? stored.right.id : null;
    await deps.dispatch({
      type: "ActionProposed",
      now: deps.now(),
      action,
      reason: verdict.reason,
      proposalId,
      handBack: verdict.handBack,
    });
    const recorded =
      proposalId === null
        ? `the proposal could not be stored (${E.isLeft(stored) ? describeError(stored.left) : ""}); the human has been alerted`
        : `recorded as proposal #${proposalId} for the human`;
    const back = verdict.handBack ? "; the conn has gone back to the human" : "";
    return E.left(refused(`not run: ${verdict.reason}; ${recorded}${back}`));
  };

  const executed = async (action: AuthorityAction, result: E.Either<string, string>): Promise<void> =>
    deps.dispatch({
      type: "ActionExecuted",
      now: deps.now(),
      action,
      ok: E.isRight(result),
      detail: E.isRight(result) ? result.right : result.left,
    });

  /** The pane as the fleet knows it; conn-gated actions only touch known panes. */
  const knownPane = (pane: PaneId): { readonly name: string; readonly pid: number | null } | null => {
    const found = deps.getState().fleet.find((observed) => observed.paneId === pane && !observed.dead);
    return found ? { name: found.windowName, pid: found.pid } : null;
  };

  const launchFor = (input: SpawnWorkerInput): E.Either<ToolError, WorkerLaunch> => {
    const state = deps.getState();
    const defaults = deps.workers ?? {};
    // A command line runs as the pane's own process, as the supervisor does for the first mate.
    const argv = input.command ? ["/bin/sh", "-c", `exec ${input.command}`] : defaults.argv ? [...defaults.argv] : null;
    if (argv === null || argv.length === 0) {
      return E.left({ _tag: "ToolInvalidInput", message: "no default worker command is configured: pass command" });
    }
    const cwd = input.cwd ?? defaults.cwd;
    // What the kit starts it knows: the pane carries the kind from its first tick.
    const agent = classifyAgent({ command: "", processes: [argv] }, state.config.agentSignatures);
    return E.right({
      name: input.name,
      session: state.config.workerSession,
      argv,
      ...(cwd ? { cwd } : {}),
      ...(defaults.env ? { env: { ...defaults.env } } : {}),
      ...(input.task ? { task: input.task } : {}),
      ...(agent !== null ? { agent } : {}),
    });
  };

  return {
    async spawnWorker(_from, input) {
      const args: Record<string, string> = {};
      if (input.command) args.command = input.command;
      if (input.cwd) args.cwd = input.cwd;
      if (input.task) args.task = input.task;
      const action: AuthorityAction = { kind: "spawn_worker", target: { name: input.name }, args };
      const verdict = verdictFor(action);
      const refusal = await settleRefusal(action, verdict);
      if (refusal) return refusal;
      const launch = launchFor(input);
      if (E.isLeft(launch)) return launch;
      if (verdict.decision === "defer") {
        deferredCount += 1;
        const now = deps.now();
        await deps.dispatch({
          type: "SpawnDeferred",
          now,
          spawn: {
            id: `deferred-${now}-${deferredCount}`,
            launch: launch.right,
            requestedAt: now,
            releaseAt: verdict.until,
          },
        });
        return E.right(
          `deferred: ${verdict.reason}; ${input.name} starts at the reset (${formatInstant(verdict.until)})`,
        );
      }
      const launched = await launchWorker(deps.tmux, launch.right);
      const outcome = E.isRight(launched)
        ? E.right(`spawned worker ${input.name} in ${launched.right}${input.task ? " and gave it its task" : ""}`)
        : E.left(launched.left);
      await executed(action, outcome);
      return E.isRight(outcome)
        ? outcome
        : E.left({ _tag: "ToolFailed", message: `spawn_worker failed: ${outcome.left}` });
    },

    async assignTask(_from, input) {
      const pane = knownPane(input.pane);
      if (pane === null) return E.left(refused(`${input.pane} is not a live pane of the fleet`));
      const action: AuthorityAction = {
        kind: "assign_task",
        target: { paneId: input.pane, name: pane.name },
        args: { task: input.task },
      };
      const verdict = verdictFor(action);
      const refusal = await settleRefusal(action, verdict);
      if (refusal) return refusal;
      const typed = await deps.tmux.sendText(input.pane, input.task);
      const outcome = E.isRight(typed)
        ? E.right(`assigned the task to ${input.pane} (${pane.name})`)
        : E.left(describeError(typed.left));
      await executed(action, outcome);
      return E.isRight(outcome)
        ? outcome
        : E.left({ _tag: "ToolFailed", message: `assign_task failed: ${outcome.left}` });
    },

    async terminate(_from, input) {
      const pane = knownPane(input.pane);
      if (pane === null) return E.left(refused(`${input.pane} is not a live pane of the fleet`));
      const action: AuthorityAction = {
        kind: "terminate",
        target: { paneId: input.pane, name: pane.name },
        args: {},
      };
      const verdict = verdictFor(action);
      const refusal = await settleRefusal(action, verdict);
      if (refusal) return refusal;
      // The pane's processes are recorded before the close and ended after it: an agent that catches SIGHUP dies too.
      const ended = await endPane(
        { tmux: deps.tmux, processes: deps.processes },
        { paneId: input.pane, pid: pane.pid },
        deps.endLadder,
      );
      const killed = ended.closed;
      if (deps.processes !== undefined)
        await deps.dispatch({
          type: "PaneEnded",
          now: deps.now(),
          paneId: input.pane,
          reason: "terminate",
          report: ended.report,
        });
      const survived = ended.report.survivors.length;
      const outcome = E.isRight(killed)
        ? E.right(
            `terminated ${input.pane} (${pane.name})${survived > 0 ? `; ${survived} of its processes survived (the human is alerted)` : ""}`,
          )
        : E.left(describeError(killed.left));
      await executed(action, outcome);
      return E.isRight(outcome)
        ? outcome
        : E.left({ _tag: "ToolFailed", message: `terminate failed: ${outcome.left}` });
    },

    async nudge(_from, input) {
      const state = deps.getState();
      const firstMate = state.supervisor.marker?.paneId ?? null;
      const digest = currentDigest({ ...state, now: Math.max(state.now, deps.now()) });
      const policy = decideNudge(digest, firstMate, input.pane, state.config.idleThresholdMs);
      if (!policy.allowed && input.pane === firstMate) return E.left(refused(policy.reason));
      // The text is judged before the worker's state: prohibited text is denied and logged even to a busy worker.
      const pane = knownPane(input.pane);
      const action: AuthorityAction = {
        kind: "nudge",
        target: { paneId: input.pane, ...(pane ? { name: pane.name } : {}) },
        args: { message: input.message },
      };
      const refusal = await settleRefusal(action, verdictFor(action));
      if (refusal) return refusal;
      if (!policy.allowed) return E.left(refused(policy.reason));
      const sent = await deps.tmux.sendText(input.pane, input.message);
      const outcome = E.isRight(sent) ? E.right(`nudged ${input.pane}`) : E.left(describeError(sent.left));
      await executed(action, outcome);
      return E.isRight(outcome) ? outcome : E.left({ _tag: "ToolFailed", message: `nudge failed: ${outcome.left}` });
    },

    async proposeRoleChange(_from, input) {
      const text = LogTextSchema.safeParse(input.text);
      if (!text.success) return E.left({ _tag: "ToolInvalidInput", message: "text must be 1–2000 characters" });
      const stored = await deps.authorityStore.proposeRoleExtension({ text: text.data, at: deps.now() });
      if (E.isLeft(stored)) return E.left({ _tag: "ToolFailed", message: describeError(stored.left) });
      await deps.dispatch({
        type: "RoleChangeProposed",
        now: deps.now(),
        extensionId: stored.right.id,
        text: text.data,
      });
      return E.right(
        `proposed as role extension #${stored.right.id}; it joins your prompt only if the human approves it`,
      );
    },
  };
};
