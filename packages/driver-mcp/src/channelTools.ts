/**
 * The channel's tools, registered on one per-connection `McpServer`.
 *
 * Guarantees: inputs are validated by zod (the SDK turns a failed validation
 * into an `isError` result); every handler returns a tool result, never
 * throws: a host `Left`, a throwing host, or a refused identity all become
 * `isError` results with a clear message. The first-mate guard re-reads the
 * marker on every call, so a marker that moved takes effect at once.
 *
 * Does not: decide policy (who may be nudged, what may be peeked); that is
 * the host's job. The one local refusal besides identity is peeking at one's
 * own pane, which would feed the first mate its own screen.
 */
import {
  CONN_GATED_ACTIONS,
  type LogEntry,
  LogKindSchema,
  LogTextSchema,
  MessageSchema,
  NotifyKindSchema,
  type PaneId,
  PaneIdSchema,
  PushRefSchema,
  SeveritySchema,
  STANDING_ACTIONS,
  type ToolError,
  type ToolHost,
} from "@first-mate/core";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { isProvenFirstMate } from "./firstMateIdentity.js";

/** Who is calling: the connection's pane, and the spawn token hash it proved (null: none). */
export interface ToolCaller {
  readonly pane: PaneId;
  /** The proven token hash; may prove credentials the hello carried before the marker named this pane. */
  readonly proven: () => Promise<string | null>;
}

/** Tool names every agent may call. */
export const AGENT_TOOLS = ["notify", "report"] as const;
/** Tool names only the verified first mate may call: the core's standing and conn-gated actions. */
export const FIRST_MATE_TOOLS = [...STANDING_ACTIONS, ...CONN_GATED_ACTIONS] as const;
/** The first mate's tools that need the conn (docs/design.md, Authority); the host authorizes each call. */
export const CONN_GATED_TOOLS = CONN_GATED_ACTIONS;

