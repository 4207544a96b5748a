/**
 * Serving one hook connection (hello role "hook"): validate the lifecycle
 * payload, hand it to the ToolHost, answer one line, close.
 *
 * Guarantees: exactly one reply line per connection — `{"ok":true,
 * "state":…}` when the host took the payload, else `{"error":{code,
 * message}}` (the same shape as a hello refusal) — and the connection is
 * closed after it. A malformed payload is dropped with `HookPayloadInvalid`;
 * a host without `agentHook` answers `HelloRoleUnsupported`; a host that
 * fails or throws answers `HookFailed`. Nothing here can stop the server.
 */
import type { Socket } from "node:net";
import { AgentHookPayloadSchema, describeError, type ToolHost } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import type { HookHello } from "./hello.js";

/** The server's one-line answer to the hook command: the state it recorded, or an error. */
export type HookReply =
  | { readonly ok: true; readonly state: string }
  | {
      readonly error: {
        readonly code: "HookPayloadInvalid" | "HelloRoleUnsupported" | "HookFailed";
        readonly message: string;
      };
    };

/** The line written for a reply, newline included. */
export const serializeHookReply = (reply: HookReply): string => `${JSON.stringify(reply)}\n`;

/** Pure over the host: the reply to one hook hello. Never rejects. */
export const answerHook = async (hello: HookHello, host: ToolHost): Promise<HookReply> => {
  if (host.agentHook === undefined) {
    return { error: { code: "HelloRoleUnsupported", message: 'this host does not take role "hook"' } };
  }
  const payload = AgentHookPayloadSchema.safeParse(hello.payload);
  if (!payload.success) {
    const detail = payload.error.issues.map((issue) => `${issue.path.join(".") || "payload"}: ${issue.message}`);
    return { error: { code: "HookPayloadInvalid", message: `invalid hook payload: ${detail.join("; ")}` } };
  }
  try {
    const result = await host.agentHook(hello.pane, payload.data);
    return E.isRight(result)
      ? { ok: true, state: result.right }
      : { error: { code: "HookFailed", message: describeError(result.left) } };
  } catch (error) {
    return { error: { code: "HookFailed", message: error instanceof Error ? error.message : String(error) } };
  }
};

/** Answer a hook connection and close it; the socket is destroyed shortly after in any case. */
export const serveHookConnection = async (socket: Socket, hello: HookHello, host: ToolHost): Promise<void> => {
  const reply = await answerHook(hello, host);
  if (socket.writable) socket.end(serializeHookReply(reply));
  setTimeout(() => socket.destroy(), 200).unref();
};
