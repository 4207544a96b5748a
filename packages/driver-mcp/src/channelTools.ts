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
  type LogEntry,
  LogKindSchema,
  LogTextSchema,
  MessageSchema,
  NotifyKindSchema,
  type PaneId,
  PaneIdSchema,
  SeveritySchema,
  type ToolError,
  type ToolHost,
} from "@first-mate/core";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as E from "fp-ts/lib/Either.js";
import { z } from "zod";
import { isFirstMate } from "./firstMateIdentity.js";

/** Who is calling: what the connection's hello claimed. */
export interface ToolCaller {
  readonly pane: PaneId;
  readonly token: string | undefined;
}

/** Tool names every agent may call. */
export const AGENT_TOOLS = ["notify", "report"] as const;
/** Tool names only the verified first mate may call. */
export const FIRST_MATE_TOOLS = ["fleet_digest", "captains_log_read", "captains_log_append", "peek", "nudge"] as const;
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

/** Register every channel tool on `server`, bound to `caller`. */
export const registerChannelTools = (server: McpServer, host: ToolHost, caller: ToolCaller): void => {
  const asFirstMate = (tool: ChannelToolName, run: () => Promise<CallToolResult>) =>
    guarded(tool, async () => {
      const marker = await host.firstMateMarker();
      if (!isFirstMate(caller.pane, caller.token, marker)) return failure(`only the first mate may call ${tool}`);
      return run();
    });

  server.registerTool(
    "notify",
    {
      description: "Tell the first mate about your work. kind need_human wakes it at once.",
      inputSchema: { message: MessageSchema, kind: NotifyKindSchema, severity: SeveritySchema.optional() },
    },
    (input) =>
      guarded("notify", async () => {
        const request = input.severity === undefined ? { kind: input.kind, message: input.message } : input;
        return render(await host.notify(caller.pane, request), (reply) => reply);
      }),
  );

  server.registerTool(
    "report",
    { description: "Send a report to the first mate.", inputSchema: { message: MessageSchema } },
    (input) =>
      guarded("report", async () => render(await host.report(caller.pane, { message: input.message }), (r) => r)),
  );

  server.registerTool(
    "fleet_digest",
    { description: "First mate only: the current fleet digest.", inputSchema: {} },
    () => asFirstMate("fleet_digest", async () => render(await host.fleetDigest(caller.pane), (d) => d.text)),
  );

  server.registerTool(
    "captains_log_read",
    {
      description: "First mate only: newest entries of the captain's log.",
      inputSchema: { limit: z.number().int().min(1).max(200).optional(), kind: LogKindSchema.optional() },
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
      inputSchema: { kind: LogKindSchema, text: LogTextSchema },
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
      inputSchema: { pane: PaneIdSchema, lines: z.number().int().min(1).max(200).optional() },
    },
    (input) =>
      asFirstMate("peek", async () => {
        if (input.pane === caller.pane) return failure("peek refuses your own pane: it would show you your own screen");
        return render(await host.peek(caller.pane, { pane: input.pane, lines: input.lines ?? 50 }), (screen) => screen);
      }),
  );

  server.registerTool(
    "nudge",
    {
      description: "First mate only: type a message into a clearly idle, unblocked worker's pane.",
      inputSchema: { pane: PaneIdSchema, message: MessageSchema },
    },
    (input) =>
      asFirstMate("nudge", async () =>
        render(await host.nudge(caller.pane, { pane: input.pane, message: input.message }), (reply) => reply),
      ),
  );
};
