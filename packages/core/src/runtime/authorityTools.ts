/**
 * The runtime's tools that act on the fleet — `spawn_worker`,
 * `assign_task`, `terminate`, `nudge` — and `peek`, plus the first mate's
 * `propose_role_change` (a ROLE-EXT proposal the runtime stores).
 *
 * Thin on purpose: each acting call becomes one `ToolCalled` event, queued
 * behind every event already waiting, and `step` decides it on the state it
 * holds then (toolStep.ts): authorize, conn scope, budget and deferred
 * spawns, prohibitions, the lease, the log. The effect runs as a command
 * like any other, and the call resolves with the core's `tool.reply`.
 * Nothing here reads the state or touches tmux.
 */

import * as E from "fp-ts/lib/Either.js";
import { LogTextSchema } from "../domain/logEntry.js";
import type { PaneId } from "../domain/paneId.js";
import type { ToolCall, ToolReply, ToolRequest } from "../domain/toolCall.js";
import type { ToolError } from "../ports/errors.js";
import type { ToolHost, ToolResult } from "../ports/toolHost.js";

/** How a worker is started when `spawn_worker` names no command (the core's `workerDefaults`). */
export interface WorkerDefaults {
  readonly argv?: readonly string[];
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** What the acting tools need: a way to hand a call to the core and await its reply. */
export interface AuthorityToolDeps {
  /** Hand `request` from `from` to the core as an event; resolves with the core's reply. */
  readonly callTool: (from: PaneId, request: ToolRequest) => Promise<ToolReply>;
}

/** The acting tools and `propose_role_change`, as the tool host serves them. */
export type AuthorityTools = Required<
  Pick<ToolHost, "spawnWorker" | "assignTask" | "terminate" | "proposeRoleChange">
> &
  Pick<ToolHost, "nudge" | "peek">;

const resultOf = (reply: ToolReply): E.Either<ToolError, string> =>
  reply.ok ? E.right(reply.text) : E.left(reply.error);

/** Build the acting tools: every call goes through `step` as a `ToolCalled` event. */
export const createAuthorityTools = (deps: AuthorityToolDeps): AuthorityTools => {
  const call = async (from: PaneId, request: ToolCall): ToolResult<string> =>
    resultOf(await deps.callTool(from, request));
  return {
    spawnWorker: (from, input) =>
      call(from, {
        tool: "spawn_worker",
        name: input.name,
        ...(input.command === undefined ? {} : { command: input.command }),
        ...(input.cwd === undefined ? {} : { cwd: input.cwd }),
        ...(input.task === undefined ? {} : { task: input.task }),
      }),
    assignTask: (from, input) => call(from, { tool: "assign_task", pane: input.pane, task: input.task }),
    terminate: (from, input) => call(from, { tool: "terminate", pane: input.pane }),
    nudge: (from, input) => call(from, { tool: "nudge", pane: input.pane, message: input.message }),
    peek: (from, input) => call(from, { tool: "peek", pane: input.pane, lines: input.lines }),

    async proposeRoleChange(from, input) {
      const text = LogTextSchema.safeParse(input.text);
      if (!text.success) return E.left({ _tag: "ToolInvalidInput", message: "text must be 1–2000 characters" });
      return call(from, { tool: "propose_role_change", text: text.data });
    },
  };
};
