import type { ToolHost } from "@first-mate/core";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { describe, expect, it } from "vitest";
import { registerChannelTools } from "../src/channelTools.js";

/** The SDK's registered tools (not part of its public surface; read here only to compare identities). */
const inputSchemas = (server: McpServer): Map<string, unknown> => {
  const tools = (server as unknown as { _registeredTools: Record<string, { inputSchema: unknown }> })._registeredTools;
  return new Map(Object.entries(tools).map(([name, tool]) => [name, tool.inputSchema]));
};

describe("channel tool input schemas", () => {
  it("each session's tools reuse the schemas made once, not a schema object per tool per session", () => {
    // Registration never calls the host: tools reach it only when called.
    const host = {} as ToolHost;
    const sessions = [1, 2].map((index) => {
      const server = new McpServer({ name: "test", version: "0" }, { capabilities: { tools: {} } });
      registerChannelTools(server, host, { pane: `%${index}` as never, proven: async () => null });
      return inputSchemas(server);
    });
    const [first, second] = sessions;
    expect(first!.size).toBeGreaterThan(10);
    for (const [name, schema] of first!) {
      expect(schema, name).toBeDefined();
      expect(second!.get(name), name).toBe(schema);
    }
  });
});
