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
  type Conn,
  ConnGatedActionSchema,
  DeciderSchema,
  type EmbedderHost,
  type EmbedderNotice,
  LogKindSchema,
  PaneIdSchema,
  PaneInputSchema,
  ProposalStatusSchema,
  RoleExtensionStatusSchema,
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
  "conn_handoff",
  "conn_take_back",
  "conn_status",
  "proposals_list",
  "proposal_decide",
  "role_list",
  "role_decide",
] as const;
/** The name of a tool an embedder can call. */
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

/** The longest handoff, in minutes (the runtime's limit: seven days). */
export const MAX_HANDOFF_MINUTES = 7 * 24 * 60;

const HandoffScopeSchema = z.object({
  actions: z.array(ConnGatedActionSchema).min(1),
  targets: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
});
const DecisionInputSchema = {
  id: z.number().int().positive(),
  decision: z.enum(["approve", "reject"]),
  by: DeciderSchema.optional(),
};

/** One line a person reads, for a conn. */
const describeConn = (conn: Conn): string =>
  conn.holder === "human"
    ? "the conn is with the human"
    : `the first mate (attempt ${conn.firstMateAttempt}) holds the conn until ${new Date(conn.expiresAt).toISOString()}: ${conn.scope.actions.join(", ")} on ${conn.scope.targets.join(", ")}`;

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

  registerAuthorityTools(server, host);
};

/** The authority tools (docs/design.md, Authority): the conn, proposals and role extensions. Results: a line, then JSON. */
const registerAuthorityTools = (server: McpServer, host: EmbedderHost): void => {
  server.registerTool(
    "conn_handoff",
    {
      description: `Hand the conn to the current first mate for some minutes (at most ${MAX_HANDOFF_MINUTES}): scope.actions from spawn_worker|assign_task|terminate, scope.targets are pane ids or window names (* wildcard; default all), escalation says when to wake the human anyway. Refused when there is no first mate.`,
      inputSchema: {
        scope: HandoffScopeSchema,
        minutes: z.number().positive().max(MAX_HANDOFF_MINUTES),
        escalation: z.string().min(1).max(500).optional(),
      },
    },
    (input) =>
      guarded("conn_handoff", async () => {
        const handoff = {
          scope: {
            actions: input.scope.actions,
            ...(input.scope.targets === undefined ? {} : { targets: input.scope.targets }),
          },
          minutes: input.minutes,
          ...(input.escalation === undefined ? {} : { escalation: input.escalation }),
        };
        return render(await host.handOffConn(handoff), (conn) => text(describeConn(conn), JSON.stringify(conn)));
      }),
  );

  server.registerTool(
    "conn_take_back",
    { description: "Take the conn back from the first mate (harmless when the human holds it).", inputSchema: {} },
    () =>
      guarded("conn_take_back", async () =>
        render(await host.takeBackConn(), (conn) => text(describeConn(conn), JSON.stringify(conn))),
      ),
  );

  server.registerTool(
    "conn_status",
    {
      description:
        "Who holds the conn (scope and expiry when the first mate does), and the spawns deferred to the budget reset.",
      inputSchema: {},
    },
    () =>
      guarded("conn_status", async () =>
        render(await host.connStatus(), (status) => text(describeConn(status.conn), JSON.stringify(status))),
      ),
  );

  server.registerTool(
    "proposals_list",
    {
      description:
        "Proposals (actions the first mate asked for and the kit did not run), as a JSON array; filter by status.",
      inputSchema: { status: ProposalStatusSchema.optional() },
    },
    (input) =>
      guarded("proposals_list", async () =>
        render(await host.listProposals(input.status === undefined ? {} : { status: input.status }), (proposals) =>
          text(JSON.stringify(proposals)),
        ),
      ),
  );

  server.registerTool(
    "proposal_decide",
    {
      description:
        "Approve or reject a pending proposal. The decision is recorded; running an approved action is yours to do (or hand over the conn).",
      inputSchema: DecisionInputSchema,
    },
    (input) =>
      guarded("proposal_decide", async () =>
        render(
          await host.decideProposal({
            id: input.id,
            approve: input.decision === "approve",
            ...(input.by === undefined ? {} : { by: input.by }),
          }),
          (proposal) => text(`proposal #${proposal.id} ${proposal.status} (recorded)`, JSON.stringify(proposal)),
        ),
      ),
  );

  server.registerTool(
    "role_list",
    {
      description: "Role extensions (ROLE-EXT lines the first mate proposed), as a JSON array; filter by status.",
      inputSchema: { status: RoleExtensionStatusSchema.optional() },
    },
    (input) =>
      guarded("role_list", async () =>
        render(
          await host.listRoleExtensions(input.status === undefined ? {} : { status: input.status }),
          (extensions) => text(JSON.stringify(extensions)),
        ),
      ),
  );

  server.registerTool(
    "role_decide",
    {
      description:
        "Approve or reject a proposed role extension; an approved one joins the prompt at the first mate's next start.",
      inputSchema: DecisionInputSchema,
    },
    (input) =>
      guarded("role_decide", async () =>
        render(
          await host.decideRoleExtension({
            id: input.id,
            approve: input.decision === "approve",
            ...(input.by === undefined ? {} : { by: input.by }),
          }),
          (extension) =>
            text(
              `role extension #${extension.id} ${extension.status}${extension.status === "approved" ? "; it joins the prompt at the first mate's next start" : ""}`,
              JSON.stringify(extension),
            ),
        ),
      ),
  );
};
