/**
 * A stand-in agent's side of the channel: an MCP client that starts the real
 * shim (`first-mate-channel`) as its stdio server, exactly as Claude Code
 * would, and receives channel pushes.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { z } from "zod";
import { nodeScriptArgv } from "../host/nodeScript.js";

/**
 * A channel push as it arrives at an agent: the `notifications/claude/channel` notification with its content and
 * meta.
 */
export const ChannelPushSchema = z.object({
  method: z.literal("notifications/claude/channel"),
  params: z.object({ content: z.string(), meta: z.record(z.string(), z.string()).optional() }),
});
/** The params of a channel push: `content`, and `meta` when present. */
export type ChannelPush = z.infer<typeof ChannelPushSchema>["params"];

/** An MCP client connected through the real shim, as an agent would be: call tools and close. */
export interface ChannelClient {
  /** Call a tool; returns its text and whether it was an error result. */
  call(name: string, args?: Record<string, unknown>): Promise<{ text: string; isError: boolean }>;
  close(): Promise<void>;
}

const textOf = (result: unknown): string => {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((part) => (part.type === "text" ? (part.text ?? "") : "")).join("\n");
};

/**
 * Start the `first-mate-channel` shim as a child process and connect an MCP client to it, as an agent does;
 * `onPush` receives every channel push. Used by the stand-in agents.
 */
export const connectThroughShim = async (name: string, onPush: (push: ChannelPush) => void): Promise<ChannelClient> => {
  const [command, ...args] = nodeScriptArgv("driver-mcp", "shim/bin");
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const transport = new StdioClientTransport({ command: command!, args, env, stderr: "inherit" });
  const client = new Client({ name, version: "0.1.0" });
  client.setNotificationHandler(ChannelPushSchema, (notification) => onPush(notification.params));
  await client.connect(transport);
  return {
    async call(tool, toolArgs = {}) {
      const result = await client.callTool({ name: tool, arguments: toolArgs });
      return { text: textOf(result), isError: Boolean((result as { isError?: boolean }).isError) };
    },
    close: () => client.close(),
  };
};