/** A worker's window name: short, and safe to show anywhere. */
export const WorkerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a worker name is 1–64 letters, digits, dots, dashes or underscores");
/** A command line for a new worker; it runs as the pane's own process. */
export const WorkerCommandSchema = z.string().min(1).max(2000);
/** A working directory given to a tool: an absolute path, 2–1000 characters. */
export const WorkingDirectorySchema = z.string().min(2).max(1000).regex(/^\//, "an absolute path");
/** The name of a tool an agent or the first mate can call. */
export type ChannelToolName = (typeof AGENT_TOOLS)[number] | (typeof FIRST_MATE_TOOLS)[number];

const text = (value: string): CallToolResult => ({ content: [{ type: "text", text: value }] });
const failure = (message: string): CallToolResult => ({ content: [{ type: "text", text: message }], isError: true });

const render = <T>(result: E.Either<ToolError, T>, show: (value: T) => string): CallToolResult =>
  E.isLeft(result) ? failure(result.left.message) : text(show(result.right));

const renderLogEntry = (entry: LogEntry): string =>
  `#${entry.id} [${entry.kind}] ${new Date(entry.at).toISOString()} ${entry.author}: ${entry.text}`;

/** Run a handler so that nothing it throws escapes as anything but an `isError` result. */
const guarded = async (tool: ChannelToolName, run: () => Promise<CallToolResult>): Promise<CallToolResult> => {
  try {
    return await run();
  } catch (error) {
    return failure(`${tool} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const ackInput = z.object({
  ack: PushRefSchema.optional().describe(
    "The id (meta.push) of the push that prompted this call, so first-mate knows its pushes reach you.",
  ),
});

/**
 * The tools' input schemas, made once for the process: given as raw shapes,
 * the SDK builds a schema object per tool per session (200 sessions, 2400).
 */
const INPUTS = {
  notify: z.object({ message: MessageSchema, kind: NotifyKindSchema, severity: SeveritySchema.optional() }),
  report: z.object({ message: MessageSchema }),
  ack: ackInput,
  captainsLogRead: z.object({ limit: z.number().int().min(1).max(200).optional(), kind: LogKindSchema.optional() }),
  captainsLogAppend: z.object({ kind: LogKindSchema, text: LogTextSchema }),
  peek: z.object({ pane: PaneIdSchema, lines: z.number().int().min(1).max(200).optional() }),
  proposeRoleChange: z.object({ text: LogTextSchema }),
  spawnWorker: z.object({
    name: WorkerNameSchema,
    command: WorkerCommandSchema.optional(),
    cwd: WorkingDirectorySchema.optional(),
    task: MessageSchema.optional(),
  }),
  assignTask: z.object({ pane: PaneIdSchema, task: MessageSchema }),
  pane: z.object({ pane: PaneIdSchema }),
  nudge: z.object({ pane: PaneIdSchema, message: MessageSchema }),
};

/** Register every channel tool on `server`, bound to `caller`. */
export const registerChannelTools = (server: McpServer, host: ToolHost, caller: ToolCaller): void => {
  const asFirstMate = (tool: ChannelToolName, run: () => Promise<CallToolResult>) =>
    guarded(tool, async () => {
      const marker = await host.firstMateMarker();
      if (!isProvenFirstMate(caller.pane, await caller.proven(), marker)) {
        return failure(`only the first mate may call ${tool}`);
      }
      return run();
    });

  server.registerTool(
    "notify",
    {
      description: "Tell the first mate about your work. kind need_human wakes it at once.",
      inputSchema: INPUTS.notify,
    },
    (input) =>
      guarded("notify", async () => {
        const request = input.severity === undefined ? { kind: input.kind, message: input.message } : input;
        return render(await host.notify(caller.pane, request), (reply) => reply);
      }),
  );

  server.registerTool(
    "report",
    { description: "Send a report to the first mate.", inputSchema: INPUTS.report },
    (input) =>
      guarded("report", async () => render(await host.report(caller.pane, { message: input.message }), (r) => r)),
  );

  const withAck = (input: { ack?: string | undefined }) => (input.ack === undefined ? {} : { ack: input.ack });

  server.registerTool(
    "fleet_digest",
    {
      description:
        "First mate only: the current fleet digest. Pass ack = the meta.push of the push you are acting on, if any.",
      inputSchema: INPUTS.ack,
    },
    (input) =>
      asFirstMate("fleet_digest", async () =>
        render(await host.fleetDigest(caller.pane, withAck(input)), (d) => d.text),
      ),
  );

  server.registerTool(
    "inbox",
    {
      description:
        "First mate only: the interrupts waiting for you, oldest first; each is marked delivered as it is returned. Pass ack = the meta.push of the push you are acting on, if any.",
      inputSchema: INPUTS.ack,
    },
    (input) =>
      asFirstMate("inbox", async () =>
        host.inbox
          ? render(await host.inbox(caller.pane, withAck(input)), (inbox) => inbox.text)
          : failure("inbox is not available: this first-mate host keeps no inbox"),
      ),
  );

  server.registerTool(
    "captains_log_read",
    {
      description: "First mate only: newest entries of the captain's log.",
      inputSchema: INPUTS.captainsLogRead,
    },
    (input) =>
      asFirstMate("captains_log_read", async () => {
        const query =
          input.kind === undefined ? { limit: input.limit ?? 50 } : { limit: input.limit ?? 50, kind: input.kind };
        return render(await host.readLog(caller.pane, query), (entries) =>
          entries.length === 0 ? "The captain's log has no matching entries." : entries.map(renderLogEntry).join("\n"),
        );
      }),
  );

  server.registerTool(
    "captains_log_append",
    {
      description: "First mate only: add a standing order, a watch item or narrative to the captain's log.",
      inputSchema: INPUTS.captainsLogAppend,
    },
    (input) =>
      asFirstMate("captains_log_append", async () =>
        render(
          await host.appendLog(caller.pane, { kind: input.kind, text: input.text }),
          (entry) => `Logged #${entry.id} (${entry.kind}).`,
        ),
      ),
  );

  server.registerTool(
    "peek",
    {
      description: "First mate only: the last lines of a worker pane's screen (never your own).",
      inputSchema: INPUTS.peek,
    },
    (input) =>
      asFirstMate("peek", async () => {
        if (input.pane === caller.pane) return failure("peek refuses your own pane: it would show you your own screen");
        return render(await host.peek(caller.pane, { pane: input.pane, lines: input.lines ?? 50 }), (screen) => screen);
      }),
  );

  const unsupported = (tool: ChannelToolName) =>
    failure(`${tool} is not available: this first-mate host has no conn-gated tools`);

  server.registerTool(
    "propose_role_change",
    {
      description:
        "First mate only: propose a line for your ROLE-EXT prompt layer. Only the human approves it; you cannot write ROLE-EXT yourself.",
      inputSchema: INPUTS.proposeRoleChange,
    },
    (input) =>
      asFirstMate("propose_role_change", async () =>
        host.proposeRoleChange
          ? render(await host.proposeRoleChange(caller.pane, { text: input.text }), (reply) => reply)
          : unsupported("propose_role_change"),
      ),
  );

  server.registerTool(
    "spawn_worker",
    {
      description:
        "First mate only, needs the conn: start a worker in a new window (name; optional command line, working directory and first task). Without the conn it becomes a proposal for the human.",
      inputSchema: INPUTS.spawnWorker,
    },
    (input) =>
      asFirstMate("spawn_worker", async () => {
        if (!host.spawnWorker) return unsupported("spawn_worker");
        const request = {
          name: input.name,
          ...(input.command === undefined ? {} : { command: input.command }),
          ...(input.cwd === undefined ? {} : { cwd: input.cwd }),
          ...(input.task === undefined ? {} : { task: input.task }),
        };
        return render(await host.spawnWorker(caller.pane, request), (reply) => reply);
      }),
  );

  server.registerTool(
    "assign_task",
    {
      description:
        "First mate only, needs the conn: type a task into a worker's pane. Without the conn it becomes a proposal for the human.",
      inputSchema: INPUTS.assignTask,
    },
    (input) =>
      asFirstMate("assign_task", async () => {
        if (!host.assignTask) return unsupported("assign_task");
        if (input.pane === caller.pane) return failure("assign_task refuses your own pane");
        return render(await host.assignTask(caller.pane, { pane: input.pane, task: input.task }), (reply) => reply);
      }),
  );

  server.registerTool(
    "terminate",
    {
      description:
        "First mate only, needs the conn: kill a worker's pane. Without the conn it becomes a proposal for the human.",
      inputSchema: INPUTS.pane,
    },
    (input) =>
      asFirstMate("terminate", async () => {
        if (!host.terminate) return unsupported("terminate");
        if (input.pane === caller.pane) return failure("terminate refuses your own pane");
        return render(await host.terminate(caller.pane, { pane: input.pane }), (reply) => reply);
      }),
  );

  server.registerTool(
    "nudge",
    {
      description: "First mate only: type a message into a clearly idle, unblocked worker's pane.",
      inputSchema: INPUTS.nudge,
    },
    (input) =>
      asFirstMate("nudge", async () =>
        render(await host.nudge(caller.pane, { pane: input.pane, message: input.message }), (reply) => reply),
      ),
  );
};
