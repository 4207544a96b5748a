/**
 * A scripted stand-in for the model API on loopback, so the real Claude Code
 * can act without a network: a request whose conversation asks to "call
 * fleet_digest" (the wake-up first-mate types) and offers first-mate's
 * `fleet_digest` tool is answered with a call to it, which the real
 * Claude Code runs through its real shim; the tool's result comes back in
 * the next request and is recorded here. Anything else gets a short text.
 *
 * Speaks just enough of the Messages API (`POST /v1/messages`, streamed as
 * server-sent events or not) for Claude Code 2.1; every other path is a 404.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The MCP tool name Claude Code gives first-mate's `fleet_digest`. */
export const FLEET_DIGEST_TOOL = "mcp__first-mate__fleet_digest";

export interface ScriptedModelApi {
  /** `http://127.0.0.1:<port>`: for ANTHROPIC_BASE_URL. */
  readonly url: string;
  /** The text of every `fleet_digest` result Claude Code sent back, in order. */
  readonly digests: string[];
  /** One line per request (did it carry a wake-up, tool results, how many tools), for diagnostics. */
  readonly prompts: string[];
  close(): Promise<void>;
}

interface ContentBlock {
  readonly type: string;
  readonly text?: string;
  readonly tool_use_id?: string;
  readonly content?: string | readonly ContentBlock[];
}
interface Message {
  readonly role: string;
  readonly content: string | readonly ContentBlock[];
}

const blocks = (content: Message["content"]): readonly ContentBlock[] =>
  typeof content === "string" ? [{ type: "text", text: content }] : content;

const textOf = (content: ContentBlock["content"]): string =>
  content === undefined
    ? ""
    : typeof content === "string"
      ? content
      : content.map((block) => block.text ?? "").join("");

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });

type Reply = { readonly kind: "text"; readonly text: string } | { readonly kind: "tool"; readonly name: string };

const events = (reply: Reply, model: string, id: number): string => {
  const message = {
    id: `msg_${id}`,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  };
  const block =
    reply.kind === "text"
      ? { type: "text", text: "" }
      : { type: "tool_use", id: `toolu_${id}`, name: reply.name, input: {} };
  const delta =
    reply.kind === "text" ? { type: "text_delta", text: reply.text } : { type: "input_json_delta", partial_json: "{}" };
  const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  return [
    sse("message_start", { type: "message_start", message }),
    sse("content_block_start", { type: "content_block_start", index: 0, content_block: block }),
    sse("content_block_delta", { type: "content_block_delta", index: 0, delta }),
    sse("content_block_stop", { type: "content_block_stop", index: 0 }),
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: reply.kind === "text" ? "end_turn" : "tool_use", stop_sequence: null },
      usage: { output_tokens: 1 },
    }),
    sse("message_stop", { type: "message_stop" }),
  ].join("");
};

const wholeMessage = (reply: Reply, model: string, id: number) => ({
  id: `msg_${id}`,
  type: "message",
  role: "assistant",
  model,
  content:
    reply.kind === "text"
      ? [{ type: "text", text: reply.text }]
      : [{ type: "tool_use", id: `toolu_${id}`, name: reply.name, input: {} }],
  stop_reason: reply.kind === "text" ? "end_turn" : "tool_use",
  stop_sequence: null,
  usage: { input_tokens: 1, output_tokens: 1 },
});

/** Starts the scripted API on 127.0.0.1 (a free port). */
export const startScriptedModelApi = async (): Promise<ScriptedModelApi> => {
  const digests: string[] = [];
  const prompts: string[] = [];
  let count = 0;
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      if (request.method !== "POST" || !request.url?.startsWith("/v1/messages")) {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "not here" } }));
        return;
      }
      if (request.url.startsWith("/v1/messages/count_tokens")) {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ input_tokens: 1 }));
        return;
      }
      const parsed = JSON.parse(body) as {
        model?: string;
        stream?: boolean;
        messages?: Message[];
        tools?: { name: string }[];
      };
      const messages = parsed.messages ?? [];
      const last = messages.at(-1);
      const lastBlocks = last ? blocks(last.content) : [];
      const results = lastBlocks.filter((block) => block.type === "tool_result");
      prompts.push(
        `${/call fleet_digest/.test(body) ? "[wake-up] " : ""}${results.length} results, ${(parsed.tools ?? []).length} tools`,
      );
      let reply: Reply;
      if (results.length > 0) {
        for (const result of results) digests.push(textOf(result.content));
        reply = { kind: "text", text: "Pulled the fleet digest." };
      } else if (
        /call fleet_digest/.test(body) &&
        (parsed.tools ?? []).some((tool) => tool.name === FLEET_DIGEST_TOOL)
      ) {
        reply = { kind: "tool", name: FLEET_DIGEST_TOOL };
      } else {
        reply = { kind: "text", text: "ok" };
      }
      count++;
      const model = parsed.model ?? "claude-scripted";
      if (parsed.stream) {
        response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        response.end(events(reply, model, count));
      } else {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(wholeMessage(reply, model, count)));
      }
    })().catch(() => {
      response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    digests,
    prompts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
