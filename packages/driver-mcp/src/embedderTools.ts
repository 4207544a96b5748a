/**
 * The embedder's tools, registered on an embedder session's own
 * `McpServer` (never on an agent's), and the notification methods that
 * carry alerts and events to it.
 *
 * Guarantees: inputs are validated by zod (the SDK turns a failed
 * validation into an `isError` result) and again behind the host; every
 * handler returns a tool result, never throws. Results an orchestrator
 * parses (status, log, the digest's data) are JSON text.
 *
 * Does not: decide anything; the `EmbedderHost` does.
 */
import {
  type EmbedderHost,
  type EmbedderNotice,
  LogKindSchema,
  PaneIdSchema,
  PaneInputSchema,
  type ToolError,
  UsageSnapshotSchema,
} from "@first-mate/core";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";

/** Tool names an embedder session has (and no agent session has). */
export const EMBEDDER_TOOLS = [
  "update_inputs",
  "fleet_digest",
  "status",
  "captains_log_read",
  "set_kill_switch",
  "reset_supervisor",
] as const;
export type EmbedderToolName = (typeof EMBEDDER_TOOLS)[number];

/** An alert for the human: params `{level, code, message, at}`. */
export const EMBEDDER_ALERT_METHOD = "notifications/first_mate/alert";
/** A typed fact (a proposal, a conn change…): params `{type, at, data}`. */
export const EMBEDDER_EVENT_METHOD = "notifications/first_mate/event";

/** The JSON-RPC notification an embedder receives for a notice. */
export const embedderNotification = (notice: EmbedderNotice): { method: string; params: Record<string, unknown> } =>
  notice.kind === "alert"
    ? {
        method: EMBEDDER_ALERT_METHOD,
        params: { level: notice.level, code: notice.code, message: notice.message, at: notice.at },
      }
    : { method: EMBEDDER_EVENT_METHOD, params: { type: notice.type, at: notice.at, data: notice.data } };

const text = (...values: string[]): CallToolResult => ({
  content: values.map((value) => ({ type: "text" as const, text: value })),
});
const failure = (message: string): CallToolResult => ({ content: [{ type: "text", text: message }], isError: true });

const render = <T>(result: E.Either<ToolError, T>, show: (value: T) => CallToolResult): CallToolResult =>
  E.isLeft(result) ? failure(result.left.message) : show(result.right);

const guarded = async (tool: EmbedderToolName, run: () => Promise<CallToolResult>): Promise<CallToolResult> => {
  try {
    return await run();
  } catch (error) {
    return failure(`${tool} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** Register every embedder tool on `server`. The caller has already proved it holds the embedder token. */
export const registerEmbedderTools = (server: McpServer, host: EmbedderHost): void => {
  server.registerTool(
    "update_inputs",
    {
      description:
        "Feed what you know: per-pane status line, PR number, CI state (red|pending|green) and watched flag, and a usage snapshot {percent, resetsAt}. Replaces the given panes' inputs.",
      inputSchema: {
        panes: z.record(PaneIdSchema, PaneInputSchema).optional(),
        usage: UsageSnapshotSchema.optional(),
      },
    },
    (input) =>
      guarded("update_inputs", async () => {
        const inputs = {
          ...(input.panes === undefined ? {} : { panes: input.panes }),
          ...(input.usage === undefined ? {} : { usage: input.usage }),
        };
        return render(await host.updateInputs(inputs), (reply) => text(reply));
      }),
  );

  server.registerTool(
    "fleet_digest",
    { description: "The current fleet digest: rendered text, then the digest as JSON.", inputSchema: {} },
    () =>
      guarded("fleet_digest", async () =>
        render(await host.fleetDigest(), (reply) => text(reply.text, JSON.stringify(reply.digest))),
      ),
  );

  server.registerTool(
    "status",
    { description: "The runtime's status (supervisor, first mate, pushes, outbox) as JSON.", inputSchema: {} },
    () => guarded("status", async () => render(await host.status(), (status) => text(JSON.stringify(status)))),
  );

  server.registerTool(
    "captains_log_read",
    {
      description: "Newest entries of the captain's log, as a JSON array.",
      inputSchema: { limit: z.number().int().min(1).max(200).optional(), kind: LogKindSchema.optional() },
    },
    (input) =>
      guarded("captains_log_read", async () => {
        const query =
          input.kind === undefined ? { limit: input.limit ?? 50 } : { limit: input.limit ?? 50, kind: input.kind };
        return render(await host.readLog(query), (entries) => text(JSON.stringify(entries)));
      }),
  );

  server.registerTool(
    "set_kill_switch",
    {
      description: "Set (on: true) or clear the kill switch; no first mate is spawned while set.",
      inputSchema: { on: z.boolean() },
    },
    (input) => guarded("set_kill_switch", async () => render(await host.setKillSwitch(input.on), (r) => text(r))),
  );

  server.registerTool(
    "reset_supervisor",
    { description: "Clear a crash-loop give-up so the supervisor may start the first mate again.", inputSchema: {} },
    () => guarded("reset_supervisor", async () => render(await host.resetSupervisor(), (r) => text(r))),
  );
};
